import Foundation
import NetMgrClient
import NetMgrCore
import NetMgrSimulators

/// What the demo's client sent on one LU, so the host's journal can be checked against it.
struct LUTraffic: Sendable {
    let resource: String
    let lu: String
    var sent: [String] = []  // digests, in order
    var acked = 0
}

/// The demo's application: one session per terminal LU, each submitting a numbered 3270
/// input record at a steady pace; it counts acks from the client's event stream.
actor DemoTraffic {
    private(set) var traffic: [String: LUTraffic] = [:]
    private(set) var events: [(time: Double, text: String)] = []

    func register(_ resource: String, _ lu: String) { traffic[lu] = LUTraffic(resource: resource, lu: lu) }
    func sent(_ lu: String, digest: String) { traffic[lu]?.sent.append(digest) }
    func acked(_ lu: String) { traffic[lu]?.acked += 1 }
    func note(_ text: String) { events.append((Date().timeIntervalSince1970, text)) }

    /// Terminal LUs the host has not accepted a message on yet (not bound yet).
    var unacknowledgedLUs: [String] { traffic.values.filter { $0.acked == 0 }.map(\.lu).sorted() }

    var totals: (sent: Int, acked: Int) {
        traffic.values.reduce((0, 0)) { ($0.0 + $1.sent.count, $0.1 + $1.acked) }
    }
}

/// A 3270 inbound record as a terminal sends it: AID Enter, cursor address, then an SBA
/// order and the text in EBCDIC. The text carries the LU and a serial number, so every
/// message has its own digest.
func demoRecord(lu: String, serial: Int) -> [UInt8] {
    let text = "NETMGR DEMO \(lu) MESSAGE \(String(format: "%06d", serial))"
    return [0x7D, 0x40, 0x40, 0x11, 0x40, 0x40] + text.unicodeScalars.map { ebcdic($0) }
}

/// EBCDIC (code page 037) for the characters the demo uses.
private func ebcdic(_ scalar: Unicode.Scalar) -> UInt8 {
    switch scalar {
    case "A"..."I": return 0xC1 + UInt8(scalar.value - 65)
    case "J"..."R": return 0xD1 + UInt8(scalar.value - 74)
    case "S"..."Z": return 0xE2 + UInt8(scalar.value - 83)
    case "0"..."9": return 0xF0 + UInt8(scalar.value - 48)
    default: return 0x40
    }
}
