import Logging
import NIOCore
import PacketCapture
import SDLC

/// Records what the HOST saw on its switched lines, at the exchange (which sees both the
/// host's modem cable and its basic-rate interface): pcapng files with two interfaces each.
/// - dial-up (`--capture-dialup`): interface 0 USER1, the dialogue between the host's DTE and
///   its modem in command mode (`DialogueRecord` direction byte, then the bytes); interface 1
///   SDLC (268), the data-mode frames on the host's analogue line (address, control, info;
///   flags, transparency and FCS removed).
/// - ISDN (`--capture-isdn`): interface 0 LINUX_LAPD (177), the host interface's D channel
///   (`LinuxLAPDHeader` saying whether the network sent it); interface 1 SDLC, its B channel.
/// Files are flushed per record, so they stay readable if the simulator is killed. A write
/// failure is logged once and recording stops; the exchange goes on. Loop-confined.
final class ExchangeCaptureRecorder {
    private struct File {
        var writer: PcapNGWriter
        var first: UInt32
        var second: UInt32
        var failed = false
    }

    private let configuration: ExchangeCaptureConfiguration
    private let logger: Logger
    private var dialup: File?
    private var isdn: File?
    /// Data-mode HDLC decoders of the host's analogue line, per direction (true: from the host).
    private var decoders: [Bool: HDLCFrameDecoder] = [:]
    private(set) var recordsWritten = 0

    init(configuration: ExchangeCaptureConfiguration, logger: Logger) throws(CaptureError) {
        self.configuration = configuration
        self.logger = logger
        if let path = configuration.dialupPath, configuration.dialupLine != nil {
            let writer = try PcapNGWriter(path: path, flushAfterEachPacket: true)
            let dialogue = try writer.addInterface(.user1, name: "dialogue")
            let sdlc = try writer.addInterface(.sdlc, name: "sdlc")
            dialup = File(writer: writer, first: dialogue, second: sdlc)
        }
        if let path = configuration.isdnPath, configuration.isdnLine != nil {
            let writer = try PcapNGWriter(path: path, flushAfterEachPacket: true)
            let d = try writer.addInterface(.linuxLAPD, name: "d-channel")
            let b = try writer.addInterface(.sdlc, name: "b-channel")
            isdn = File(writer: writer, first: d, second: b)
        }
    }

    /// Command-mode bytes on an analogue line (the host's line only is recorded).
    func dialogue(line: String, bytes: ByteBuffer, fromDTE: Bool) {
        guard line == configuration.dialupLine, dialup != nil else { return }
        decoders = [:]  // between calls: the next data mode starts afresh
        write(&dialup, interface: \.first, DialogueRecord.encode(toDTE: !fromDTE, bytes.readableBytesView))
    }

    /// Data-mode bytes on an analogue line, as they cross the host's modem cable.
    func dataMode(line: String, bytes: ByteBuffer, fromDTE: Bool) {
        guard line == configuration.dialupLine, dialup != nil else { return }
        var decoder = decoders[fromDTE] ?? HDLCFrameDecoder()
        var buffer = bytes
        while let output = decoder.decode(buffer: &buffer) {
            if case .frame(let content) = output, content.readableBytes >= 2 {
                write(&dialup, interface: \.second, Array(content.readableBytesView))
            }
        }
        decoders[fromDTE] = decoder
    }

    /// A D-channel frame on an ISDN line.
    func dChannel(line: String, frame: ByteBuffer, fromNetwork: Bool) {
        guard line == configuration.isdnLine, isdn != nil else { return }
        write(&isdn, interface: \.first, LinuxLAPDHeader.encode(fromNetwork: fromNetwork) + Array(frame.readableBytesView))
    }

    /// A B-channel SDLC frame on an ISDN line.
    func bChannel(line: String, frame: ByteBuffer) {
        guard line == configuration.isdnLine, isdn != nil else { return }
        write(&isdn, interface: \.second, Array(frame.readableBytesView))
    }

    func close() {
        for file in [dialup, isdn].compactMap({ $0 }) {
            do {
                try file.writer.close()
            } catch {
                logger.error("exchange capture \(file.writer.path): \(error)")
            }
        }
        dialup = nil
        isdn = nil
    }

    private func write(_ file: inout File?, interface: KeyPath<File, UInt32>, _ bytes: [UInt8]) {
        guard let current = file, !current.failed else { return }
        do {
            try current.writer.write(interface: current[keyPath: interface], time: .now(), bytes: bytes)
            recordsWritten += 1
        } catch {
            file?.failed = true  // say it once, keep switching calls
            logger.error("exchange capture \(current.writer.path): \(error); recording stops, the exchange goes on")
        }
    }
}
