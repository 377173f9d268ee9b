import NIOCore
import SDLC

/// Deterministic time for the state machines: milliseconds after an arbitrary origin.
func at(_ milliseconds: Int64) -> NIODeadline {
    NIODeadline.uptimeNanoseconds(1_000_000_000) + .milliseconds(milliseconds)
}

func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

/// Frames an action list sends.
func sent(_ actions: [SDLCSecondaryStation.Action]) -> [SDLCFrame] {
    actions.compactMap { if case .send(let frame) = $0 { frame } else { nil } }
}

func sent(_ actions: [SDLCPrimaryStation.Action]) -> [SDLCFrame] {
    actions.compactMap { if case .send(let frame) = $0 { frame } else { nil } }
}

func controls(_ frames: [SDLCFrame]) -> [SDLCControl] { frames.map(\.control) }

func frame(_ address: UInt8, _ control: SDLCControl, _ information: [UInt8] = []) -> SDLCFrame {
    SDLCFrame(address: address, control: control, information: buffer(information))
}

func u(_ function: SDLCUnnumberedFunction, _ pf: Bool = true) -> SDLCControl { .unnumbered(function, pollFinal: pf) }
func rr(_ nr: UInt8, _ pf: Bool = true) -> SDLCControl { .supervisory(.receiveReady, nr: nr, pollFinal: pf) }
func rnr(_ nr: UInt8, _ pf: Bool = true) -> SDLCControl { .supervisory(.receiveNotReady, nr: nr, pollFinal: pf) }
func rej(_ nr: UInt8, _ pf: Bool = true) -> SDLCControl { .supervisory(.reject, nr: nr, pollFinal: pf) }
func i(_ ns: UInt8, _ nr: UInt8, _ pf: Bool = false) -> SDLCControl { .information(ns: ns, nr: nr, pollFinal: pf) }

/// Small deterministic generator (xorshift64*) for split points and payloads.
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
