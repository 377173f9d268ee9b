import PacketCapture

/// Follows the calls on an ISDN basic-rate interface's D channel (LINKTYPE_LINUX_LAPD: the
/// 16-byte `LinuxLAPDHeader`, then a LAPD frame): I and UI frames on SAPI 0 carry Q.931.
/// SETUP gives the calling and called numbers and who placed the call (the host is the user
/// side, so a SETUP from the network is the node calling); CONNECT connects; DISCONNECT,
/// RELEASE and RELEASE COMPLETE clear it with a Q.850 cause. Calls are told apart by call
/// reference and originating side. The decoding is `Q931Summary`, bounded and total.
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
        let frame = UnsafeRawBufferPointer(rebasing: bytes[LinuxLAPDHeader.length...])
        guard let information = Q931Summary.lapdInformation(frame) else { return }  // supervisory/unnumbered without Q.931
        guard let message = Q931Summary(information) else {
            unreadable += 1
            return
        }
        messages += 1
        handle(message, fromNetwork: fromNetwork, at: ReportTime(time))
    }

    mutating func finish(at time: CaptureTime, links: [SDLCLinkFacts]) -> [SwitchedCallFacts] {
        log.finish(at: ReportTime(time), links: links)
    }

    private mutating func handle(_ message: Q931Summary, fromNetwork: Bool, at time: ReportTime) {
        guard message.callReference != 0 else { return }  // global call reference: RESTART and the like
        // The flag is set by the side that did not originate the call reference.
        let networkOriginated = fromNetwork != message.flag
        let key = message.callReference << 1 | (networkOriginated ? 1 : 0)
        let sender = fromNetwork ? "node" : "host"
        if message.type == Q931Summary.setup {
            if let i = byReference[key] { log.end(i, at: time, reason: "next-call") }
            let placedBy = networkOriginated ? "node" : "host"
            byReference[key] = log.begin(
                signalling: "q931", placedBy: placedBy, calling: message.callingNumber, called: message.calledNumber,
                reference: message.callReference, at: time)
            return
        }
        guard let i = byReference[key], log.calls[i].endReason == "open" else { return }
        switch message.type {
        case Q931Summary.connect:
            log.connect(i, at: time)
        case Q931Summary.disconnect, Q931Summary.release, Q931Summary.releaseComplete:
            log.clear(i, at: time, by: sender, cause: message.cause)
            if message.type == Q931Summary.releaseComplete || (message.type == Q931Summary.release && log.calls[i].connected == nil) {
                log.end(i, at: time, reason: "cleared")
                byReference[key] = nil
            }
        default:
            break
        }
    }
}

/// The few facts of a Q.931 message the verifier needs (a minimal decoder of its own: the
/// verifier reads captures without the ISDN protocol module). Total on any input: every
/// length is checked against the bytes left.
struct Q931Summary: Equatable {
    static let setup: UInt8 = 0x05, connect: UInt8 = 0x07, disconnect: UInt8 = 0x45, release: UInt8 = 0x4D, releaseComplete: UInt8 = 0x5A

    var callReference: Int
    /// The call reference flag (set by the side that did not originate the call).
    var flag: Bool
    var type: UInt8
    var callingNumber: String?
    var calledNumber: String?
    var cause: Int?

    /// The information field of a LAPD I or UI frame on SAPI 0, else nil.
    static func lapdInformation(_ frame: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard frame.count >= 3, frame[0] & 0x01 == 0, frame[1] & 0x01 == 1 else { return nil }
        guard frame[0] >> 2 == 0 else { return nil }  // SAPI 0: call control
        let control = frame[2]
        if control & 0x01 == 0 {  // I frame: 2-byte control
            guard frame.count >= 4 else { return nil }
            return UnsafeRawBufferPointer(rebasing: frame[4...])
        }
        if control & 0xEF == 0x03 { return UnsafeRawBufferPointer(rebasing: frame[3...]) }  // UI
        return nil
    }

    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 3, bytes[0] == 0x08 else { return nil }
        let referenceLength = Int(bytes[1] & 0x0F)
        guard referenceLength <= 2, bytes.count >= 3 + referenceLength else { return nil }
        var reference = 0
        flag = false
        for k in 0..<referenceLength {
            var b = bytes[2 + k]
            if k == 0 {
                flag = b & 0x80 != 0
                b &= 0x7F
            }
            reference = reference << 8 | Int(b)
        }
        callReference = reference
        type = bytes[2 + referenceLength]
        var i = 3 + referenceLength
        while i < bytes.count {
            let id = bytes[i]
            if id & 0x80 != 0 {  // single-octet element (shift, sending complete...)
                i += 1
                continue
            }
            guard i + 1 < bytes.count else { return nil }
            let length = Int(bytes[i + 1])
            let start = i + 2
            guard start + length <= bytes.count else { return nil }
            let content = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)])
            switch id {
            case 0x6C: callingNumber = Self.digits(content)
            case 0x70: calledNumber = Self.digits(content)
            case 0x08:
                // Location octet (and 3a when its extension bit is 0), then the cause value.
                guard let first = content.first else { break }
                let at = first & 0x80 != 0 ? 1 : 2
                if content.count > at { cause = Int(content[at] & 0x7F) }
            default: break
            }
            i = start + length
        }
    }

    /// Party number digits: octet 3 (type and plan), 3a when 3's extension bit is 0 (calling
    /// only), then IA5 digits.
    private static func digits(_ content: UnsafeRawBufferPointer) -> String? {
        guard let first = content.first else { return nil }
        var at = 1
        if first & 0x80 == 0 { at = 2 }
        guard content.count > at else { return nil }
        return String(decoding: content[at...].map { $0 & 0x7F }, as: UTF8.self)
    }
}
