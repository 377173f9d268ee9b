import Crypto
import Foundation
import Logging
import NetMgrCore
import NetMgrSecurity

/// Signs netmgrd's SWITCH requests with the line switch's shared key (docs/LINE-SWITCH.md,
/// Authentication): the request gains `TIME <unix seconds> NONCE <16 hex> MAC <64 hex>`,
/// the MAC being HMAC-SHA256 of the canonical text
///
///     SWITCH "COM1 Unit1 Line1" node-a EPOCH 7 TIME 1764739200 NONCE 9f86d081884c7d65
///
/// (keywords upper case, the unit quoted, single spaces, the nonce in lower-case hex).
/// The device side is `LineSwitchAuthenticator` in the simulator: two implementations of
/// the one documented format, checked against each other and a fixed vector in the tests.
struct LineSwitchSigner: Sendable {
    static let minimumKeyBytes = 32
    /// The key's bytes (swift-crypto's SymmetricKey is not Sendable here; one is made per signature).
    let key: [UInt8]

    init(key: [UInt8]) {
        self.key = key
    }

    /// The unsigned request, as the switch's log and netmgrd's errors show it.
    static func request(_ unit: LineSwitchUnit, node: String, epoch: UInt64) -> String {
        "SWITCH \"\(unit)\" \(node) EPOCH \(epoch)"
    }

    static func canonicalText(_ unit: LineSwitchUnit, node: String, epoch: UInt64, time: Int64, nonce: UInt64) -> String {
        let digits = String(nonce, radix: 16)
        return request(unit, node: node, epoch: epoch) + " TIME \(time) NONCE " + String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The request line to send (without its line end).
    func sign(_ unit: LineSwitchUnit, node: String, epoch: UInt64, time: Int64, nonce: UInt64) -> String {
        let text = Self.canonicalText(unit, node: node, epoch: epoch, time: time, nonce: nonce)
        let mac = HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: key))
        return text + " MAC " + mac.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }

    /// Signed now, with a fresh random nonce.
    func sign(_ unit: LineSwitchUnit, node: String, epoch: UInt64) -> String {
        var generator = SystemRandomNumberGenerator()
        return sign(unit, node: node, epoch: epoch, time: Int64(Date().timeIntervalSince1970.rounded(.down)), nonce: generator.next())
    }

    /// The key of `cluster.line-switch.key`, or nil when the definitions name none. Errors
    /// name the file and what is wrong (mode, size), for activation failures and startup.
    static func load(_ definitions: Definitions) throws -> LineSwitchSigner? {
        guard let path = definitions.cluster.lineSwitchKey else { return nil }
        let key: [UInt8]
        do {
            key = try SecretFile.read(path: path, what: "line switch key")
        } catch {
            throw AdminFailure("cluster.line-switch.key: \(error)")
        }
        guard key.count >= minimumKeyBytes else {
            throw AdminFailure("cluster.line-switch.key: \(path) holds \(key.count) bytes; the line switch key needs at least \(minimumKeyBytes) (head -c 32 /dev/urandom > \(path); chmod 600 \(path))")
        }
        return LineSwitchSigner(key: key)
    }
}

extension LineSwitchSigner {
    /// At startup: a key that cannot be used stops netmgrd (naming the file and why); no key
    /// with a line switch defined is allowed, with a warning.
    static func checkAtStart(_ definitions: Definitions, logger: Logger) throws {
        guard let control = definitions.cluster.lineSwitch else { return }
        do {
            if try load(definitions) == nil {
                logger.warning("cluster.line-switch \(control) has no key: SWITCH requests go unauthenticated, and anyone who reaches the switch's control port can take a line (docs/LINE-SWITCH.md, Authentication)")
            }
        } catch {
            throw DaemonError("\(error)")
        }
    }
}
