import NetMgrCore
import NetMgrTestSupport
import NetMgrVerify
import PacketCapture
import Testing

/// What real hosts do that the simulator did not: refuse at screen level and close,
/// leave the `@LU` suffix a request, and hand one pool name to several terminals at once.
@Suite("Verifier on real hosts: screen-level rejects, requests, pools")
struct VerifierRealHostTests {
    let directory: TemporaryDirectory
    let phonebook: Definitions

    init() throws {
        directory = try TemporaryDirectory(prefix: "verify-realhost")
        phonebook = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
    }

    func verify(_ path: String, definitions: Definitions? = nil, expect: FailoverPromise? = nil) throws -> VerificationReport {
        try Verifier(options: VerifyOptions(hosts: [], definitions: definitions, expect: expect)).verify(path: path)
    }

    /// The example definitions with TNREAL's two LUs drawn from pool ANYGRP.
    var pooled: Definitions {
        var definitions = phonebook
        for index in definitions.lus.indices where definitions.lus[index].resource == "TNREAL" {
            definitions.lus[index].hostName = "ANYGRP"
            definitions.lus[index].hostKind = .pool
        }
        return definitions
    }

    enum TerminalSends: String, CaseIterable, Sendable { case nothing, enter, queryReply }

    @Test("a session the host paints and closes without taking input is a rejection, not an episode (a Query Reply is no input)",
          arguments: TerminalSends.allCases)
    func closedWithoutInput(terminalSends: TerminalSends) throws {
        let capture = try SyntheticCapture(path: directory.file("screen-reject-\(terminalSends).pcap"), link: .ethernet)
        var refused = TCPFlow(capture, client: Scenarios.nodeA, port: 41100, host: Scenarios.host, hostPort: Scenarios.port, seed: 21)
        try refused.handshake(at: 0)
        var t = try refused.basicNegotiate(terminalType: "IBM-3278-2@REALLU01", at: 1)
        if terminalSends == .queryReply {
            // WSF Read Partition Query, answered by AID 0x88 with a Summary query reply.
            try refused.send(.host, TN3270Bytes.record([0xF3, 0x00, 0x05, 0x01, 0xFF, 0x02]), at: t + 2)
            try refused.send(.client, TN3270Bytes.record([0x88, 0x00, 0x04, 0x81, 0x80]), at: t + 3)
        }
        try refused.send(.host, TN3270Bytes.record(TN3270Bytes.screen), at: t + 5)  // "no available 3270 devices"
        if terminalSends == .enter { try refused.send(.client, TN3270Bytes.record(TN3270Bytes.enter), at: t + 10) }  // into the refusal screen
        try refused.close(by: .host, at: t + 3000)
        var taken = TCPFlow(capture, client: Scenarios.nodeA, port: 41101, host: Scenarios.host, hostPort: Scenarios.port, seed: 22)
        try taken.handshake(at: 4000)
        t = try taken.basicNegotiate(terminalType: "IBM-3278-2@REALLU01", at: 4001)
        _ = try taken.records(2, tn3270e: false, from: t + 5)
        try taken.close(by: .host, at: 5000)
        try capture.close()

        let report = try verify(capture.path, definitions: phonebook)
        let first = try #require(report.connections.first)
        #expect(first.bound == nil && !first.isBound && !first.hostTookInput)
        #expect(first.rejects.map(\.reason) == ["CLOSED-WITHOUT-INPUT"] && first.rejects.first?.code == nil)
        #expect(first.closedWithoutInput)
        let second = report.connections[1]
        #expect(second.isBound && second.hostTookInput && second.rejects.isEmpty, "the host answered: it took input")
        let terminal = try #require(report.terminals.first)
        #expect(report.terminals.count == 1)
        #expect(terminal.episodes.map(\.connection) == [second.id])
        #expect(terminal.attempts.map(\.outcome) == ["closed-without-input"] && terminal.attempts.first?.reasons == ["CLOSED-WITHOUT-INPUT"])
        #expect(terminal.boundaries.isEmpty)
        #expect(ReportRenderer().render(report).contains("CLOSED-WITHOUT-INPUT"))
    }

    @Test("basic TN3270: the @LU suffix is reported as requested, never granted")
    func requestedNotGranted() throws {
        let report = try verify(try Scenarios.ownAddressNoneFailover(in: directory), definitions: phonebook)
        #expect(report.connections.allSatisfy { $0.luRequested == "REALLU01" && $0.luGranted == nil && $0.isBound })
        #expect(report.terminals.first?.lu == "REALLU01" && report.terminals.first?.boundaries.first?.verdict == .kept)
        let text = ReportRenderer().render(report)
        #expect(text.contains("(requested only)"), "\(text)")
    }

    /// Two terminals of node-a using pool ANYGRP at once (both alive: each sends after the
    /// other's bind, then closes in order), then the same two from node-b.
    func twoPoolUsers(name: String, failover: Bool = true) throws -> String {
        let capture = try SyntheticCapture(path: directory.file(name), link: .ethernet)
        var a1 = TCPFlow(capture, client: Scenarios.nodeA, port: 42001, host: Scenarios.host, hostPort: Scenarios.port, seed: 31)
        var a2 = TCPFlow(capture, client: Scenarios.nodeA, port: 42002, host: Scenarios.host, hostPort: Scenarios.port, seed: 32)
        try a1.handshake(at: 0)
        _ = try a1.basicNegotiate(terminalType: "IBM-3278-2@ANYGRP", at: 1)
        _ = try a1.records(1, tn3270e: false, from: 10)
        try a2.handshake(at: 20)
        _ = try a2.basicNegotiate(terminalType: "IBM-3278-2@ANYGRP", at: 21)
        _ = try a2.records(1, tn3270e: false, from: 30)
        _ = try a1.records(1, tn3270e: false, from: 40)  // user 1 still at work after user 2's bind
        _ = try a2.records(1, tn3270e: false, from: 50)
        try a1.close(by: .client, at: 100)
        try a2.close(by: .client, at: 110)
        guard failover else {
            try capture.close()
            return capture.path
        }
        var b1 = TCPFlow(capture, client: Scenarios.nodeB, port: 42003, host: Scenarios.host, hostPort: Scenarios.port, seed: 33)
        var b2 = TCPFlow(capture, client: Scenarios.nodeB, port: 42004, host: Scenarios.host, hostPort: Scenarios.port, seed: 34)
        try b1.handshake(at: 300)
        _ = try b1.basicNegotiate(terminalType: "IBM-3278-2@ANYGRP", at: 301)
        _ = try b1.records(1, tn3270e: false, from: 310)
        try b2.handshake(at: 320)
        _ = try b2.basicNegotiate(terminalType: "IBM-3278-2@ANYGRP", at: 321)
        _ = try b2.records(1, tn3270e: false, from: 330)
        try capture.close()
        return capture.path
    }

    @Test("two users of one pool are two terminals, each with its own failover, not one terminal's broken promise")
    func poolUsers() throws {
        let path = try twoPoolUsers(name: "pool-users.pcap")
        for (definitions, expect) in [(pooled, nil), (nil, FailoverPromise.different)] as [(Definitions?, FailoverPromise?)] {
            let report = try verify(path, definitions: definitions, expect: expect)
            #expect(report.terminals.count == 2, "\(report.terminals.map(\.name))")
            #expect(report.terminals.map(\.name) == ["ANYGRP at 127.0.0.100:2323, user 1 of 2", "ANYGRP at 127.0.0.100:2323, user 2 of 2"])
            for terminal in report.terminals {
                #expect(terminal.episodes.count == 2)
                let boundary = try #require(terminal.boundaries.first)
                #expect(boundary.before.ip == Scenarios.nodeA && boundary.after.ip == Scenarios.nodeB)
                #expect(boundary.verdict == .kept, "\(boundary.explanation)")
                #expect(terminal.notes.contains { $0.contains("2 terminals used") })
            }
            #expect(report.terminals.map { $0.episodes.map(\.connection) } == [[1, 3], [2, 4]])
            #expect(report.summary.verdict == "kept" && report.summary.broken == 0)
        }
        // Before this split, one terminal: node-a → node-a between the two users broke △.

        // A pool both resources at the host draw from: no promise, and the report says why.
        var shared = pooled
        for index in shared.lus.indices where shared.lus[index].name == "VIPLU01" {
            shared.lus[index].hostName = "ANYGRP"
            shared.lus[index].hostKind = .pool
        }
        let ambiguous = try verify(path, definitions: shared)
        #expect(ambiguous.terminals.allSatisfy { $0.promise == nil && $0.notes.contains { $0.contains("is a pool of several resources (TNVIP, TNREAL)") } },
                "\(ambiguous.terminals.map(\.notes))")
    }

    @Test("idle users of a pool the definitions name, open at the end of the capture, are told apart; a failover still chains")
    func idlePoolUsers() throws {
        let capture = try SyntheticCapture(path: directory.file("pool-idle.pcap"), link: .ethernet)
        var flows: [TCPFlow] = []
        for (index, port) in [42101, 42102].enumerated() {
            var flow = TCPFlow(capture, client: Scenarios.nodeA, port: UInt16(port), host: Scenarios.host, hostPort: Scenarios.port, seed: UInt32(41 + index))
            let start = Double(index * 20)
            try flow.handshake(at: start)
            let t = try flow.basicNegotiate(terminalType: "IBM-3278-2@ANYGRP", at: start + 1)
            try flow.send(.host, TN3270Bytes.record(TN3270Bytes.screen), at: t + 2)  // the logo screen, then silence
            flows.append(flow)
        }
        try capture.close()
        let pooledReport = try verify(capture.path, definitions: pooled)
        #expect(pooledReport.terminals.count == 2 && pooledReport.terminals.allSatisfy { $0.boundaries.isEmpty })
        // Not named a pool, silent, never closed: as a dead node's connection looks. One
        // terminal, its boundary noting the overlap.
        let plain = try verify(capture.path, definitions: phonebook)
        #expect(plain.terminals.count == 1 && plain.terminals.first?.boundaries.first?.overlap == true)

        // A pool user whose connection died (reset) before the next bind: one chain.
        let dead = try SyntheticCapture(path: directory.file("pool-dead.pcap"), link: .ethernet)
        var old = TCPFlow(dead, client: Scenarios.nodeA, port: 42201, host: Scenarios.host, hostPort: Scenarios.port, seed: 51)
        try old.handshake(at: 0)
        _ = try old.basicNegotiate(terminalType: "IBM-3278-2@ANYGRP", at: 1)
        _ = try old.records(1, tn3270e: false, from: 10)
        var new = TCPFlow(dead, client: Scenarios.nodeB, port: 42202, host: Scenarios.host, hostPort: Scenarios.port, seed: 52)
        try new.handshake(at: 300)
        _ = try new.basicNegotiate(terminalType: "IBM-3278-2@ANYGRP", at: 301)
        _ = try new.records(1, tn3270e: false, from: 310)
        try old.reset(.host, at: 400)  // the host gives up on the dead node's connection
        try dead.close()
        let chained = try verify(dead.path, definitions: pooled)
        #expect(chained.terminals.count == 1 && chained.terminals.first?.boundaries.first?.verdict == .kept, "\(chained.terminals.map { ($0.name, $0.boundaries.map(\.explanation), $0.notes) })")
    }
}
