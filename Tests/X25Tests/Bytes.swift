import NIOCore
import X25

/// A ByteBuffer of the given bytes, for vectors.
func buffer(_ bytes: [UInt8]) -> ByteBuffer {
    ByteBuffer(bytes: bytes)
}

/// A buffer's readable bytes, for comparing against vectors.
func bytes(_ buffer: ByteBuffer) -> [UInt8] {
    buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
}

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

extension LAPBStation.Action {
    var frame: LAPBFrame? { if case .send(let frame) = self { return frame } else { return nil } }
    var delivered: ByteBuffer? { if case .deliver(let data) = self { return data } else { return nil } }
}

extension X25PacketLayer.Action {
    var packet: X25Packet? { if case .send(let packet) = self { return packet } else { return nil } }
}
