import Foundation
import NetMgrCore
import NetMgrHarness
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// Printer LUs and TLS of the TN server front end (issue 15 part 3), with the real programs on
/// loopback block 127.0.100.0/24, through a failover:
/// - s3270 reaches display LU VIPLU01 over direct TLS (`L:` prefix, the node's `tn-server-tls`),
///   verifying the node's certificate against the cluster CA (`-cafile`);
/// - pr3287 `-assoc VIPLU01` gets the display's printer VIPPR01 by TN3270E ASSOCIATE, over
///   STARTTLS on the plaintext listener, and writes the host simulator's SCS print lines to a
///   file through `-command`;
/// - node-a is killed, node-b takes the resources; s3270 reconnects (L:) to node-b, pr3287
///   reconnects by itself (`-reconnect`) and the print lines made after the failover reach the file.
/// pr3287 reaches one address only: a socat forwarder on the group's VIP address stands in
/// for the VIP in front of the TN servers (the cluster engine or keepalived moves it; here the
/// test points it at node-b), so the node certificates name the VIP too.
@Suite("TN server printers (pr3287) and TLS (s3270) through a failover", .serialized)
struct TNServerPrintTLSTests {
    static let block = 100
    static let port = 2399
    static let tlsPort = 2992
    static var vip: String { "127.0.\(block).10" }

    /// `printData`: "scs" (the printer's resource speaks TN3270E, the host sends SCS-DATA) or
    /// "3270" (basic TN3270 to the host, which prints with 3270 Erase/Write start-printer records).
    static func makeCluster(in directory: TemporaryDirectory, printData: String) throws -> LoopbackCluster {
        let definitions = directory.path + "/definitions"
        // TNVIP carries the display (basic TN3270 to the host, see TNServerFailoverTests),
        // TNPRT the printer: in TN3270E the host's SCS-DATA stays SCS-DATA to pr3287; in
        // basic TN3270 the host prints with 3270 data, which reaches pr3287 as 3270-DATA.
        try relocateTnETOSPhonebook(to: definitions, block: block, resources: [
            #"{ name: TNVIP, line: LAN1, host: "127.0.\#(block).100:2323", own-address: VIP1, terminal-type: IBM-3278-2, dialect: tn3270 }"#,
            #"{ name: TNPRT, line: LAN1, host: "127.0.\#(block).100:2323", own-address: VIP1, terminal-type: IBM-3278-2, dialect: \#(printData == "scs" ? "tn3270e" : "tn3270") }"#,
        ], lus: [
            "{ name: VIPLU01, address: 2, resource: TNVIP }",
            "{ name: VIPLU02, address: 3, resource: TNVIP }",
            "{ name: VIPPR01, address: 2, resource: TNPRT, kind: printer }",
            "{ name: VIPPR02, address: 3, resource: TNPRT, kind: printer }",
        ]) { text in
            // TLS stays on: the node certificates the harness makes serve the emulators too.
            tnServerClusterYAML(text, block: block, port: port, tlsPort: tlsPort, resources: ["TNVIP", "TNPRT"], section: """
                keep-lu: 60
                starttls: offer
                pools:
                  - { name: PRTPOOL, lus: [VIPPR02] }
                printers:
                  - { display: VIPLU01, printer: VIPPR01 }
                map:
                  - { clients: [127.0.0.0/8], lus: [VIPLU01], lu: VIPLU02, printer-pool: PRTPOOL }
                """)
        }
        var behaviour = HostBehaviour()
        behaviour.extraArguments = ["--print-every", "1500"] + (printData == "3270" ? ["--print-3270"] : [])
        return try LoopbackCluster(definitionsDirectory: definitions, workDirectory: directory.path + "/work",
                                   binaries: HarnessBinaries(directory: BuiltProducts.directory.path), behaviour: behaviour)
    }

    /// socat on the VIP's address forwarding to one node's plaintext TN server listener.
    static func forwarder(to node: String, in cluster: LoopbackCluster, generation: Int) throws -> ChildProcess {
        try ChildProcess(name: "vip-forwarder", executable: try findExecutable("socat"),
                         arguments: ["TCP-LISTEN:\(port),bind=\(vip),reuseaddr,fork", "TCP:\(node):\(port),bind=127.0.0.1"],
                         logPath: cluster.logPath("socat-\(generation)"))
    }

    static func printed(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init).filter { $0.contains("NETMGR HOST SIMULATOR PRINT VIPPR01") }
    }

    @Test("pr3287 -assoc gets the display's printer and prints through a failover; s3270 over TLS with -cafile",
          arguments: ["scs", "3270"])
    func printAndTLS(printData: String) async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-tn100")
        let cluster = try Self.makeCluster(in: directory, printData: printData)
        let ca = cluster.definitionsDirectory + "/pki/ca.pem"
        let output = directory.path + "/printed.txt"
        let nodeA = "127.0.\(Self.block).11", nodeB = "127.0.\(Self.block).12"
        var forwarder: ChildProcess?
        var printer: ChildProcess?
        var s3270: S3270Driver?
        do {
            try await cluster.startHost()
            try await cluster.startNode("node-a")
            try await cluster.startNode("node-b")
            try await cluster.activate(["TNVIP", "TNPRT"], on: "node-a")
            try await TNServerFailoverTests.waitForJournal(cluster, "VIPLU01 and VIPPR01 bound at the host") {
                $0.tnBinds(of: "VIPLU01").count == 1 && $0.tnBinds(of: "VIPPR01").count == 1
            }
            // The PKI exists now (the harness made it when the cluster was set up).
            let terminal = try S3270Driver(arguments: ["-cafile", ca])
            s3270 = terminal
            try await terminal.expectOK("Connect(L:VIPLU01@\(nodeA):\(Self.tlsPort))")
            try await terminal.expectOK("Wait(10,InputField)")
            #expect(try await terminal.expectOK("Query(LuName)").contains("data: VIPLU01"))
            try await terminal.expectOK("String(\"TLS BEFORE\")")
            try await terminal.expectOK("Enter")
            try await terminal.expectOK("Wait(10,Unlock)")
            try await TNServerFailoverTests.waitForJournal(cluster, "the first input on VIPLU01") { $0.tnMessages(of: "VIPLU01").count == 1 }

            forwarder = try Self.forwarder(to: nodeA, in: cluster, generation: 1)
            // pr3287 through the "VIP": STARTTLS (offered on the plaintext listener), ASSOCIATE VIPLU01.
            printer = try ChildProcess(name: "pr3287", executable: try findExecutable("pr3287"),
                                       arguments: ["-assoc", "VIPLU01", "-reconnect", "-eojtimeout", "1", "-cafile", ca,
                                                   "-command", "cat >> \(output)", "-V", "-trace", "-tracedir", directory.path,
                                                   "\(Self.vip):\(Self.port)"],
                                       logPath: cluster.logPath("pr3287"))
            try await waitUntil(.seconds(20), what: "pr3287 to print host lines via node-a") { Self.printed(output).count >= 2 }
            let logA = try String(contentsOfFile: cluster.logPath("netmgrd-node-a"), encoding: .utf8)
            #expect(logA.contains("granting LU VIPPR01 of TNPRT"), "node-a's log")
            #expect(logA.contains("STARTTLS handshake completed"), "node-a's log")

            // Node-a dies; node-b takes both resources; the "VIP" moves to node-b.
            let killedAt = await cluster.kill("node-a")
            try await terminal.expectOK("Wait(10,Disconnect)")
            _ = await forwarder?.stop(grace: .seconds(2))
            let before = Self.printed(output).count
            try await cluster.activate(["TNVIP", "TNPRT"], on: "node-b")
            forwarder = try Self.forwarder(to: nodeB, in: cluster, generation: 2)
            try await TNServerFailoverTests.waitForJournal(cluster, "VIPLU01 and VIPPR01 bound again, from node-b") {
                $0.tnBinds(of: "VIPLU01").count == 2 && $0.tnBinds(of: "VIPPR01").count == 2
            }

            try await terminal.expectOK("Connect(L:VIPLU01@\(nodeB):\(Self.tlsPort))")
            try await terminal.expectOK("Wait(10,InputField)")
            try await terminal.expectOK("String(\"TLS AFTER\")")
            try await terminal.expectOK("Enter")
            try await terminal.expectOK("Wait(10,Unlock)")
            try await TNServerFailoverTests.waitForJournal(cluster, "the second input on VIPLU01") { $0.tnMessages(of: "VIPLU01").count == 2 }

            // pr3287 comes back by itself and prints what the host sends via node-b.
            try await waitUntil(.seconds(40), what: "pr3287 to reconnect and print via node-b") { Self.printed(output).count >= before + 2 }
            let logB = try String(contentsOfFile: cluster.logPath("netmgrd-node-b"), encoding: .utf8)
            #expect(logB.contains("granting LU VIPPR01 of TNPRT"), "node-b's log")
            #expect(logB.contains("ASSOCIATE VIPLU01"), "node-b's log")
            let journal = try cluster.journal()
            #expect(journal.tnMessages(of: "VIPLU01").allSatisfy { $0.client == Self.vip })
            let prints = journal.filter { $0.event == .sent && $0.lu == "VIPPR01" && $0.time > killedAt }
            #expect(!prints.isEmpty && prints.allSatisfy { $0.client == Self.vip }, "\(prints)")
            print("TN server printers/TLS (\(printData) print data): \(Self.printed(output).count) lines printed by pr3287, \(before) before node-a was killed; s3270 over TLS to both nodes")
        } catch {
            let logs = ["netmgrd-node-a", "netmgrd-node-b", "host", "pr3287"].map { name in
                "--- \(name):\n" + ((try? String(contentsOfFile: cluster.logPath(name), encoding: .utf8)) ?? "(none)").split(separator: "\n").suffix(40).joined(separator: "\n")
            }
            Issue.record("\(error)\ns3270 output:\n\(s3270?.transcript ?? "")\nprinted:\n\(Self.printed(output))\n\(logs.joined(separator: "\n"))")
        }
        await s3270?.quit()
        if let printer { _ = await printer.stop(grace: .seconds(2)) }
        if let forwarder { _ = await forwarder.stop(grace: .seconds(2)) }
        await cluster.stopAll()
    }
}
