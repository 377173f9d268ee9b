import NetMgrTestSupport
import X25

/// X.25 line captures (LINKTYPE_SITA) the verifier and tshark tests share.
enum X25Scenarios {
    static let hostDTE = "44100001"
    static let nodeDTE = "44200001"
    static let nodeID: UInt32 = 0x05D0_0002

    /// Node-a calls the host, activates LUs 2 and 3 and exchanges data; it dies; node-b
    /// resets the link (SABM), restarts, calls again from `secondCalling` with
    /// `secondNodeID`, and the LUs come back. The second call ends with a CLEAR from
    /// the DTE with `clearCause` when given.
    static func failover(
        in directory: TemporaryDirectory, name: String = "x25-failover.pcap", secondCalling: String = nodeDTE,
        secondNodeID: UInt32 = nodeID, clearCause: UInt8? = nil
    ) throws -> String {
        let capture = try SyntheticCapture(path: directory.file(name), link: .sita)
        var line = X25Trace(capture)
        var t = try line.linkUp(at: 0)
        t = try line.call(calling: nodeDTE, called: hostDTE, nodeID: nodeID, at: t)
        t = try line.activate(lus: [2, 3], at: t)
        t = try line.data(lu: 2, at: t)
        t = try line.data(lu: 3, at: t)
        // Node-a is killed; the line is switched to node-b, which sets the link up again.
        t = try line.linkUp(at: t + 500)
        t = try line.call(calling: secondCalling, called: hostDTE, nodeID: secondNodeID, at: t)
        t = try line.activate(lus: [2, 3], at: t)
        t = try line.data(lu: 2, at: t)
        if let clearCause { _ = try line.clear(cause: clearCause, diagnostic: 0, from: X25Trace.dte, at: t + 10) }
        try capture.close()
        return capture.path
    }

    /// One call the host's network clears at once with `cause` (no LU ever active), then
    /// a call that works.
    static func refusedThenAccepted(in directory: TemporaryDirectory, cause: UInt8) throws -> String {
        let capture = try SyntheticCapture(path: directory.file("x25-refused.pcap"), link: .sita)
        var line = X25Trace(capture)
        var t = try line.linkUp(at: 0)
        t = try line.call(calling: nodeDTE, called: hostDTE, nodeID: nodeID, at: t)
        t = try line.clear(cause: cause, diagnostic: 0x47, from: X25Trace.dce, at: t)
        line.logicalChannel = 2
        t = try line.call(calling: nodeDTE, called: hostDTE, nodeID: nodeID, at: t + 100)
        t = try line.activate(lus: [2], at: t)
        _ = try line.data(lu: 2, at: t)
        try capture.close()
        return capture.path
    }
}

extension X25Scenarios {
    /// The same call over XOT (TCP port 1998, Ethernet capture): node 127.0.32.101 calls the
    /// host at 127.0.32.102, QXID, QSM/QUA, ACTPU/ACTLU/BIND, data, and a CLEAR from the host
    /// with `clearCause`.
    static func xotCall(in directory: TemporaryDirectory, clearCause: UInt8) throws -> String {
        let capture = try SyntheticCapture(path: directory.file("xot.pcap"), link: .ethernet)
        let flow = TCPFlow(capture, client: "127.0.32.101", port: 40_001, host: "127.0.32.102", hostPort: UInt16(XOTFraming.port))
        var line = X25Trace(capture, xot: flow)
        var t = try line.linkUp(at: 0)
        t = try line.call(calling: nodeDTE, called: hostDTE, nodeID: nodeID, at: t)
        t = try line.activate(lus: [2, 3], at: t)
        t = try line.data(lu: 2, at: t)
        _ = try line.clear(cause: clearCause, diagnostic: 0, from: X25Trace.dce, at: t + 10)
        try capture.close()
        return capture.path
    }
}

extension X25Scenarios {
    /// A failover over XOT: node-a (127.0.32.101) calls the host (127.0.32.102:1998) and
    /// activates LUs 2 and 3; the host resets node-a's dead connection; node-b
    /// (127.0.32.103) connects and calls from `secondCalling`.
    static func xotFailover(in directory: TemporaryDirectory, name: String = "xot-failover.pcap", secondCalling: String = nodeDTE) throws -> String {
        let capture = try SyntheticCapture(path: directory.file(name), link: .ethernet)
        let host = "127.0.32.102", port = UInt16(XOTFraming.port)
        var a = X25Trace(capture, xot: TCPFlow(capture, client: "127.0.32.101", port: 40_001, host: host, hostPort: port, seed: 11))
        var t = try a.linkUp(at: 0)
        t = try a.call(calling: nodeDTE, called: hostDTE, nodeID: nodeID, at: t)
        t = try a.activate(lus: [2, 3], at: t)
        t = try a.data(lu: 2, at: t)
        try a.xot!.reset(.host, at: t + 400)
        var b = X25Trace(capture, xot: TCPFlow(capture, client: "127.0.32.103", port: 40_002, host: host, hostPort: port, seed: 12))
        t = try b.linkUp(at: t + 500)
        t = try b.call(calling: secondCalling, called: hostDTE, nodeID: nodeID, at: t)
        t = try b.activate(lus: [2, 3], at: t)
        _ = try b.data(lu: 3, at: t)
        try capture.close()
        return capture.path
    }
}
