import CLibFuzzer
import Foundation

// One libFuzzer binary for every target (one sanitizer link instead of nine):
//   netmgr-fuzz TARGET [libFuzzer options and corpus directories]
//   netmgr-fuzz --list
//   netmgr-fuzz --write-seeds CORPUS-DIR REPOSITORY-DIR
// scripts/fuzz builds and runs it; see Fuzz/README.md.

let targets: [String: (UnsafeRawBufferPointer) -> Void] = [
    "LANCodec": LANCodecTarget.run,
    "AdminRequest": AdminRequestTarget.run,
    "Telnet": TelnetTarget.run,
    "TN3270Client": TN3270ClientTarget.run,
    "TN3270Server": TN3270ServerTarget.run,
    "HDLC": HDLCTarget.run,
    "SDLCFrames": SDLCFramesTarget.run,
    "X25Frames": X25FramesTarget.run,
    "XOT": XOTTarget.run,
    "BasicMode": BasicModeTarget.run,
    "Definitions": DefinitionsTarget.run,
    "Capture": CaptureTarget.run,
    "BDLCCapture": BDLCCaptureTarget.run,
    "PcapNG": PcapNGTarget.run,
    "X25Line": X25LineTarget.run,
    "LineDevice": LineDeviceTarget.run,
    "HayesResponses": HayesResponsesTarget.run,
    "V25bis": V25bisTarget.run,
    "LAPD": LAPDTarget.run,
    "Q931": Q931Target.run,
    "ISDNInterface": ISDNInterfaceTarget.run,
    "PeerIdentity": PeerIdentityTarget.run,
]

nonisolated(unsafe) var selected: (UnsafeRawBufferPointer) -> Void = { _ in }

/// libFuzzer's own main (linked in by -sanitize=fuzzer) wants this symbol; ours runs instead.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

let arguments = CommandLine.arguments
if arguments.count == 2, arguments[1] == "--list" {
    print(targets.keys.sorted().joined(separator: "\n"))
    exit(0)
}
if arguments.count == 4, arguments[1] == "--write-seeds" {
    do {
        try Seeds.write(corpus: arguments[2], repository: arguments[3])
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("netmgr-fuzz: cannot write the seeds: \(error)\n".utf8))
        exit(1)
    }
}
guard arguments.count >= 2, let target = targets[arguments[1]] else {
    FileHandle.standardError.write(Data(("usage: netmgr-fuzz TARGET [libFuzzer options] [corpus directories]\n"
        + "       netmgr-fuzz --write-seeds CORPUS-DIR REPOSITORY-DIR\n"
        + "targets: \(targets.keys.sorted().joined(separator: " "))\n").utf8))
    exit(2)
}
selected = target
// libFuzzer reads argv[0] and the options; drop the target name.
var argc = CommandLine.argc - 1
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
argv![1] = argv![0]
argv = argv! + 1
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in testOneInput(data, size) })
