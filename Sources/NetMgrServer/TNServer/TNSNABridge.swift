import NIOCore
import SDLC
import TN3270

/// The SNA LU 2 side of one emulator connection (issue 15 part 3): what the TN server shows
/// the emulator of the LU's SNA session with the host, as IBM's and HIS's TN3270E servers do.
///
/// * **BIND-IMAGE** (when the emulator agreed the function): the host's BIND RU goes to the
///   emulator as a BIND-IMAGE record before any 3270 data of that session (x3270 drops
///   3270-DATA until it has one); the session's end (UNBIND, link loss) as an UNBIND record,
///   and the next BIND as a new BIND-IMAGE. Without the function the emulator only sees data.
/// * **RESPONSES** (when agreed): each host record asks for ALWAYS-RESPONSE. netmgrd's PU 2
///   has answered the host already, when the RU (or the chain's last RU) arrived, so the
///   emulator's answer is logged, not passed on: a negative one names the SNA sense it
///   stands for.
///
/// Chains of host RUs arrive here assembled (`SNAChainAssembler` in the PU). A value type;
/// the connection handler performs its outputs.
struct TNSNABridge: Hashable, Sendable {
    enum Output: Hashable, Sendable {
        /// A BIND-IMAGE record with the BIND RU.
        case bindImage(ByteBuffer)
        /// An UNBIND record with an UNBIND RU.
        case unbind(ByteBuffer)
        /// A 3270-DATA record; ask for a response when RESPONSES was agreed.
        case data(ByteBuffer, requestingResponse: Bool)
    }

    /// The functions the TN server agrees to for an SNA LU 2.
    static let functions: [TN3270EFunction] = [.bindImage, .responses]
    /// UNBIND RU, type 1 (normal end of session): netmgrd's PU does not pass on the host's
    /// UNBIND type, and a link loss ends the session as well.
    static let unbindRU: [UInt8] = [0x32, 0x01]

    /// Agreed with the emulator; nil until its TN3270(E) session is bound.
    private(set) var agreed: Set<TN3270EFunction>?
    /// The LU's SNA session with the host is up (bound, data traffic), and its BIND.
    private(set) var hostBound = false
    private(set) var bind: ByteBuffer?
    /// A BIND-IMAGE was shown for the current SNA session and no UNBIND since.
    private(set) var imageShown = false

    var showsBindImage: Bool { agreed?.contains(.bindImage) ?? false }
    var requestsResponses: Bool { agreed?.contains(.responses) ?? false }

    /// The LU's SNA session as the router reports it now (at the emulator's bind) or later.
    mutating func hostSession(bound: Bool, bind: ByteBuffer?) -> [Output] {
        hostBound = bound
        if bound, let bind { self.bind = bind }
        guard agreed != nil, showsBindImage else { return [] }
        if bound, !imageShown, let image = self.bind {
            imageShown = true
            return [.bindImage(image)]
        }
        if !bound, imageShown {
            imageShown = false
            return [.unbind(ByteBuffer(bytes: Self.unbindRU))]
        }
        return []
    }

    /// The emulator's session is bound with `functions`; the host side as it stands.
    mutating func emulatorBound(functions: Set<TN3270EFunction>) -> [Output] {
        agreed = functions
        return hostSession(bound: hostBound, bind: nil)
    }

    /// A host record for the bound emulator (a whole chain).
    mutating func hostRecord(_ data: ByteBuffer) -> [Output] {
        guard agreed != nil else { return [] }
        var outputs: [Output] = []
        if showsBindImage, !imageShown, let image = bind {
            // Data of a session whose BIND-IMAGE was not shown (the router's report came later).
            imageShown = true
            outputs.append(.bindImage(image))
        }
        outputs.append(.data(data, requestingResponse: requestsResponses))
        return outputs
    }

    /// The SNA sense a TN3270E negative response's sense byte stands for (RFC 2355 §10.4):
    /// COMMAND-REJECT is 1003 (function not supported), INTERVENTION-REQUIRED 0802,
    /// OPERATION-CHECK 1001 (RU data error), COMPONENT-DISCONNECTED 0831.
    static func snaSense(tn3270eSense: UInt8) -> SNASenseCode {
        switch tn3270eSense {
        case 0x00: SNASenseCode(rawValue: 0x1003_0000)
        case 0x01: SNASenseCode(rawValue: 0x0802_0000)
        case 0x03: SNASenseCode(rawValue: 0x0831_0000)
        default: SNASenseCode(rawValue: 0x1001_0000)
        }
    }
}
