import Foundation
import NIOCore
import NetMgrSimulators
import NetMgrTestSupport
import TN3270
import Testing

/// `netmgr sim host` as the demo and orchestrators run it: start, wait for the ready
/// line, use it, stop it with SIGTERM.
@Suite("netmgr sim host, the binary")
struct TN3270HostCommandTests {
    static let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path

    @Test func servesTheExampleClusterUntilSIGTERM() async throws {
        let directory = try TemporaryDirectory(prefix: "simhost")
        let journalPath = directory.file("host.jsonl")
        let host = try LaunchedProcess(BuiltProducts.path("netmgr"), [
            "sim", "host", "--listen", "127.0.0.100:0", "--definitions", Self.phonebook,
            "--journal", journalPath, "--probe-interval", "5000", "--probe-timeout", "5000", "--log-level", "debug",
        ])
        let ready = try await host.line(startingWith: "ready: ")
        let prefix = "ready: tn3270 127.0.0.100:"
        #expect(ready.hasPrefix(prefix))
        let port = try #require(Int(ready.dropFirst(prefix.count)))
        #expect(host.standardOutput == ready + "\n")
        let address = try SocketAddress(ipAddress: "127.0.0.100", port: port)

        // TNVIP's LU from the VIP; the same LU from node A's real address is refused;
        // TNREAL's LU (own-address none, basic TN3270) from node A.
        let vip = try await TN3270HostTestClient.connect(to: address, from: "127.0.0.10", configuration: .init(luName: "VIPLU01"))
        #expect(try await vip.bound().luName == "VIPLU01")
        let wrong = try await TN3270HostTestClient.connect(to: address, from: "127.0.0.11", configuration: .init(luName: "VIPLU01"))
        #expect(try await wrong.rejected() == .invalidName)
        let real = try await TN3270HostTestClient.connect(to: address, from: "127.0.0.11", configuration: .init(luName: "REALLU01", allowsTN3270E: false))
        #expect(try await real.bound().dialect == .tn3270)
        let message: [UInt8] = [0x7D, 0x40, 0x40, 0xC8, 0xC9]
        let sequence = try await vip.send(message)
        #expect(try await vip.response(to: sequence!).isPositive)

        host.signal(SIGTERM)
        #expect(try await host.exit(timeout: .seconds(20)) == 0, "stderr:\n\(host.standardError)")
        try await vip.closed()
        try await real.closed()

        let journal = try HostJournal.read(path: journalPath)
        #expect(journal.map(\.event) == [.bind, .sent, .reject, .bind, .sent, .message, .unbind, .unbind])
        #expect(journal[0].lu == "VIPLU01" && journal[0].client == "127.0.0.10" && journal[0].clientPort == vip.port && journal[0].dialect == "tn3270e")
        #expect(journal[2].reason == "INV-NAME: LU VIPLU01 is not permitted for client 127.0.0.11")
        #expect(journal[3].lu == "REALLU01" && journal[3].client == "127.0.0.11" && journal[3].dialect == "tn3270")
        #expect(journal[5].digest == journalDigest(message) && journal[5].sequence == Int(sequence!))
        #expect(Set(journal.suffix(2).compactMap(\.lu)) == ["VIPLU01", "REALLU01"])
        #expect(journal.suffix(2).allSatisfy { $0.reason == "shutdown" })
        #expect(host.standardError.contains("refusing 127.0.0.11:\(wrong.port)"))
    }
}
