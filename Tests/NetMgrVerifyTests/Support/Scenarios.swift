import NetMgrTestSupport

/// The captures the tests verify, each written by hand into `directory`. Addresses follow
/// the example cluster (Phonebook/): host 127.0.0.100:2323, VIP 127.0.0.10, node-a
/// 127.0.0.11, node-b 127.0.0.12, leased line station 0xC1 with node id 05D00001.
enum Scenarios {
    static let host = "127.0.0.100"
    static let port: UInt16 = 2323
    static let vip = "127.0.0.10"
    static let nodeA = "127.0.0.11"
    static let nodeB = "127.0.0.12"

    /// VIP failover: node-a's connection from the VIP dies without a FIN; node-b connects
    /// from the same VIP (new port) and gets the same LU. ○ kept.
    static func vipFailover(in directory: TemporaryDirectory, link: SyntheticCapture.Link = .ethernet, name: String = "vip-failover.pcap") throws -> String {
        let capture = try SyntheticCapture(path: directory.file(name), link: link)
        var first = TCPFlow(capture, client: vip, port: 40001, host: host, hostPort: port, seed: 1)
        try first.handshake(at: 0)
        var t = try first.tn3270eBind(lu: "VIPLU01", at: 1)
        t = try first.records(5, tn3270e: true, from: t + 10)  // last record at 63
        var second = TCPFlow(capture, client: vip, port: 40002, host: host, hostPort: port, seed: 2)
        try second.handshake(at: 400)
        t = try second.tn3270eBind(lu: "VIPLU01", at: 401)  // bound at 405
        _ = try second.records(3, tn3270e: true, from: 420)  // first data at 420
        try capture.close()
        return capture.path
    }

    /// Own address none: node-a (127.0.0.11) in basic TN3270 with IBM-3278-2@REALLU01
    /// deactivates (FIN); node-b (127.0.0.12) connects with the same LU. △ kept.
    static func ownAddressNoneFailover(in directory: TemporaryDirectory) throws -> String {
        let capture = try SyntheticCapture(path: directory.file("none-failover.pcap"), link: .ethernet)
        var first = TCPFlow(capture, client: nodeA, port: 40001, host: host, hostPort: port, seed: 3)
        try first.handshake(at: 0)
        var t = try first.basicNegotiate(terminalType: "IBM-3278-2@REALLU01", at: 1)
        t = try first.records(4, tn3270e: false, from: t + 10)
        try first.close(by: .client, at: 200)
        var second = TCPFlow(capture, client: nodeB, port: 40002, host: host, hostPort: port, seed: 4)
        try second.handshake(at: 300)
        t = try second.basicNegotiate(terminalType: "IBM-3278-2@REALLU01", at: 301)
        _ = try second.records(4, tn3270e: false, from: 320)
        try capture.close()
        return capture.path
    }

    /// Node-a's connection (VIP) dies; node-b's first attempt is rejected with
    /// DEVICE-IN-USE because the host still holds the LU; the host's probe of the old
    /// connection meets node-b's RST; node-b's retry gets the LU. ○ kept.
    static func deviceInUseRetry(in directory: TemporaryDirectory) throws -> String {
        let capture = try SyntheticCapture(path: directory.file("device-in-use.pcap"), link: .sll)
        var first = TCPFlow(capture, client: vip, port: 40001, host: host, hostPort: port, seed: 5)
        try first.handshake(at: 0)
        var t = try first.tn3270eBind(lu: "VIPLU02", at: 1)
        t = try first.records(3, tn3270e: true, from: t + 10)
        var rejected = TCPFlow(capture, client: vip, port: 40002, host: host, hostPort: port, seed: 6)
        try rejected.handshake(at: 300)
        t = try rejected.tn3270eReject(lu: "VIPLU02", reason: 1, at: 301)
        try rejected.close(by: .client, at: t + 1)
        // The host probes the old connection; the VIP now lives on node-b, whose kernel
        // knows no such connection and answers RST.
        try first.send(.host, [255, 253, 6], at: 480, ack: false)
        try first.reset(.client, at: 481)
        var retry = TCPFlow(capture, client: vip, port: 40003, host: host, hostPort: port, seed: 7)
        try retry.handshake(at: 700)
        t = try retry.tn3270eBind(lu: "VIPLU02", at: 701)  // bound at 705
        _ = try retry.records(2, tn3270e: true, from: 720)
        try capture.close()
        return capture.path
    }

    /// One basic TN3270 session asking for its LU with the RFC 1646 suffix. No failover.
    static func basicWithAtLU(in directory: TemporaryDirectory) throws -> String {
        let capture = try SyntheticCapture(path: directory.file("basic-at-lu.pcap"), link: .raw)
        var flow = TCPFlow(capture, client: nodeA, port: 40100, host: host, hostPort: port, seed: 8)
        try flow.handshake(at: 0)
        let t = try flow.basicNegotiate(terminalType: "IBM-3279-4-E@BASICLU1", at: 1)
        _ = try flow.records(3, tn3270e: false, from: t + 5)
        try flow.close(by: .host, at: 100)
        try capture.close()
        return capture.path
    }

    /// The capture starts after the handshake: the host's DO TN3270E is the first packet.
    /// With `midData`, it starts even later, inside the data phase.
    static func missingSYN(in directory: TemporaryDirectory, midData: Bool = false) throws -> String {
        let capture = try SyntheticCapture(path: directory.file(midData ? "mid-data.pcap" : "no-syn.pcap"), link: .ethernet)
        var flow = TCPFlow(capture, client: vip, port: 40200, host: host, hostPort: port, seed: 9)
        if midData {
            _ = try flow.records(4, tn3270e: true, from: 0)
        } else {
            let t = try flow.tn3270eBind(lu: "VIPLU03", at: 0)
            _ = try flow.records(2, tn3270e: true, from: t + 5)
        }
        try capture.close()
        return capture.path
    }

    /// TN3270E whose DEVICE-TYPE IS arrives in two segments out of order, with a
    /// retransmitted request and a retransmitted record.
    static func retransmissions(in directory: TemporaryDirectory) throws -> String {
        let capture = try SyntheticCapture(path: directory.file("retransmissions.pcap"), link: .sll2)
        var flow = TCPFlow(capture, client: vip, port: 40300, host: host, hostPort: port, seed: 10)
        try flow.handshake(at: 0)
        try flow.send(.host, TN3270Bytes.doTN3270E, at: 1)
        try flow.send(.client, TN3270Bytes.willTN3270E, at: 2)
        try flow.send(.host, TN3270Bytes.sendDeviceType, at: 3)
        let request = TN3270Bytes.deviceTypeRequest("IBM-3278-2-E", connect: "VIPLU01")
        let requestSequence = flow.clientSequence
        try flow.send(.client, request, at: 4)
        try flow.segment(from: .client, flags: [.psh, .ack], sequence: requestSequence, payload: request, at: 4.5)  // retransmission
        let grant = TN3270Bytes.deviceTypeIs("IBM-3278-2-E", connect: "VIPLU01")
        let head = Array(grant.prefix(7)), tail = Array(grant.dropFirst(7))
        let start = flow.hostSequence
        try flow.segment(from: .host, flags: [.psh, .ack], sequence: start &+ UInt32(head.count), payload: tail, at: 5)  // tail first
        try flow.segment(from: .host, flags: [.psh, .ack], sequence: start, payload: head, at: 5.1)
        flow.advance(.host, by: grant.count)
        try flow.send(.client, TN3270Bytes.functionsRequest, at: 6)
        try flow.send(.host, TN3270Bytes.functionsIs, at: 7)
        let record = TN3270Bytes.record3270E(sequence: 0, TN3270Bytes.screen)
        let recordSequence = flow.hostSequence
        try flow.send(.host, record, at: 10)
        try flow.segment(from: .host, flags: [.psh, .ack], sequence: recordSequence, payload: record, at: 10.5)  // retransmission
        try flow.send(.client, TN3270Bytes.record3270E(sequence: 0, TN3270Bytes.enter), at: 20)
        try flow.close(by: .client, at: 30)
        try capture.close()
        return capture.path
    }

    /// Line switch failover on the leased line: the station comes up with node id
    /// `firstNodeID`, LUs 2 and 3, carries data, goes silent (node-a dies: the host's
    /// polls go unanswered) and the host contacts it again; it answers with `secondNodeID`.
    static func lineFailover(
        in directory: TemporaryDirectory, name: String = "line-failover.pcap",
        firstNodeID: UInt32 = 0x05D0_0001, secondNodeID: UInt32 = 0x05D0_0001
    ) throws -> String {
        let capture = try SyntheticCapture(path: directory.file(name), link: .sdlc)
        var line = SDLCTrace(capture, station: 0xC1)
        var t = try line.contact(nodeID: firstNodeID, at: 0)
        t = try line.activate(lus: [2, 3], at: t + 1)
        t = try line.data(lu: 2, at: t + 5)
        t = try line.data(lu: 3, at: t + 5)  // last data before: t - 1
        try line.poll(at: t + 100)
        // node-a dies: the host polls in vain (no answer), then contacts the station anew.
        let rr = [UInt8(0xC1), 0x11]
        for i in 0..<3 { try capture.frame(rr, at: t + 200 + Double(i) * 100) }
        t = try line.contact(nodeID: secondNodeID, at: t + 600)
        t = try line.activate(lus: [2, 3], at: t + 1)
        _ = try line.data(lu: 2, at: t + 5)
        try line.poll(at: t + 50)
        try capture.close()
        return capture.path
    }
}
