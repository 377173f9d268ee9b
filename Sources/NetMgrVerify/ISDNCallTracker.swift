import ISDN
import NIOCore
import PacketCapture

/// Follows the calls on an ISDN basic-rate interface's D channel (LINKTYPE_LINUX_LAPD: the
/// 16-byte `LinuxLAPDHeader`, then a LAPD frame): I and UI frames on SAPI 0 carry Q.931.
/// SETUP gives the calling and called numbers and who placed the call (the host is the user
/// side, so a SETUP from the network is the node calling); CONNECT connects; DISCONNECT,
/// RELEASE and RELEASE COMPLETE clear it with a Q.850 cause. Calls are told apart by call
/// reference and originating side. A LAPD retransmission (an I frame resent with the same
/// N(S) after REJ or in timer recovery) is read once, and a SETUP resent on T303 for a call
/// that is still being set up is the same call, not a new one. The decoding is the ISDN module's (`LAPDFrame`,
/// `Q931Message`), the same that netmgrd and the simulators speak, bounded and total.
struct ISDNCallTracker {
    private(set) var log = SwitchedCallLog(kind: "isdn")
    private(set) var records = 0
    private(set) var messages = 0
    /// Records too short or not LAPD, and Q.931 messages that did not decode.
    private(set) var unreadable = 0
    /// I frames not read again because they repeated an N(S) already seen (retransmissions).
    private(set) var duplicates = 0
    /// Open calls by (call reference, network originated) → index in the log.
    private var byReference: [Int: Int] = [:]
    /// The next N(S) expected per (direction, TEI): at most 2 × 128 entries.
    private var expectedSend: [Int: UInt8] = [:]

    mutating func record(_ bytes: UnsafeRawBufferPointer, at time: CaptureTime) {
        records += 1
        guard let fromNetwork = LinuxLAPDHeader.sentByNetwork(bytes) else {
            unreadable += 1
            return
        }
        let frame = ByteBuffer(bytes: bytes[LinuxLAPDHeader.length...])
        guard let lapd = try? LAPDFrame(parsing: frame) else {
            unreadable += 1
            return
        }
        // Q.931 rides in I and UI frames on SAPI 0; everything else is the data link's own.
        guard lapd.address.sapi == 0 else { return }
        switch lapd.control {
        case .unnumbered(.setAsynchronousBalancedModeExtended, _):
            // (Re-)establishment sets both sides' sequence numbers to 0.
            expectedSend[Self.sequenceKey(fromNetwork: true, tei: lapd.address.tei)] = nil
            expectedSend[Self.sequenceKey(fromNetwork: false, tei: lapd.address.tei)] = nil
        case .information(let sent, _, _):
            guard isNew(sent, fromNetwork: fromNetwork, tei: lapd.address.tei) else {
                duplicates += 1
                return
            }
        default:
            break
        }
        guard lapd.information.readableBytes > 0 else { return }
        guard let message = try? Q931Message(parsing: lapd.information) else {
            unreadable += 1
            return
        }
        messages += 1
        handle(message, fromNetwork: fromNetwork, at: ReportTime(time))
    }

    private static func sequenceKey(fromNetwork: Bool, tei: UInt8) -> Int {
        (fromNetwork ? 0x100 : 0) | Int(tei & 0x7F)
    }

    /// Whether an I frame's N(S) is the next one in its direction (or ahead of it: frames the
    /// capture missed) rather than one already seen: up to half the modulo-128 space behind
    /// the expected N(S) is a retransmission (the window k is far smaller).
    private mutating func isNew(_ sent: UInt8, fromNetwork: Bool, tei: UInt8) -> Bool {
        let key = Self.sequenceKey(fromNetwork: fromNetwork, tei: tei)
        let sent = sent & 0x7F
        if let expected = expectedSend[key] {
            let behind = (expected &- sent) & 0x7F
            if behind >= 1 && behind <= 63 { return false }
        }
        expectedSend[key] = (sent &+ 1) & 0x7F
        return true
    }

    mutating func finish(at time: CaptureTime, links: [SDLCLinkFacts]) -> [SwitchedCallFacts] {
        log.finish(at: ReportTime(time), links: links)
    }

    private mutating func handle(_ message: Q931Message, fromNetwork: Bool, at time: ReportTime) {
        guard message.callReference != 0 else { return }  // global call reference: RESTART and the like
        // The flag is set by the side that did not originate the call reference.
        let networkOriginated = fromNetwork == message.fromOriginator
        let reference = Int(message.callReference)
        let key = reference << 1 | (networkOriginated ? 1 : 0)
        let sender = fromNetwork ? "node" : "host"
        if message.type == .setup {
            if let i = byReference[key] {
                // A SETUP resent (T303) for the call still being set up is that call.
                if log.calls[i].endReason == "open", log.calls[i].connected == nil, log.calls[i].cleared == nil { return }
                log.end(i, at: time, reason: "next-call")
            }
            let placedBy = networkOriginated ? "node" : "host"
            byReference[key] = log.begin(
                signalling: "q931", placedBy: placedBy, calling: message.callingNumber, called: message.calledNumber,
                reference: reference, at: time)
            return
        }
        guard let i = byReference[key], log.calls[i].endReason == "open" else { return }
        switch message.type {
        case .connect:
            log.connect(i, at: time)
        case .disconnect, .release, .releaseComplete:
            log.clear(i, at: time, by: sender, cause: message.cause.map(Int.init))
            if message.type == .releaseComplete || (message.type == .release && log.calls[i].connected == nil) {
                log.end(i, at: time, reason: "cleared")
                byReference[key] = nil
            }
        default:
            break
        }
    }
}
