import ISDN
import NIOCore
import PacketCapture

/// Follows the calls on an ISDN basic-rate interface's D channel (LINKTYPE_LINUX_LAPD: the
/// 16-byte `LinuxLAPDHeader`, then a LAPD frame): I and UI frames on SAPI 0 carry Q.931.
/// SETUP gives the calling and called numbers and who placed the call (the host is the user
/// side, so a SETUP from the network is the node calling); CONNECT connects; DISCONNECT,
/// RELEASE and RELEASE COMPLETE clear it with a Q.850 cause. Calls are told apart by call
/// reference and originating side. The decoding is the ISDN module's (`LAPDFrame`,
/// `Q931Message`), the same that netmgrd and the simulators speak, bounded and total.
struct ISDNCallTracker {
    private(set) var log = SwitchedCallLog(kind: "isdn")
    private(set) var records = 0
    private(set) var messages = 0
    /// Records too short or not LAPD, and Q.931 messages that did not decode.
    private(set) var unreadable = 0
    /// Open calls by (call reference, network originated) → index in the log.
    private var byReference: [Int: Int] = [:]

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
        guard lapd.address.sapi == 0, lapd.information.readableBytes > 0 else { return }
        guard let message = try? Q931Message(parsing: lapd.information) else {
            unreadable += 1
            return
        }
        messages += 1
        handle(message, fromNetwork: fromNetwork, at: ReportTime(time))
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
            if let i = byReference[key] { log.end(i, at: time, reason: "next-call") }
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
