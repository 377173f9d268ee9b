import NetMgrCore
import NetMgrTestSupport
import NetMgrVerify
import PacketCapture
import Testing

/// The IP path through the library: synthetic TN3270/TN3270E captures over several link
/// layers, verified against the example cluster's definitions or --expect.
@Suite("Verifier: TN3270 connections, episodes and promises")
struct VerifierIPTests {
    let directory: TemporaryDirectory
    let phonebook: Definitions

    init() throws {
        directory = try TemporaryDirectory(prefix: "verify-ip")
        let loaded = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path)
        phonebook = loaded.definitions
    }

    func verify(_ path: String, definitions: Bool = true, expect: FailoverPromise? = nil, hosts: [String] = []) throws -> VerificationReport {
        let options = VerifyOptions(
            hosts: hosts.compactMap(VerifyOptions.parseHost), definitions: definitions ? phonebook : nil, expect: expect)
        return try Verifier(options: options).verify(path: path)
    }

    static func seconds(_ ms: Double) -> ReportTime { ReportTime(SyntheticCapture.time(ms)) }

    @Test("VIP failover: same client address, new port, same LU: ○ kept", arguments: [SyntheticCapture.Link.ethernet, .sll, .sll2, .raw, .null])
    func vipFailover(link: SyntheticCapture.Link) throws {
        let report = try verify(try Scenarios.vipFailover(in: directory, link: link, name: "vip-\(link).pcap"))
        #expect(report.connections.count == 2)
        let first = try #require(report.connections.first)
        #expect(first.client == EndpointFact(address: "127.0.0.10", port: 40001))
        #expect(first.host == EndpointFact(address: "127.0.0.100", port: 2323))
        #expect(first.hostSource == .definitions)
        #expect(first.dialect == "TN3270E" && first.dialectEvidence == "negotiated")
        #expect(first.luRequested == "VIPLU01" && first.luGranted == "VIPLU01" && first.requestMethod == "connect")
        #expect(first.grantEvidence == "device-type-is" && first.deviceType == "IBM-3278-2-E" && first.functions == ["RESPONSES"])
        #expect(first.endReason == .captureEnd && first.endedBy == nil)
        #expect(first.records == DirectionCounts(fromClient: 5, fromHost: 5))
        #expect(first.bound == Self.seconds(5))

        let terminal = try #require(report.terminals.first)
        #expect(report.terminals.count == 1)
        #expect(terminal.name == "VIPLU01 at 127.0.0.100:2323")
        #expect(terminal.promise?.expected == .same && terminal.promise?.resource == "TNVIP" && terminal.promise?.source == "definitions")
        #expect(terminal.episodes.map(\.connection) == [1, 2])
        let boundary = try #require(terminal.boundaries.first)
        #expect(boundary.before.ip == "127.0.0.10" && boundary.after.ip == "127.0.0.10")
        #expect(boundary.before.port == 40001 && boundary.after.port == 40002)
        #expect(boundary.sameAddress && boundary.verdict == .kept)
        #expect(boundary.lastDataBefore == Self.seconds(63))
        #expect(boundary.firstDataAfter == Self.seconds(420))
        #expect(abs(boundary.dataOutageSeconds - 0.357) < 1e-9)
        #expect(boundary.overlap && boundary.closed == nil && boundary.closeToBindSeconds == nil)
        #expect(report.summary.verdict == "kept" && report.summary.exitCode == 0 && report.summary.kept == 1)
    }

    @Test("own address none: two client addresses, △ kept with the definitions, broken with --expect same")
    func ownAddressNone() throws {
        let path = try Scenarios.ownAddressNoneFailover(in: directory)
        let report = try verify(path)
        let terminal = try #require(report.terminals.first)
        #expect(terminal.lu == "REALLU01" && terminal.promise?.resource == "TNREAL" && terminal.promise?.expected == .different)
        #expect(report.connections.map(\.dialect) == ["TN3270", "TN3270"])
        #expect(report.connections.map(\.grantEvidence) == ["records-after-terminal-type", "records-after-terminal-type"])
        #expect(report.connections.map(\.endReason) == [.fin, .captureEnd])
        #expect(report.connections[0].endedBy == .client)
        let boundary = try #require(terminal.boundaries.first)
        #expect(boundary.before.ip == "127.0.0.11" && boundary.after.ip == "127.0.0.12")
        #expect(boundary.verdict == .kept && !boundary.overlap)
        #expect(boundary.closed == Self.seconds(200.1))  // the second FIN
        #expect(report.summary.exitCode == 0)

        let expectSame = try verify(path, definitions: false, expect: .same)
        #expect(expectSame.terminals.first?.promise?.source == "expect")
        #expect(expectSame.terminals.first?.boundaries.first?.verdict == .broken)
        #expect(expectSame.summary.verdict == "broken" && expectSame.summary.exitCode == 1)

        let factsOnly = try verify(path, definitions: false)
        #expect(factsOnly.terminals.first?.boundaries.first?.verdict == .unchecked)
        #expect(factsOnly.summary.verdict == "facts-only" && factsOnly.summary.exitCode == 0)
        // Without definitions or --host the host is found by its DO TERMINAL-TYPE.
        #expect(factsOnly.hosts.map(\.source) == [.negotiation])
        #expect(factsOnly.connections.first?.hostSource == .negotiation)
    }

    @Test("DEVICE-IN-USE: reject, then retry, then grant; the old connection ends with node-b's RST")
    func deviceInUse() throws {
        let report = try verify(try Scenarios.deviceInUseRetry(in: directory))
        #expect(report.connections.count == 3)
        let rejected = report.connections[1]
        #expect(rejected.rejects.map(\.reason) == ["DEVICE-IN-USE"] && rejected.rejects.first?.code == 1)
        #expect(rejected.luRequested == "VIPLU02" && rejected.luGranted == nil && rejected.bound == nil)
        #expect(rejected.rejects.first?.time == Self.seconds(305))
        #expect(report.connections[0].endReason == .reset && report.connections[0].endedBy == .client)

        let terminal = try #require(report.terminals.first)
        #expect(terminal.episodes.map(\.connection) == [1, 3])
        #expect(terminal.attempts.map(\.outcome) == ["rejected"] && terminal.attempts.first?.reasons == ["DEVICE-IN-USE"])
        let boundary = try #require(terminal.boundaries.first)
        #expect(boundary.attemptsBetween == 1 && boundary.reasonsBetween == ["DEVICE-IN-USE"])
        #expect(boundary.closed == Self.seconds(481) && boundary.bound == Self.seconds(705))
        #expect(abs((boundary.closeToBindSeconds ?? 0) - 0.224) < 1e-9)
        #expect(boundary.verdict == .kept)
    }

    @Test("a reject and a retry on the same connection count as one episode with its rejects")
    func rejectThenRetryOnOneConnection() throws {
        let capture = try SyntheticCapture(path: directory.file("retry-same.pcap"), link: .ethernet)
        var flow = TCPFlow(capture, client: Scenarios.vip, port: 41000, host: Scenarios.host, hostPort: Scenarios.port, seed: 11)
        try flow.handshake(at: 0)
        let t = try flow.tn3270eReject(lu: "VIPLU03", reason: 1, at: 1)
        try flow.send(.client, TN3270Bytes.deviceTypeRequest("IBM-3278-2-E", connect: "VIPLU03"), at: t + 100)
        try flow.send(.host, TN3270Bytes.deviceTypeIs("IBM-3278-2-E", connect: "VIPLU03"), at: t + 101)
        _ = try flow.records(1, tn3270e: true, from: t + 110)
        try capture.close()
        let report = try verify(capture.path)
        let connection = try #require(report.connections.first)
        #expect(connection.rejects.map(\.reason) == ["DEVICE-IN-USE"])
        #expect(connection.luGranted == "VIPLU03" && connection.bound == Self.seconds(t + 101))
        #expect(report.terminals.first?.episodes.count == 1)
        #expect(report.summary.verdict == "no-failover")
    }

    @Test("basic TN3270 with IBM-3279-4-E@LU: the LU comes from the terminal type; no failover")
    func basicAtLU() throws {
        let report = try verify(try Scenarios.basicWithAtLU(in: directory), definitions: false, expect: .same)
        let connection = try #require(report.connections.first)
        #expect(connection.dialect == "TN3270" && connection.requestMethod == "terminal-type")
        // The @LU suffix is a request; the host never names what it gave.
        #expect(connection.luRequested == "BASICLU1" && connection.luGranted == nil && connection.isBound)
        #expect(connection.grantEvidence == "records-after-terminal-type")
        #expect(report.terminals.first?.lu == "BASICLU1")
        #expect(connection.deviceType == "IBM-3279-4-E")
        #expect(connection.endReason == .fin && connection.endedBy == .host)
        #expect(connection.records == DirectionCounts(fromClient: 3, fromHost: 3))
        #expect(report.summary.verdict == "no-failover" && report.summary.exitCode == 0)
        #expect(report.summary.message.contains("no failover seen"))
    }

    @Test("a connection whose SYN the capture missed: roles from --host, or from who sent DO TN3270E")
    func missingSYN() throws {
        let path = try Scenarios.missingSYN(in: directory)
        for hosts in [["127.0.0.100:2323"], []] {
            let report = try verify(path, definitions: false, hosts: hosts)
            let connection = try #require(report.connections.first)
            #expect(!connection.sawHandshake)
            #expect(connection.client == EndpointFact(address: "127.0.0.10", port: 40200))
            #expect(connection.host == EndpointFact(address: "127.0.0.100", port: 2323))
            #expect(connection.hostSource == (hosts.isEmpty ? .negotiation : .option))
            #expect(connection.luGranted == "VIPLU03" && connection.dialectEvidence == "negotiated")
        }
        // Later still: only data records. The dialect is inferred from their headers.
        let midData = try verify(try Scenarios.missingSYN(in: directory, midData: true), definitions: false, hosts: ["127.0.0.100:2323"])
        let connection = try #require(midData.connections.first)
        #expect(connection.dialect == "TN3270E" && connection.dialectEvidence == "inferred")
        #expect(connection.client.address == "127.0.0.10" && connection.luName == nil)
        #expect(midData.terminals.isEmpty)
    }

    @Test("retransmissions and reordering do not disturb the LU or the record counts")
    func retransmissions() throws {
        let report = try verify(try Scenarios.retransmissions(in: directory))
        let connection = try #require(report.connections.first)
        #expect(connection.luRequested == "VIPLU01" && connection.luGranted == "VIPLU01")
        #expect(connection.records == DirectionCounts(fromClient: 1, fromHost: 1))
        #expect(connection.bound == Self.seconds(5.1))
        #expect(connection.anomalies == 0 && connection.gapBytes == 0)
        #expect(report.statistics.retransmittedBytes > 0 && report.statistics.outOfOrderSegments == 1)
    }

    @Test("connections that are not TN3270 are ignored, unless to a named host")
    func otherTraffic() throws {
        let capture = try SyntheticCapture(path: directory.file("other.pcap"), link: .ethernet)
        var http = TCPFlow(capture, client: "127.0.0.1", port: 50000, host: "127.0.0.1", hostPort: 80, seed: 12)
        try http.handshake(at: 0)
        try http.send(.client, TN3270Bytes.ascii("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), at: 1)
        try http.send(.host, TN3270Bytes.ascii("HTTP/1.1 200 OK\r\n\r\n"), at: 2)
        try http.close(by: .client, at: 3)
        try capture.close()
        let report = try verify(capture.path, definitions: false)
        #expect(report.connections.isEmpty && report.statistics.ignoredConnections == 1)
        #expect(report.summary.message.contains("no TN3270 connection"))
        let named = try verify(capture.path, definitions: false, hosts: ["127.0.0.1:80"])
        #expect(named.connections.first?.dialect == "telnet")
    }

    @Test("the JSON form round-trips")
    func jsonRoundTrip() throws {
        let report = try verify(try Scenarios.deviceInUseRetry(in: directory))
        let decoded = try VerificationReport.decode(json: try report.jsonData())
        #expect(decoded == report)
        let text = String(decoding: try report.jsonData(), as: UTF8.self)
        #expect(text.contains("\"opened\" : \"1700000000.000000000\""))
    }
}
