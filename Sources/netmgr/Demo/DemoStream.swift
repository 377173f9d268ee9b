import Foundation
import NetMgrClient
import NetMgrCore
import NetMgrSimulators

/// The demo's application: one session per terminal LU, each submitting a numbered 3270
/// input record at a steady pace; it counts acks from the client's event stream into the
/// delivery ledger the story checks against the host's journal.
actor DemoTraffic {
    private(set) var ledger = DeliveryLedger()
    private(set) var events: [(time: Double, text: String)] = []

    func register(_ resource: String, _ lu: String) { ledger.register(resource: resource, lu: lu) }
    func sent(_ lu: String, digest: String) {
        guard let resource = ledger.resource(of: lu) else { return }
        ledger.submitted(resource: resource, lu: lu, digest: digest)
    }
    func acked(_ lu: String) { ledger.acked(lu: lu) }
    func note(_ text: String) { events.append((Date().timeIntervalSince1970, text)) }

    /// Terminal LUs the host has not accepted a message on yet (not bound yet).
    var unacknowledgedLUs: [String] { ledger.lus.map(\.lu).filter { ledger.ackCount(lu: $0) == 0 }.sorted() }

    var totals: (sent: Int, acked: Int) {
        let tally = ledger.tally()
        return (tally.sent, tally.acked)
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
