import Foundation
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// Interop with a real emulator: Debian's s3270 (x3270 family), driven through its
/// standard-input script interface (x3270-script), against the simulated host.
@Suite("TN3270 host with s3270")
struct TN3270HostS3270Tests {
    static let luMap = TN3270HostLUMap(entries: [
        .init(name: "VIPLU01", permittedClients: ["127.0.0.10"]),
        // s3270 cannot choose its source address; loopback gives it 127.0.0.1.
        .init(name: "S3270LU", permittedClients: nil),
    ])

    /// Runs a script in s3270 to the end (its last action is Quit) with a deadline.
    static func s3270(_ actions: [String]) async throws -> (status: Int32, output: String) {
        let s3270 = try LaunchedProcess(try findExecutable("s3270"), [], input: Data((actions + ["Quit"]).map { $0 + "\n" }.joined().utf8))
        let status = try await s3270.exit(timeout: .seconds(60))  // a limit, not a pace: the suite runs next to heavy integration tests
        return (status, s3270.standardOutput)
    }

    /// `N:` turns TN3270E off in s3270; `LU@host:port` asks for the LU (CONNECT in
    /// TN3270E, the terminal type's `@LU` suffix in basic TN3270).
    @Test(arguments: [("", "tn3270e"), ("N:", "tn3270")])
    func s3270GetsTheLUItAskedFor(prefix: String, dialect: String) async throws {
        try await withTN3270Host(TN3270HostConfiguration(host: "127.0.0.100", port: 0, luMap: Self.luMap)) { host in
            let (status, output) = try await Self.s3270([
                "Connect(\(prefix)S3270LU@127.0.0.100:\(host.port))",
                "Wait(10,InputField)",
                "Query(LuName)",
                "Ascii(0,0,80)",
                "String(\"HELLO HOST\")",
                "Enter",
                "Wait(10,Unlock)",
                "Disconnect",
            ])
            #expect(status == 0, "s3270 output:\n\(output)")
            #expect(!output.split(separator: "\n").contains("error"), "s3270 output:\n\(output)")
            #expect(output.contains("data: S3270LU\n"))
            #expect(output.contains("NETMGR HOST SIMULATOR  LU S3270LU  \(dialect == "tn3270e" ? "TN3270E" : "TN3270")"))

            let bind = try await host.entry(.bind)
            #expect(bind.lu == "S3270LU")
            #expect(bind.dialect == dialect)
            #expect(bind.client?.hasPrefix("127.") == true)
            // Enter with "HELLO HOST" typed: an inbound record the host accepted, and the
            // keyboard came back (Wait(Unlock) succeeded).
            let message = try await host.entry(.message)
            #expect(message.lu == "S3270LU" && message.dialect == dialect && (message.length ?? 0) > 3)
            let unbind = try await host.entry(.unbind)
            #expect(unbind.reason == "closed" && unbind.clientPort == bind.clientPort)
        }
    }

    /// A real terminal answers the host's Read Partition Query with its own Query Reply, so
    /// `--query-after-bind` takes that as the reply and s3270's input as input.
    @Test func s3270AnswersTheQueryAfterBind() async throws {
        var configuration = TN3270HostConfiguration(host: "127.0.0.100", port: 0, luMap: Self.luMap)
        configuration.queryAfterBind = true
        try await withTN3270Host(configuration) { host in
            let (status, output) = try await Self.s3270([
                "Connect(S3270LU@127.0.0.100:\(host.port))",
                "Wait(10,InputField)",
                "String(\"AFTER QUERY\")",
                "Enter",
                "Wait(10,Unlock)",
                "Disconnect",
            ])
            #expect(status == 0, "s3270 output:\n\(output)")
            #expect(!output.split(separator: "\n").contains("error"), "s3270 output:\n\(output)")
            #expect(host.logs.all.contains { $0.contains("Query Reply from") }, "the host saw no Query Reply")
            let message = try await host.entry(.message)
            #expect(message.lu == "S3270LU" && (message.length ?? 0) > 3)
            #expect(!host.journal.all.contains { $0.event == .lost })
        }
    }

    @Test func s3270RefusedAnLUItsAddressMayNotHold() async throws {
        try await withTN3270Host(TN3270HostConfiguration(host: "127.0.0.100", port: 0, luMap: Self.luMap)) { host in
            let (_, output) = try await Self.s3270(["Connect(VIPLU01@127.0.0.100:\(host.port))"])
            #expect(output.contains("data: Host disconnected") || output.contains("error"), "s3270 output:\n\(output)")
            // s3270 takes the REJECT, backs off to basic TN3270 (RFC 2355 allows it) and
            // is refused again, by a close.
            let rejects = try await host.journal.first("the basic TN3270 reject") { $0.event == .reject && $0.dialect == "tn3270" }
            #expect(rejects.reason == "INV-NAME: LU VIPLU01 is not permitted for client \(rejects.client ?? "?")")
            let first = host.journal.all.first { $0.event == .reject }
            #expect(first?.dialect == "tn3270e")
            #expect(!host.journal.all.contains { $0.event == .bind })
        }
    }
}
