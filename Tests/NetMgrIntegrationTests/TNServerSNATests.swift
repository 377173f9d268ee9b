import Foundation
import NetMgrCore
import NetMgrHarness
import NetMgrSimulators
import NetMgrTestSupport
import TN3270
import Testing

/// s3270 through the TN server's SNA LU 2 mapping (issue 15 part 3) across a line-switch
/// failover: an LU of the hdlc-leased resource SDLC1, whose host application (the simulator
/// with `--sdlc-lu2-screens`) writes a screen after BIND/SDT and after each input. node-a's
/// TN server gives s3270 the LU; node-a dies, the line switch moves LEASED1 to node-b, the
/// host binds the LU again there, and s3270 gets the same LU from node-b's TN server. The
/// host journal shows both inputs, byte for byte. Loopback block 127.0.99.0/24.
@Suite("TN server SNA LU 2 mapping with s3270", .serialized)
struct TNServerSNATests {
    static let block = 99
    static let port = 2399

    /// The Phonebook on block 99 with TLS off: LEASED1 and PKT1 with their resources (and TNVIP,
    /// which gives the host simulator its TN3270 listener), a TN server on each node.
    static func makeCluster(in directory: TemporaryDirectory) throws -> LoopbackCluster {
        let definitions = directory.path + "/definitions"
        try LoopbackCluster.relocateDefinitions(
            from: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path, to: definitions, block: block
        ) { file, text in
            switch file {
            case "lines.yaml":
                // LAN1, LEASED1 and PKT1 only: no exchange, no BDLC lines.
                var kept: [Substring] = []
                var keep = true
                for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix("  - name: ") { keep = ["  - name: LAN1", "  - name: LEASED1", "  - name: PKT1", "  - name: DIAL1"].contains(String(line)) }
                    if keep || !line.hasPrefix("  ") { kept.append(line) }
                }
                return kept.joined(separator: "\n")
            case "phonebook.yaml":
                return """
                resources:
                  - { name: TNVIP, line: LAN1, host: "127.0.\(block).100:2323", own-address: VIP1, terminal-type: IBM-3278-2, dialect: tn3270 }
                  - { name: SDLC1, line: LEASED1 }
                  - { name: X25R1, line: PKT1, host: "dte:44100001" }
                  - { name: PSTN1, line: DIAL1, host: "tel:0300001111" }

                """
            case "lus.yaml":
                return """
                lus:
                  - { name: VIPLU01, address: 2, resource: TNVIP }
                  - { name: SDLU02, address: 2, resource: SDLC1 }
                  - { name: SDLU03, address: 3, resource: SDLC1 }
                  - { name: PKLU02, address: 2, resource: X25R1 }
                  - { name: DLLU02, address: 2, resource: PSTN1 }

                """
            case "cluster.yaml":
                return tnServerClusterYAML(clusterYAMLWithoutTLS(text), block: block, port: port, resources: ["TNVIP", "SDLC1", "X25R1", "PSTN1"], section: """
                    keep-lu: 60
                    pools:
                      - { name: SNAPOOL, lus: [SDLU03] }
                    map:
                      - { clients: [127.0.0.0/8], lus: [SDLU02, PKLU02, DLLU02], pool: SNAPOOL }
                    """, keepLineSwitch: true)
            default:
                return text
            }
        }
        var behaviour = HostBehaviour()
        behaviour.extraArguments = ["--sdlc-lu2-screens", "--x25-lu2-screens", "--switched-lu2-screens"]
        behaviour.modemConnectMilliseconds = 200
        return try LoopbackCluster(definitionsDirectory: definitions, workDirectory: directory.path + "/work",
                                   binaries: HarnessBinaries(directory: BuiltProducts.directory.path), behaviour: behaviour)
    }

    /// What s3270 sends for Enter after typing `text` into the simulator's input field
    /// (row 3, after "INPUT ===>"): AID, cursor address, SBA to the field, the EBCDIC text.
    static func expectedInput(_ text: String) -> [UInt8] {
        let fieldStart = 2 * 80 + 12  // SF, "INPUT ===>", SF: the data starts at column 12
        return [0x7D] + address(fieldStart + text.count) + [0x11] + address(fieldStart) + EBCDIC.encode(text)
    }

    static func address(_ value: Int) -> [UInt8] {
        [TN3270DataStream.WriteControl(rawValue: UInt8((value >> 6) & 0x3F)).wireByte,
         TN3270DataStream.WriteControl(rawValue: UInt8(value & 0x3F)).wireByte]
    }

    /// `N:` makes s3270 speak basic TN3270; without it TN3270E (BIND-IMAGE and RESPONSES agreed).
    @Test("s3270 gets the same SNA LU 2 from node-b after a line-switch failover; the host journals both inputs",
          arguments: [("SDLC1", "SDLU02", ""), ("SDLC1", "SDLU02", "N:"), ("X25R1", "PKLU02", ""), ("PSTN1", "DLLU02", "")])
    func failover(resource: String, lu: String, prefix: String) async throws {
        #expect(Self.expectedInput(String(repeating: "A", count: 1100)).count > 1024, "the long input is longer than the BIND's RU size")
        let directory = try TemporaryDirectory(prefix: "netmgr-tn99")
        let cluster = try Self.makeCluster(in: directory)
        let s3270 = try S3270Driver()
        do {
            try await cluster.startLineSwitch()
            try await cluster.startExchange()
            try await cluster.startHost()
            try await cluster.startNode("node-a")
            try await cluster.startNode("node-b")
            try await cluster.activate([resource], on: "node-a")
            try await Self.waitForJournal(cluster, "\(lu) bound at the host") { $0.snaBinds(of: lu).count == 1 }

            try await s3270.expectOK("Connect(\(prefix)\(lu)@127.0.\(Self.block).11:\(Self.port))")
            try await s3270.expectOK("Wait(10,InputField)")
            #expect(try await s3270.expectOK("Query(LuName)").contains("data: \(lu)"))
            #expect(try await s3270.expectOK("Ascii(0,0,80)").contains("SNA LU 2"))
            try await s3270.expectOK("String(\"BEFORE FAILOVER\")")
            try await s3270.expectOK("Enter")
            try await s3270.expectOK("Wait(10,Unlock)")
            try await Self.waitForJournal(cluster, "the first input on \(lu)") { $0.snaMessages(of: lu).count == 1 }

            let killedAt = await cluster.kill("node-a")
            try await s3270.expectOK("Wait(10,Disconnect)")
            try await cluster.activate([resource], on: "node-b")
            try await Self.waitForJournal(cluster, "\(lu) bound again, through node-b") { $0.snaBinds(of: lu).count == 2 }

            try await s3270.expectOK("Connect(\(prefix)\(lu)@127.0.\(Self.block).12:\(Self.port))")
            try await s3270.expectOK("Wait(10,InputField)")
            #expect(try await s3270.expectOK("Query(LuName)").contains("data: \(lu)"))
            try await s3270.expectOK("String(\"AFTER FAILOVER\")")
            try await s3270.expectOK("Enter")
            try await s3270.expectOK("Wait(10,Unlock)")
            try await Self.waitForJournal(cluster, "the second input on \(lu)") { $0.snaMessages(of: lu).count == 2 }

            // Input longer than the BIND's RU size (1024 bytes): netmgrd's PU sends it as a chain,
            // which the host puts back together.
            let long = String(repeating: "ABCDEFGHIJ", count: 110)
            try await s3270.expectOK("String(\"\(long)\")")
            try await s3270.expectOK("Enter")
            try await s3270.expectOK("Wait(10,Unlock)")
            try await Self.waitForJournal(cluster, "the long input on \(lu)") { $0.snaMessages(of: lu).count == 3 }

            let messages = try cluster.journal().snaMessages(of: lu)
            #expect(messages.map(\.digest) == ["BEFORE FAILOVER", "AFTER FAILOVER", long].map { journalDigest(Self.expectedInput($0)) },
                    "\(messages.map { "\($0.length ?? -1) \($0.digest ?? "-")" })")
            if messages.count >= 2, let last = messages.dropLast().last {
                print("TN server SNA (\(prefix.isEmpty ? "TN3270E" : "basic TN3270") emulator, LU 2 of \(resource)): node-a killed -> s3270 input on \(lu) journaled by the host via node-b in \(Int((last.time - killedAt) * 1000)) ms")
            }
            let log = (try? String(contentsOfFile: cluster.logPath("netmgrd-node-b"), encoding: .utf8)) ?? ""
            #expect(log.contains("TN server: granting LU \(lu) of \(resource)"), "node-b's log")
            if prefix.isEmpty {
                // s3270 asks for BIND-IMAGE, RESPONSES and SYSREQ; an SNA LU gets the first two.
                #expect(log.contains("functions [BIND-IMAGE,RESPONSES] for emulator"), "node-b's log")
            }
        } catch {
            Issue.record("\(error)\ns3270 output:\n\(s3270.transcript)\n\(Self.logs(cluster))")
        }
        await s3270.quit()
        await cluster.stopAll()
    }

    static func logs(_ cluster: LoopbackCluster) -> String {
        ["netmgrd-node-a", "netmgrd-node-b", "host", "line-switch", "exchange"].map { name in
            "--- \(name):\n" + ((try? String(contentsOfFile: cluster.logPath(name), encoding: .utf8)) ?? "(none)").split(separator: "\n").suffix(40).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    static func waitForJournal(_ cluster: LoopbackCluster, _ what: String, _ condition: @escaping @Sendable ([HostJournalEntry]) -> Bool) async throws {
        try await waitUntil(.seconds(20), what: what) { condition((try? cluster.journal()) ?? []) }
    }
}

extension Array where Element == HostJournalEntry {
    func snaBinds(of lu: String) -> [HostJournalEntry] { filter { $0.event == .bind && $0.lu == lu && $0.path != "tn3270" } }
    func snaMessages(of lu: String) -> [HostJournalEntry] { filter { $0.event == .message && $0.lu == lu && $0.path != "tn3270" } }
}
