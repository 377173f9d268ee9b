import Crypto
import NetMgrCore

/// The authentication part of a SWITCH request (docs/LINE-SWITCH.md, Authentication):
///
///     SWITCH "COM1 Unit1 Line1" node-b EPOCH 7 TIME 1764739200 NONCE 9f86d081884c7d65 MAC <64 hex digits>
///
/// TIME is Unix seconds, NONCE 8 random bytes in hex (16 digits), MAC the HMAC-SHA256 of the
/// request's canonical text (`canonicalText`) with the switch's shared key, in hex.
public struct LineSwitchSignature: Hashable, Sendable {
    public var time: Int64
    public var nonce: UInt64
    /// Nil when the request has TIME and NONCE but no MAC.
    public var mac: [UInt8]?

    public init(time: Int64, nonce: UInt64, mac: [UInt8]?) {
        self.time = time
        self.nonce = nonce
        self.mac = mac
    }
}

/// The line switch's side of request authentication, as a value: the key, the replay window
/// and the nonces seen within it. The caller passes the time, so tests (and a device with
/// its own clock) decide what "now" is.
///
/// A SWITCH is accepted when it carries a MAC, the MAC is right, its TIME is within
/// `window` seconds of now (either way), and its NONCE was not accepted before within the
/// window. A nonce is remembered until its request's TIME has left the window, after
/// which a replay is refused as stale anyway; at most `nonceCapacity` are held, and when
/// that many requests arrive within one window the next is refused (not forgotten: that
/// would reopen the replay).
public struct LineSwitchAuthenticator: Sendable {
    public static let window: Int64 = 30
    public static let nonceCapacity = 4096
    /// HMAC-SHA256 keys shorter than its block are allowed by RFC 2104 but weaker than the
    /// hash: the definitions require at least 32 bytes.
    public static let minimumKeyBytes = 32

    /// The key's bytes (swift-crypto's SymmetricKey is not Sendable here).
    private let key: [UInt8]
    public let window: Int64
    public let nonceCapacity: Int
    /// nonce → the TIME of the request that used it.
    private(set) var seen: [UInt64: Int64] = [:]

    public var remembered: Int { seen.count }

    /// Fails (naming the problem) for a key shorter than `minimumKeyBytes`.
    public init(key: [UInt8], window: Int64 = Self.window, nonceCapacity: Int = Self.nonceCapacity) throws(LineSwitchConfigurationError) {
        guard key.count >= Self.minimumKeyBytes else {
            throw LineSwitchConfigurationError("the line switch key has \(key.count) bytes; at least \(Self.minimumKeyBytes) are needed (e.g. `head -c 32 /dev/urandom > line-switch.key; chmod 600 line-switch.key`)")
        }
        self.key = key
        self.window = max(1, window)
        self.nonceCapacity = max(1, nonceCapacity)
    }

    /// What the MAC covers: the request rebuilt from its parsed fields, keywords upper case,
    /// the unit quoted, single spaces, the nonce as 16 lower-case hex digits. So quoting,
    /// case and blanks on the wire do not matter, and no field can be moved into another.
    public static func canonicalText(unit: LineSwitchUnit, node: String, epoch: UInt64, time: Int64, nonce: UInt64) -> String {
        "SWITCH \"\(unit)\" \(node) EPOCH \(epoch) TIME \(time) NONCE \(hex(nonce))"
    }

    /// HMAC-SHA256 of `text` (UTF-8) with `key`.
    public static func mac(key: [UInt8], text: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: key)))
    }

    /// 16 lower-case hex digits.
    public static func hex(_ nonce: UInt64) -> String {
        let digits = String(nonce, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Checks one SWITCH; on success remembers its nonce. Refusals are distinct codes:
    /// `unauthenticated` (no MAC), `bad-mac`, `stale-time`, `replayed-nonce`, `replay-window-full`.
    public mutating func verify(unit: LineSwitchUnit, node: String, epoch: UInt64, signature: LineSwitchSignature?,
                                now: Int64) -> Result<Void, LineSwitchControlError> {
        guard let signature, let mac = signature.mac else {
            return .failure(.init(.unauthenticated, "SWITCH needs TIME, NONCE and MAC: this switch accepts only requests signed with its key (HMAC-SHA256; docs/LINE-SWITCH.md)"))
        }
        let text = Self.canonicalText(unit: unit, node: node, epoch: epoch, time: signature.time, nonce: signature.nonce)
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Array(text.utf8), using: SymmetricKey(data: key)) else {
            return .failure(.init(.badMAC, "the MAC does not match the request: signed with another key, or the request was altered"))
        }
        let (offset, overflow) = now.subtractingReportingOverflow(signature.time)
        guard !overflow, offset.magnitude <= UInt64(window) else {
            return .failure(.init(.staleTime, "TIME \(signature.time) is \(overflow ? "far" : "\(offset.magnitude) s") \(overflow || offset > 0 ? "behind" : "ahead of") this switch's clock (\(now)); at most \(window) s either way"))
        }
        forget(before: now)
        if let used = seen[signature.nonce] {
            return .failure(.init(.replayedNonce, "NONCE \(Self.hex(signature.nonce)) was already used (by a request of TIME \(used)); each request needs a fresh nonce"))
        }
        guard seen.count < nonceCapacity else {
            return .failure(.init(.replayWindowFull, "more than \(nonceCapacity) authenticated requests within \(window) s; try again later"))
        }
        seen[signature.nonce] = signature.time
        return .success(())
    }

    /// Drops nonces whose request time has left the window: a replay of them is stale.
    private mutating func forget(before now: Int64) {
        let (oldest, overflow) = now.subtractingReportingOverflow(window)
        guard !overflow else { return }
        if seen.count >= nonceCapacity / 2 || seen.values.contains(where: { $0 < oldest }) {
            seen = seen.filter { $0.value >= oldest }
        }
    }
}
