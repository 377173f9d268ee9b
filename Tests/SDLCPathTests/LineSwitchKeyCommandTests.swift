import Foundation
import NetMgrTestSupport
import Testing

/// `netmgr sim line-switch --key FILE`: a key file others may read, or one too short, is
/// unusable input (exit 2) with the file and the reason; a good one is taken.
@Suite("Simulator commands: the line switch key")
struct LineSwitchKeyCommandTests {
    static let netmgr = BuiltProducts.path("netmgr")
    static let ports = ["--control", "127.0.75.40:7400", "--host-port", "COM1 Unit1 Line1=127.0.75.40:7410",
                        "--node-port", "COM1 Unit1 Line1:node-a=127.0.75.40:7411"]

    @Test func unusableKeys() async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-swkey")
        let key = directory.file("line-switch.key")
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: key))
        try #require(chmod(key, 0o644) == 0)
        let readable = try await runProcess(Self.netmgr, ["sim", "line-switch"] + Self.ports + ["--key", key])
        #expect(readable.status == 2)
        #expect(readable.standardError.contains("\(key): line switch key is readable by group or others (mode 0644); chmod 600 it"), "\(readable.standardError)")

        try Data(repeating: 7, count: 16).write(to: URL(fileURLWithPath: key))
        try #require(chmod(key, 0o600) == 0)
        let short = try await runProcess(Self.netmgr, ["sim", "line-switch"] + Self.ports + ["--key", key])
        #expect(short.status == 2)
        #expect(short.standardError.contains("16 bytes; at least 32 are needed"), "\(short.standardError)")

        let missing = try await runProcess(Self.netmgr, ["sim", "line-switch"] + Self.ports + ["--key", directory.file("none")])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("cannot read the line switch key: does not exist"), "\(missing.standardError)")
    }

    @Test func goodKey() async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-swkey")
        let key = directory.file("line-switch.key")
        try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: key))
        try #require(chmod(key, 0o400) == 0)
        let process = try LaunchedProcess(Self.netmgr, ["sim", "line-switch"] + Self.ports.map { $0.replacingOccurrences(of: "127.0.75.40", with: "127.0.75.41") } + ["--key", key])
        _ = try await process.line(startingWith: "ready: line-switch 127.0.75.41:7400")
        #expect(!process.standardError.contains("has no key"), "\(process.standardError)")
        #expect(await process.stop(SIGTERM) == 0)
    }
}
