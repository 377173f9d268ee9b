import NIOCore
import SDLC

/// A line monitor's view of one SDLC station (LINKTYPE_SDLC: address, control, PIU),
/// built with the SDLC module: the host as primary, the node's PU 2 as secondary.
struct SDLCTrace {
    let capture: SyntheticCapture
    let station: UInt8
    private var hostSent: UInt8 = 0
    private var stationSent: UInt8 = 0
    private var sequence: UInt16 = 0

    init(_ capture: SyntheticCapture, station: UInt8) {
        self.capture = capture
        self.station = station
    }

    static func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

    func unnumbered(_ function: SDLCUnnumberedFunction, information: [UInt8] = [], at ms: Double) throws {
        let frame = SDLCFrame(address: station, control: .unnumbered(function, pollFinal: true), information: ByteBuffer(bytes: information))
        try capture.frame(Self.bytes(frame.bytes), at: ms)
    }

    /// XID null from the host, the station's XID format 0, SNRM, UA. Resets N(S)/N(R).
    mutating func contact(nodeID: UInt32, at ms: Double) throws -> Double {
        try unnumbered(.xid, at: ms)
        try unnumbered(.xid, information: Self.bytes(SNAXID.format0(nodeID: XIDNodeID(rawValue: nodeID)).information), at: ms + 1)
        try unnumbered(.snrm, at: ms + 2)
        try unnumbered(.ua, at: ms + 3)
        hostSent = 0
        stationSent = 0
        return ms + 4
    }

    mutating func fromHost(_ piu: SNAPathInformationUnit, at ms: Double) throws {
        let frame = SDLCFrame(address: station, control: .information(ns: hostSent, nr: stationSent, pollFinal: true), information: piu.bytes)
        hostSent = (hostSent + 1) & 7
        try capture.frame(Self.bytes(frame.bytes), at: ms)
    }

    mutating func fromStation(_ piu: SNAPathInformationUnit, at ms: Double) throws {
        let frame = SDLCFrame(address: station, control: .information(ns: stationSent, nr: hostSent, pollFinal: true), information: piu.bytes)
        stationSent = (stationSent + 1) & 7
        try capture.frame(Self.bytes(frame.bytes), at: ms)
    }

    /// A host request and the station's positive response, 1 ms apart.
    mutating func exchange(_ category: SNARUCategory, to destination: UInt8, from origin: UInt8, ru: [UInt8], at ms: Double) throws {
        sequence &+= 1
        let request = SNAPathInformationUnit.request(category, destination: destination, origin: origin, sequenceNumber: sequence, ru: ByteBuffer(bytes: ru))
        try fromHost(request, at: ms)
        try fromStation(request.response(), at: ms + 1)
    }

    /// ACTPU, ACTLU per LU, BIND and SDT per LU, each answered +RSP.
    mutating func activate(lus: [UInt8], at ms: Double) throws -> Double {
        var t = ms
        try exchange(.sessionControl, to: 0, from: 0, ru: [0x11, 0x01, 0x01, 0x05, 0, 0, 0, 0, 1], at: t)
        t += 2
        for lu in lus {
            try exchange(.sessionControl, to: lu, from: 0, ru: [0x0D, 0x01, 0x01], at: t)
            t += 2
        }
        for lu in lus {
            try exchange(.sessionControl, to: lu, from: SNALocalAddress.primaryLogicalUnit, ru: [0x31, 0x01, 0x03, 0x03, 0xB1, 0x90, 0x30, 0x80], at: t)
            try exchange(.sessionControl, to: lu, from: SNALocalAddress.primaryLogicalUnit, ru: [0xA0], at: t + 2)
            t += 4
        }
        return t
    }

    /// LU-LU data: a host screen to `lu` answered +RSP, and an inbound record from it.
    mutating func data(lu: UInt8, at ms: Double) throws -> Double {
        try exchange(.functionManagementData, to: lu, from: SNALocalAddress.primaryLogicalUnit, ru: [0xF5, 0xC2, 0x11, 0x40, 0x40], at: ms)
        sequence &+= 1
        let inbound = SNAPathInformationUnit.request(.functionManagementData, destination: SNALocalAddress.primaryLogicalUnit, origin: lu, sequenceNumber: sequence, ru: ByteBuffer(bytes: [0x7D, 0x40, 0x40]), definiteResponse: false)
        try fromStation(inbound, at: ms + 2)
        return ms + 3
    }

    /// A poll and its answer.
    func poll(at ms: Double) throws {
        let rr = SDLCFrame(address: station, control: .supervisory(.receiveReady, nr: stationSent, pollFinal: true))
        try capture.frame(Self.bytes(rr.bytes), at: ms)
        let answer = SDLCFrame(address: station, control: .supervisory(.receiveReady, nr: hostSent, pollFinal: true))
        try capture.frame(Self.bytes(answer.bytes), at: ms + 0.5)
    }
}
