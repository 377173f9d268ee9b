import Foundation
import NIOCore
import NIOPosix
import NetMgrTestSupport
import Testing

/// `netmgr sim host`'s BDLC options: usage errors exit 64 naming the option; lines the
/// definitions do not have as bdlc exit 2 naming the line.
@Suite("netmgr sim host: BDLC options")
struct BDLCHostCommandTests {
    let netmgr = BuiltProducts.path("netmgr")
    let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path

    @Test("bad BDLC options exit 64 and name the option", arguments: [
        (["--bdlc-line", "BSC1", "--bdlc-poll-ms", "0"], "--bdlc-poll-ms 0"),
        (["--bdlc-line", "BSC1", "--bdlc-reply-timeout-ms", "70000"], "--bdlc-reply-timeout-ms 70000"),
        (["--listen", "127.0.31.99:0", "--lu", "LU1", "--bdlc-capture", "x.pcap"], "--bdlc-capture needs --bdlc-line"),
    ])
    func usageErrors(arguments: [String], named: String) async throws {
        let result = try await runProcess(netmgr, ["sim", "host"] + arguments, timeout: .seconds(30))
        #expect(result.status == 64, "stderr: \(result.standardError)")
        #expect(result.standardError.contains(named), "stderr: \(result.standardError)")
    }

    @Test("lines the definitions cannot give exit 2 and say why", arguments: [
        (["--bdlc-line", "BSC1"], "--bdlc-line needs --definitions DIR"),
        (["--bdlc-line", "BSC9", "--definitions", "PHONEBOOK"], "--bdlc-line BSC9: no line BSC9 in the definitions"),
        (["--bdlc-line", "LEASED1", "--definitions", "PHONEBOOK"], "--bdlc-line LEASED1: line LEASED1 is hdlc-leased, not bdlc"),
    ])
    func unusableLines(arguments: [String], message: String) async throws {
        let result = try await runProcess(netmgr, ["sim", "host"] + arguments.map { $0 == "PHONEBOOK" ? phonebook : $0 }, timeout: .seconds(30))
        #expect(result.status == 2, "stderr: \(result.standardError)")
        #expect(result.standardError.contains(message), "stderr: \(result.standardError)")
        #expect(!result.standardOutput.contains("ready:"))
    }

    @Test("a line whose port is taken exits 1 and says why")
    func portInUse() async throws {
        let world = try BDLCWorld()
        let holder = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: world.hostAddress, port: 7512).get()
        let result = try await runProcess(netmgr, ["sim", "host", "--definitions", world.definitionsPath, "--bdlc-line", "all"], timeout: .seconds(30))
        try await holder.close()
        #expect(result.status == 1, "stderr: \(result.standardError)")
        #expect(result.standardError.contains("bdlc-host BSC1 line 2 (node-b, station 0x42): cannot listen on \(world.hostAddress):7512"),
                "stderr: \(result.standardError)")
        #expect(result.standardError.contains("Address already in use"), "stderr: \(result.standardError)")
    }
}
