import NIOCore
import Testing

@testable import TN3270

// Byte spellings used in the RFC examples.
let IAC: UInt8 = 255
let DONT: UInt8 = 254
let DO: UInt8 = 253
let WONT: UInt8 = 252
let WILL: UInt8 = 251
let SB: UInt8 = 250
let SE: UInt8 = 240
let EOR: UInt8 = 239
let NOP: UInt8 = 241
let BINARY: UInt8 = 0
let TIMING_MARK: UInt8 = 6
let TERMINAL_TYPE: UInt8 = 24
let END_OF_RECORD: UInt8 = 25
let TN3270E: UInt8 = 40

/// ASCII bytes of a string, for building vectors that read like the RFCs.
func ascii(_ string: String) -> [UInt8] { Array(string.utf8) }

func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

extension ByteBuffer {
    var bytes: [UInt8] { Array(self.readableBytesView) }
}

/// Deterministic generator so random splits are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Splits `bytes` into chunks at random points.
func randomSplits(_ bytes: [UInt8], using rng: inout SplitMix64) -> [[UInt8]] {
    var chunks: [[UInt8]] = []
    var index = 0
    while index < bytes.count {
        let length = Int.random(in: 1...max(1, min(9, bytes.count - index)), using: &rng)
        chunks.append(Array(bytes[index..<(index + length)]))
        index += length
    }
    return chunks
}

/// Decodes chunks with `TelnetDecoder` the way a NIO pipeline would: buffer,
/// decode until nil, then decodeLast. Adjacent data events are merged so
/// different splits compare equal.
func decodeTelnet(_ chunks: [[UInt8]]) throws -> [TelnetEvent] {
    var decoder = TelnetDecoder()
    var pending = ByteBuffer()
    var events: [TelnetEvent] = []
    for chunk in chunks {
        pending.writeBytes(chunk)
        while let event = try decoder.decode(buffer: &pending) { events.append(event) }
    }
    while let event = try decoder.decodeLast(buffer: &pending, seenEOF: true) { events.append(event) }
    return mergeData(events)
}

func mergeData(_ events: [TelnetEvent]) -> [TelnetEvent] {
    var merged: [TelnetEvent] = []
    for event in events {
        if case .data(var more) = event, case .data(var previous)? = merged.last {
            previous.writeBuffer(&more)
            merged[merged.count - 1] = .data(previous)
        } else {
            merged.append(event)
        }
    }
    return merged
}

extension TN3270ClientStateMachine.Action {
    var sentBytes: [UInt8]? {
        if case .send(let bytes) = self { return bytes.bytes }
        return nil
    }
}

extension TN3270ServerStateMachine.Action {
    var sentBytes: [UInt8]? {
        if case .send(let bytes) = self { return bytes.bytes }
        return nil
    }
}

/// All bytes the actions ask to send, concatenated.
func sent(_ actions: [TN3270ClientStateMachine.Action]) -> [UInt8] {
    actions.compactMap(\.sentBytes).flatMap { $0 }
}

func sent(_ actions: [TN3270ServerStateMachine.Action]) -> [UInt8] {
    actions.compactMap(\.sentBytes).flatMap { $0 }
}

func reports(_ actions: [TN3270ClientStateMachine.Action]) -> [TN3270ClientStateMachine.Action] {
    actions.filter { $0.sentBytes == nil }
}

func reports(_ actions: [TN3270ServerStateMachine.Action]) -> [TN3270ServerStateMachine.Action] {
    actions.filter { $0.sentBytes == nil }
}
