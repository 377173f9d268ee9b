import Foundation
import NetMgrTestSupport
import Testing

/// Options and files that used to trap or hang `netmgr`: each gets an error naming what
/// is wrong and a distinct exit code.
@Suite("netmgr: hostile input")
struct HostileInputCommandTests {
    let netmgr = BuiltProducts.path("netmgr")

    @Test("bad --epoch values are command-line errors (64) naming the option", arguments: [
        (["activate", "--epoch", "18446744073709551615", "TNVIP"], "--epoch 18446744073709551615: epoch 18446744073709551615 is past the largest allowed"),
        (["activate", "--epoch", "9007199254740992", "TNVIP"], "--epoch 9007199254740992"),
        (["activate", "--epoch", "0", "TNVIP"], "--epoch 0: epoch 0 means \"never activated\""),
        (["cluster-event", "start", "--epoch", "18446744073709551615", "hostlink"], "--epoch 18446744073709551615"),
    ])
    func badEpoch(arguments: [String], message: String) async throws {
        let result = try await runProcess(netmgr, arguments + ["--socket", "/nonexistent.sock"])
        #expect(result.status == 64)
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }

    @Test("bad --timeout values are command-line errors (64) naming the option", arguments: [
        ["activate", "TNVIP"], ["deactivate", "TNVIP"], ["cluster-event", "stop", "hostlink"],
    ], ["1e300", "nan", "-1", "inf", "0", "100000"])
    func badTimeout(command: [String], value: String) async throws {
        let result = try await runProcess(netmgr, command + ["--timeout=\(value)", "--socket", "/nonexistent.sock"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("--timeout: "), "\(result.standardError)")
        #expect(result.standardError.contains("is not a number of seconds from 0.001 to 86400"))
    }

    @Test("durations that overflow a clock are command-line errors (64) naming the option", arguments: [
        (["verify", "--link-silence", "1e300", "/nonexistent.pcap"], "--link-silence 1e+300: expected a number of seconds above 0, at most 86400"),
        (["sim", "host", "--listen", "127.0.0.1:1", "--hold-after-close", "1e300"], "--hold-after-close 1e+300: expected seconds, 0 to 86400"),
        (["sim", "host", "--listen", "127.0.0.1:1", "--probe-interval", "9223372036854775807"], "--probe-interval 9223372036854775807: expected milliseconds"),
        (["capture", "-i", "lo", "-o", "/nonexistent.pcap", "--duration", "1e300"], "--duration 1e300: expected seconds or a number with ms, s, m or h, up to a year"),
    ])
    func hugeDurations(arguments: [String], message: String) async throws {
        var arguments = arguments
        if arguments[0] == "sim" { arguments += ["--definitions", BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path] }
        let result = try await runProcess(netmgr, arguments)
        #expect(result.status == 64)
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }

    @Test("netmgr check refuses an alias bomb at once, naming file and line (exit 1)")
    func aliasBomb() async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-bomb")
        var text = "cluster:\n  name: x\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        for (previous, name) in zip("abcdefgh".map(String.init), "bcdefghi".map(String.init)) {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ",") + "]\n"
        }
        text += "? *i\n: x\n"
        try text.write(toFile: directory.file("bomb.yaml"), atomically: true, encoding: .utf8)
        let result = try await runProcess(netmgr, ["check", directory.path], timeout: .seconds(30))
        #expect(result.status == 1)
        #expect(result.standardError.contains("\(directory.file("bomb.yaml")):3:4: error: (document): defines the anchor &a; anchors and aliases are not allowed"),
                "\(result.standardError)")
    }

    enum Unreadable: String, CaseIterable, Sendable {
        case fifo, directory, devZero, symlinkLoop, danglingLink
    }

    @Test("netmgr check names what is wrong with a *.yaml that is no file to read, without blocking (exit 2)", arguments: Unreadable.allCases)
    func unreadable(kind: Unreadable) async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-unreadable")
        let path = directory.file("a.yaml")
        let expected: String
        switch kind {
        case .fifo:
            #expect(mkfifo(path, 0o600) == 0)
            expected = "a.yaml: is a FIFO, not a regular file"
        case .directory:
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            expected = "a.yaml: is a directory, not a regular file"
        case .devZero:
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/zero")
            expected = "a.yaml: is a character device, not a regular file"
        case .symlinkLoop:
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: path)
            expected = "a.yaml: is a symbolic link loop"
        case .danglingLink:
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: directory.file("gone"))
            expected = "a.yaml: is a dangling symbolic link: its target \(directory.file("gone")) does not exist"
        }
        let result = try await runProcess(netmgr, ["check", directory.path], timeout: .seconds(30))
        #expect(result.status == 2)
        #expect(result.standardError.contains("error: \(directory.path)/\(expected)"), "\(result.standardError)")
    }
}
