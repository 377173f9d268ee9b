import Foundation
import NetMgrTestSupport
import NetMgrVerify
import Testing

/// tshark decodes the same captures independently; the addresses, ports and LU names it
/// finds must be the verifier's (`netmgr verify --json`).
@Suite("tshark cross-check")
struct TsharkCrossCheckTests {
    let netmgr = BuiltProducts.path("netmgr")
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "verify-tshark") }

    static func verifyJSON(_ netmgr: String, _ arguments: [String]) async throws -> VerificationReport {
        let result = try await runProcess(netmgr, ["verify", "--json"] + arguments)
        #expect(result.status == 0 || result.status == 1, "\(result.standardError)")
        return try VerificationReport.decode(json: Data(result.standardOutput.utf8))
    }

    /// Every connection tshark sees negotiating an LU is one the verifier reports, with
    /// the same client and host address and port, LU requested, LU granted and rejects.
    static func crossCheckTelnet(_ netmgr: String, _ path: String, hostPort: Int, arguments: [String] = []) async throws {
        let report = try await verifyJSON(netmgr, arguments + [path])
        let tshark = try await Tshark.telnetFacts(path, hostPort: hostPort)
        #expect(!tshark.isEmpty, "tshark decoded no TN3270 negotiation in \(path)")
        let verifier = report.connections.filter { $0.luRequested != nil || $0.luGranted != nil || !$0.rejects.isEmpty }.map { c in
            Tshark.TelnetFacts(
                client: c.client.description, host: c.host.description, requested: c.luRequested,
                // tshark has no grant message to show in basic TN3270.
                granted: c.grantEvidence == "device-type-is" ? c.luGranted : nil, rejects: c.rejects.compactMap(\.code))
        }
        #expect(verifier == tshark, "\(path)\nverifier: \(verifier)\ntshark:   \(tshark)")
    }

    @Test("TN3270 captures: addresses, ports, LUs and rejects agree", arguments: ["vip", "none", "device-in-use", "basic", "no-syn", "retransmissions"])
    func telnet(scenario: String) async throws {
        let path: String
        switch scenario {
        case "vip": path = try Scenarios.vipFailover(in: directory)
        case "none": path = try Scenarios.ownAddressNoneFailover(in: directory)
        case "device-in-use": path = try Scenarios.deviceInUseRetry(in: directory)
        case "basic": path = try Scenarios.basicWithAtLU(in: directory)
        case "no-syn": path = try Scenarios.missingSYN(in: directory)
        default: path = try Scenarios.retransmissions(in: directory)
        }
        try await Self.crossCheckTelnet(netmgr, path, hostPort: Int(Scenarios.port))
    }

    @Test("SDLC captures: station, XID node id and LU addresses agree", arguments: [0x05D0_0001, 0x05D0_0002] as [UInt32])
    func sdlc(secondNodeID: UInt32) async throws {
        let path = try Scenarios.lineFailover(in: directory, name: "line-\(secondNodeID).pcap", secondNodeID: secondNodeID)
        let report = try await Self.verifyJSON(netmgr, ["--expect", "same", path])
        let tshark = try await Tshark.sdlcFacts(path)
        let verifier = report.links.map { Tshark.LinkFacts(station: $0.stationAddress, nodeID: $0.nodeID ?? "-", lus: $0.activeLUs) }
        #expect(tshark.count == 2)
        #expect(verifier == tshark, "verifier: \(verifier)\ntshark:   \(tshark)")
    }

    /// The recordings committed in Captures/ (real runs of netmgr demo).
    static var recordings: [String] {
        let directory = BuiltProducts.packageRoot.appendingPathComponent("Captures").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
            .map { directory + "/" + $0 }
    }

    @Test("every recording in Captures/: tshark and the verifier agree", arguments: recordings)
    func recording(path: String) async throws {
        let definitions = ["--definitions", BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path]
        let report = try await Self.verifyJSON(netmgr, definitions + [path])
        if report.capture.kind == "bdlc" {
            // BDLC lines: Wireshark reads them with netmgr's Lua dissector.
            let (tshark, unreadable) = try await Tshark.basicModeStations(path)
            let verifier = (report.basicModeStations ?? []).map {
                Tshark.BasicModeStation(
                    line: $0.line, station: $0.stationAddress, polls: $0.polls, selects: $0.selects,
                    blocksFromStation: $0.blocksFromStation, blocksToStation: $0.blocksToStation,
                    badBlocks: $0.badBlocksFromStation + $0.badBlocksToStation, lus: Set($0.lus))
            }
            #expect(!tshark.isEmpty && unreadable == 0)
            #expect(verifier == tshark, "verifier: \(verifier)\ntshark:   \(tshark)")
        } else if let calls = report.calls, !calls.isEmpty {
            // X.25 lines (LINKTYPE_SITA): tshark's calling and called addresses, call by call.
            let rows = try await X25TsharkChecks.rows(path)
            X25TsharkChecks.expectClean(rows)
            #expect(X25TsharkChecks.callingAddresses(rows) == calls.map(\.callingAddress))
            #expect(rows.map { $0["x25.called_address"] }.filter { !$0.isEmpty } == calls.map(\.calledAddress))
        } else if report.links.isEmpty {
            try await Self.crossCheckTelnet(netmgr, path, hostPort: 2323, arguments: definitions)
        } else {
            let tshark = try await Tshark.sdlcFacts(path)
            let verifier = report.links.map { Tshark.LinkFacts(station: $0.stationAddress, nodeID: $0.nodeID ?? "-", lus: $0.activeLUs) }
            #expect(!tshark.isEmpty)
            #expect(verifier == tshark, "verifier: \(verifier)\ntshark:   \(tshark)")
        }
    }
}
