import NIOCore
import NetMgrAddresses
import PacketCapture
import SDLC
import X25

/// A line monitor's view of an X.25 access line (LINKTYPE_SITA: `SITAHeader`, LAPB frame
/// without FCS), built with the X25 module: the node as DTE, the host's network as DCE.
/// Every I-frame carries the sender's next N(S); commands use the sender's command address
/// (DTE: B 0x01, DCE: A 0x03), responses its response address.
/// With `xot`, the same packets go XOT-framed (RFC 1613) over that TCP connection instead
/// (the node is the client, the host listens on 1998), with no LAPB.
struct X25Trace {
    let capture: SyntheticCapture
    var xot: TCPFlow?
    var logicalChannel: UInt16 = 1
    private var sent: [SITAHeader.Direction: UInt8] = [:]
    private var packetsSent: [SITAHeader.Direction: UInt8] = [:]
    private var sequence: UInt16 = 0

    init(_ capture: SyntheticCapture, xot: TCPFlow? = nil) {
        self.capture = capture
        self.xot = xot
    }

    static let dte = SITAHeader.Direction.fromLocal
    static let dce = SITAHeader.Direction.fromRemote

    private static func role(_ direction: SITAHeader.Direction) -> LAPBRole { direction == .fromLocal ? .dte : .dce }

    func frame(_ frame: LAPBFrame, from direction: SITAHeader.Direction, at ms: Double) throws {
        try capture.frame(SITAHeader.lapb(direction).bytes + Array(frame.bytes.readableBytesView), at: ms)
    }

    /// SABM from the DTE, UA from the DCE; resets both sides' sequence numbers. Over XOT:
    /// the TCP handshake.
    mutating func linkUp(at ms: Double) throws -> Double {
        if xot != nil {
            try xot!.handshake(at: ms)
            packetsSent = [:]
            return ms + 2
        }
        try frame(LAPBFrame(address: LAPBRole.dte.commandAddress, control: .sabm()), from: Self.dte, at: ms)
        try frame(LAPBFrame(address: LAPBRole.dce.responseAddress, control: .ua(final: true)), from: Self.dce, at: ms + 1)
        sent = [:]
        packetsSent = [:]
        return ms + 2
    }

    /// One X.25 packet in an I-frame.
    mutating func packet(_ packet: X25Packet, from direction: SITAHeader.Direction, at ms: Double) throws {
        if xot != nil {
            try xot!.send(direction == Self.dte ? .client : .host, Array(XOTFraming.frame(packet).readableBytesView), at: ms)
            return
        }
        let other: SITAHeader.Direction = direction == .fromLocal ? .fromRemote : .fromLocal
        let ns = sent[direction] ?? 0
        let control = LAPBControl.information(ns: ns, nr: sent[other] ?? 0, poll: false)
        sent[direction] = (ns + 1) & 7
        try frame(LAPBFrame(address: Self.role(direction).commandAddress, control: control, information: packet.bytes), from: direction, at: ms)
    }

    /// RESTART from the DTE, confirmed; CALL REQUEST with QLLC's call user data 0xC3,
    /// CALL CONNECTED; QXID with the node id from the DTE, QSM from the host, QUA.
    mutating func call(calling: String, called: String, nodeID: UInt32, at ms: Double) throws -> Double {
        try packet(X25Packet(logicalChannel: 0, body: .restartRequest(X25CauseDiagnostic(cause: 0, diagnostic: 0))), from: Self.dte, at: ms)
        try packet(X25Packet(logicalChannel: 0, body: .restartConfirmation), from: Self.dce, at: ms + 1)
        let setup = X25CallSetup(
            calledAddress: X121Address(parsing: called) ?? .empty, callingAddress: X121Address(parsing: calling) ?? .empty,
            facilities: X25Facilities(packetSize: X25DirectionPair(both: 128), windowSize: X25DirectionPair(both: 2)),
            userData: ByteBuffer(bytes: [0xC3]))
        try packet(X25Packet(logicalChannel: logicalChannel, body: .callRequest(setup)), from: Self.dte, at: ms + 2)
        try packet(X25Packet(logicalChannel: logicalChannel, body: .callAccepted(X25CallSetup(hasAddressBlock: false))), from: Self.dce, at: ms + 3)
        packetsSent = [:]
        try qllc(.exchangeIdentification(nodeID: XIDNodeID(rawValue: nodeID), command: false), from: Self.dte, at: ms + 4)
        try qllc(.command(.setMode), from: Self.dce, at: ms + 5)
        try qllc(.response(.unnumberedAcknowledgment), from: Self.dte, at: ms + 6)
        return ms + 7
    }

    private mutating func data(_ payload: ByteBuffer, qualifier: Bool, more: Bool = false, from direction: SITAHeader.Direction, at ms: Double) throws {
        let ps = packetsSent[direction] ?? 0
        packetsSent[direction] = (ps + 1) & 7
        let body = X25PacketBody.data(ps: ps, pr: 0, more: more, payload: payload)
        try packet(X25Packet(logicalChannel: logicalChannel, body: body, qualifier: qualifier), from: direction, at: ms)
    }

    mutating func qllc(_ qllc: QLLCPacket, from direction: SITAHeader.Direction, at ms: Double) throws {
        try data(qllc.bytes, qualifier: true, from: direction, at: ms)
    }

    /// A PIU in Q=0 data packets; split in two with the M bit when `segmented`.
    mutating func piu(_ piu: SNAPathInformationUnit, from direction: SITAHeader.Direction, segmented: Bool = false, at ms: Double) throws {
        var bytes = piu.bytes
        if segmented, bytes.readableBytes > 4, let head = bytes.readSlice(length: 4) {
            try data(head, qualifier: false, more: true, from: direction, at: ms)
        }
        try data(bytes, qualifier: false, from: direction, at: ms)
    }

    /// A host request and the PU's positive response, 1 ms apart.
    mutating func exchange(_ category: SNARUCategory, to destination: UInt8, from origin: UInt8, ru: [UInt8], segmented: Bool = false, at ms: Double) throws {
        sequence &+= 1
        let request = SNAPathInformationUnit.request(category, destination: destination, origin: origin, sequenceNumber: sequence, ru: ByteBuffer(bytes: ru))
        try piu(request, from: Self.dce, segmented: segmented, at: ms)
        try piu(request.response(), from: Self.dte, at: ms + 1)
    }

    /// ACTPU, ACTLU per LU (the first one segmented with the M bit), BIND per LU.
    mutating func activate(lus: [UInt8], at ms: Double) throws -> Double {
        var t = ms
        try exchange(.sessionControl, to: 0, from: 0, ru: [0x11, 0x01, 0x01, 0x05, 0, 0, 0, 0, 1], at: t)
        t += 2
        for (i, lu) in lus.enumerated() {
            try exchange(.sessionControl, to: lu, from: 0, ru: [0x0D, 0x01, 0x01], segmented: i == 0, at: t)
            t += 2
        }
        for lu in lus {
            try exchange(.sessionControl, to: lu, from: SNALocalAddress.primaryLogicalUnit, ru: [0x31, 0x01, 0x03, 0x03, 0xB1, 0x90, 0x30, 0x80], at: t)
            t += 2
        }
        return t
    }

    /// LU-LU data: a host screen to `lu` answered +RSP.
    mutating func data(lu: UInt8, at ms: Double) throws -> Double {
        try exchange(.functionManagementData, to: lu, from: SNALocalAddress.primaryLogicalUnit, ru: [0xF5, 0xC2, 0x11, 0x40, 0x40], at: ms)
        return ms + 2
    }

    /// CLEAR REQUEST/INDICATION with cause and diagnostic, and its confirmation.
    mutating func clear(cause: UInt8, diagnostic: UInt8, from direction: SITAHeader.Direction, at ms: Double) throws -> Double {
        let other: SITAHeader.Direction = direction == .fromLocal ? .fromRemote : .fromLocal
        try packet(X25Packet(logicalChannel: logicalChannel, body: .clearRequest(X25CauseDiagnostic(cause: cause, diagnostic: diagnostic))), from: direction, at: ms)
        try packet(X25Packet(logicalChannel: logicalChannel, body: .clearConfirmation), from: other, at: ms + 1)
        return ms + 2
    }
}
