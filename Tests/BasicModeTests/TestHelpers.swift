import BasicMode
import NIOCore

/// Deterministic time for the state machines: milliseconds after an arbitrary origin.
func at(_ milliseconds: Int64) -> NIODeadline {
    NIODeadline.uptimeNanoseconds(1_000_000_000) + .milliseconds(milliseconds)
}

func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

let stationA = BasicModeStationAddress(rawValue: 0x41)!
let stationB = BasicModeStationAddress(rawValue: 0x42)!

/// Elements an action list sends.
func sent<Tag>(_ actions: [BasicModeTributaryStation<Tag>.Action]) -> [BasicModeElement] {
    actions.compactMap { if case .send(let element) = $0 { element } else { nil } }
}

func sent<Tag>(_ actions: [BasicModeControlStation<Tag>.Action]) -> [BasicModeElement] {
    actions.compactMap { if case .send(let element) = $0 { element } else { nil } }
}

/// Actions other than sends and timers.
func events<Tag>(_ actions: [BasicModeTributaryStation<Tag>.Action]) -> [BasicModeTributaryStation<Tag>.Action] {
    actions.filter {
        switch $0 {
        case .send, .setTimer: return false
        default: return true
        }
    }
}

func events<Tag>(_ actions: [BasicModeControlStation<Tag>.Action]) -> [BasicModeControlStation<Tag>.Action] {
    actions.filter {
        switch $0 {
        case .send, .setTimer: return false
        default: return true
        }
    }
}

/// Everything the decoder yields for `input`, fed in one piece.
func decodeAll(_ input: [UInt8], coding: BasicModeCoding, maximumTextLength: Int = 4096) -> [BasicModeDecoderOutput] {
    var decoder = BasicModeDecoder(coding: coding, maximumTextLength: maximumTextLength)
    return decoder.decodeAll(buffer(input))
}

/// Small deterministic generator (xorshift64*) for split points, payloads and the lossy line.
struct TestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
