import NIOCore
import PacketCapture
import SDLC
import X25

/// Follows the virtual calls on a LINKTYPE_SITA capture of an X.25 access line (each
/// record: `SITAHeader`, then a LAPB frame without FCS). LAPB I-frames are taken in N(S)
/// order per direction, as the receiving station takes them (a frame out of sequence is
/// discarded there, so here too); their X.25 packets give the calls, QLLC (Q=1) the XID
/// node id and the QLLC link, and SNA PIUs (Q=0, reassembled with the M bit) the PU and
/// LU activations, via `SNASessionObserver`.
struct X25CallTracker {
    /// Largest PIU reassembled from M-bit sequences; beyond it the PIU is unreadable.
    static let maximumPIULength = 65_536

    private struct Channel {
        var call: X25CallFacts
        var session = SNASessionObserver()
        var setModeSent = false
        /// Q=0 data of an M-bit sequence, per direction.
        var partial: [SITAHeader.Direction: [UInt8]] = [:]
        var oversized: [SITAHeader.Direction: Bool] = [:]
    }

    private var channels: [Int: Channel] = [:]
    private(set) var calls: [X25CallFacts] = []
    private var nextIndex = 1
    /// The N(S) each side's next new I-frame carries; nil until the link is seen set up.
    private var expectedSend: [SITAHeader.Direction: UInt8] = [:]
    private(set) var records = 0
    private(set) var lapbFrames = 0
    private(set) var x25Packets = 0
    /// Records that were not LAPB, or too short for a header, address and control.
    private(set) var unreadableRecords = 0
    /// I-frames whose information was not an X.25 packet the X25 module accepts.
    private(set) var unreadablePackets = 0
    /// I-frames out of sequence (retransmissions, frames the receiver rejects).
    private(set) var outOfSequenceFrames = 0
    private(set) var frameRejects = 0

    /// For progress: the terminals (host DTE addresses called) so far.
    var terminalsSeen: Int { Set(calls.map(\.hostAddress) + channels.values.map(\.call.hostAddress)).count }

    mutating func record(_ bytes: UnsafeRawBufferPointer, at captureTime: CaptureTime) {
        records += 1
        guard let header = SITAHeader(parsing: bytes), header.protocolByte == SITAHeader.protocolLAPB else {
            unreadableRecords += 1
            return
        }
        let frameBytes = UnsafeRawBufferPointer(rebasing: bytes[SITAHeader.length...])
        guard let frame = try? LAPBFrame(parsing: ByteBuffer(bytes: frameBytes)) else {
            unreadableRecords += 1
            return
        }
        lapbFrames += 1
        let time = ReportTime(captureTime)
        let direction = header.direction
        switch frame.control {
        case .unnumbered(let function, _):
            if function == .setAsynchronousBalancedMode || function == .disconnect || function == .disconnectedMode {
                // Link (re)set: every virtual call on it is gone.
                endAll(at: time, reason: "link-reset")
                expectedSend = [.fromLocal: 0, .fromRemote: 0]
            } else if function == .frameReject {
                frameRejects += 1
            }
        case .information(let ns, _, _):
            if let expected = expectedSend[direction], expected != ns {
                outOfSequenceFrames += 1
                return
            }
            expectedSend[direction] = (ns &+ 1) & 0x07
            packet(frame.information, direction: direction, at: time)
        case .supervisory:
            break
        }
    }

    mutating func finish(at time: CaptureTime) {
        endAll(at: ReportTime(time), reason: "capture-end")
        calls.sort { $0.index < $1.index }
    }

    /// The carrier went away (an XOT connection closed or reset): its calls end.
    mutating func carrierLost(at time: CaptureTime, reason: String) {
        endAll(at: ReportTime(time), reason: reason)
        calls.sort { $0.index < $1.index }
    }

    // MARK: Packet layer

    /// One X.25 packet (from a LAPB I-frame, or an XOT record): `.fromLocal` is the DTE's.
    mutating func packet(_ information: ByteBuffer, direction: SITAHeader.Direction, at time: ReportTime) {
        guard let packet = try? X25Packet(parsing: information) else {
            unreadablePackets += 1
            return
        }
        x25Packets += 1
        let lcn = Int(packet.logicalChannel)
        channels[lcn]?.call.packets += 1
        switch packet.body {
        case .callRequest(let setup):
            if channels[lcn] != nil { end(lcn, at: time, reason: "replaced") }
            let call = X25CallFacts(
                index: nextIndex, logicalChannel: lcn, placedBy: direction == .fromLocal ? "dte" : "dce",
                callingAddress: setup.callingAddress.description, calledAddress: setup.calledAddress.description,
                callUserData: setup.userData.readableBytesView.map(Self.hex).joined(), nodeID: nil,
                callRequested: time, connected: nil, qllcOpened: nil, physicalUnitActivated: nil, lus: [],
                firstData: nil, lastData: nil, ended: time, endReason: "capture-end",
                clearedBy: nil, clearCause: nil, clearCauseName: nil, clearDiagnostic: nil, packets: 1, unreadablePIUs: 0)
            nextIndex += 1
            channels[lcn] = Channel(call: call)
        case .callAccepted:
            if channels[lcn]?.call.connected == nil { channels[lcn]?.call.connected = time }
        case .clearRequest(let info):
            guard var channel = channels[lcn] else { return }
            channel.call.clearedBy = direction == .fromLocal ? "dte" : "dce"
            channel.call.clearCause = Int(info.cause)
            channel.call.clearCauseName = X25Cause.clearingCauseName(info.cause)
            channel.call.clearDiagnostic = info.diagnostic.map(Int.init)
            channels[lcn] = channel
            end(lcn, at: time, reason: "clear")
        case .restartRequest:
            endAll(at: time, reason: "restart")
        case .data(_, _, let more, let payload):
            guard channels[lcn] != nil else { return }
            if packet.qualifier {
                qllc(payload, channel: lcn, at: time)
            } else {
                data(payload, more: more, channel: lcn, direction: direction, at: time)
            }
        default:
            break
        }
    }

    private mutating func qllc(_ payload: ByteBuffer, channel lcn: Int, at time: ReportTime) {
        guard let qllc = try? QLLCPacket(parsing: payload), var channel = channels[lcn] else { return }
        switch qllc.control {
        case .exchangeIdentification:
            // A PU type 2 XID wins over another (the host may send its own first).
            if let xid = try? qllc.xid(), channel.call.nodeID == nil || xid.nodeType == SNAXID.peripheralNodeType {
                channel.call.nodeID = xid.nodeID.description
            }
        case .setMode:
            channel.setModeSent = true
        case .unnumberedAcknowledgment:
            if channel.setModeSent, channel.call.qllcOpened == nil { channel.call.qllcOpened = time }
            channel.setModeSent = false
        default:
            return
        }
        channels[lcn] = channel
    }

    private mutating func data(_ payload: ByteBuffer, more: Bool, channel lcn: Int, direction: SITAHeader.Direction, at time: ReportTime) {
        // Taken out while it changes, so that its storage stays uniquely referenced; put back below.
        guard var channel = channels.removeValue(forKey: lcn) else { return }
        defer { channels[lcn] = channel }
        var piu = channel.partial[direction] ?? []
        if piu.count + payload.readableBytes > Self.maximumPIULength {
            channel.oversized[direction] = true
            piu = []
        } else {
            piu.append(contentsOf: payload.readableBytesView)
        }
        guard !more else {
            channel.partial[direction] = piu
            return
        }
        channel.partial[direction] = nil
        if channel.oversized[direction] == true {
            channel.oversized[direction] = nil
            channel.call.unreadablePIUs += 1
            return
        }
        piu.withUnsafeBytes { channel.session.piu($0, at: time) }
    }

    // MARK: Ends

    private mutating func end(_ lcn: Int, at time: ReportTime, reason: String) {
        guard let channel = channels.removeValue(forKey: lcn) else { return }
        var call = channel.call
        call.ended = time
        call.endReason = reason
        call.lus = channel.session.sortedLUs
        call.physicalUnitActivated = channel.session.physicalUnitActivated
        call.firstData = channel.session.firstData
        call.lastData = channel.session.lastData
        call.unreadablePIUs += channel.session.unreadablePIUs
        calls.append(call)
    }

    private mutating func endAll(at time: ReportTime, reason: String) {
        for lcn in channels.keys.sorted() { end(lcn, at: time, reason: reason) }
    }

    static func hex(_ byte: UInt8) -> String {
        let text = String(byte, radix: 16, uppercase: true)
        return (text.count < 2 ? "0" : "") + text
    }
}
