import Dialup
import NIOCore

func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }
func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }
func text(_ buffer: ByteBuffer) -> String { String(decoding: buffer.readableBytesView, as: UTF8.self) }

/// Small deterministic generator (xorshift64*) for the property tests.
struct TestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}

let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

extension ModemDialer.Action {
    /// The text of a `.send` (Hayes commands).
    var sentText: String? { if case .send(let bytes) = self { return text(bytes) } else { return nil } }
    var sentBytes: [UInt8]? { if case .send(let data) = self { return bytes(data) } else { return nil } }
    var isTimer: Bool { if case .setTimer = self { return true } else { return false } }
}

extension Array where Element == ModemDialer.Action {
    /// Everything sent, concatenated.
    var sentText: String { compactMap(\.sentText).joined() }
    var withoutTimers: [ModemDialer.Action] { filter { !$0.isTimer } }
    var failure: (ModemResult?, String)? {
        for action in self { if case .failed(let result, let reason) = action { return (result, reason) } }
        return nil
    }
}

extension ModemEmulator.Action {
    var toDTEText: String? { if case .toDTE(let bytes) = self { return text(bytes) } else { return nil } }
    var isTimer: Bool { if case .setTimer = self { return true } else { return false } }
}

extension Array where Element == ModemEmulator.Action {
    var toDTEText: String { compactMap(\.toDTEText).joined() }
    var toDTEBytes: [UInt8] { flatMap { action -> [UInt8] in if case .toDTE(let data) = action { return bytes(data) } else { return [] } } }
    var withoutTimers: [ModemEmulator.Action] { filter { !$0.isTimer } }
}

/// V.25bis frame bytes computed independently (CRC-16/X.25 by hand in Python), for vectors.
enum V25bisVectors {
    static let val: [UInt8] = [0x7E, 0xFF, 0x13, 0x56, 0x41, 0x4C, 0xAD, 0x5E, 0x7E]
    static let crn0300001111: [UInt8] = [0x7E, 0xFF, 0x13, 0x43, 0x52, 0x4E, 0x30, 0x33, 0x30, 0x30, 0x30, 0x30, 0x31, 0x31, 0x31, 0x31, 0x93, 0xA1, 0x7E]
    static let cnx: [UInt8] = [0x7E, 0xFF, 0x13, 0x43, 0x4E, 0x58, 0xE8, 0x37, 0x7E]
    static let cfiET: [UInt8] = [0x7E, 0xFF, 0x13, 0x43, 0x46, 0x49, 0x45, 0x54, 0xCC, 0x7B, 0x7E]
    static let cic: [UInt8] = [0x7E, 0xFF, 0x13, 0x43, 0x49, 0x43, 0xB2, 0xD4, 0x7E]
    static let inc0312340001: [UInt8] = [0x7E, 0xFF, 0x13, 0x49, 0x4E, 0x43, 0x30, 0x33, 0x31, 0x32, 0x33, 0x34, 0x30, 0x30, 0x30, 0x31, 0x5B, 0xE2, 0x7E]
    static let cfiAB: [UInt8] = [0x7E, 0xFF, 0x13, 0x43, 0x46, 0x49, 0x41, 0x42, 0x1B, 0x69, 0x7E]
}
