import BasicMode
import NIOConcurrencyHelpers
import NIOCore

/// Deterministic generator, so a noisy run can be repeated from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A bad line: each element the host sends is lost with `dropPercent` %, each chunk the
/// station sends gets one byte flipped with `flipPercent` %.
struct LineNoise {
    var seed: UInt64
    var dropPercent: Int
    var flipPercent: Int
}

/// The host's end of one line, in this process: bdlc-core's control station polling and
/// selecting one station on the test's event loop, optionally behind a noisy line.
final class InProcessHost: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    var station: BasicModeControlStation<Int>
    var decoder: BasicModeDecoder
    let encoder = BasicModeEncoder(coding: .ascii)
    var context: ChannelHandlerContext?
    var timer: Scheduled<Void>?
    var random: SplitMix64
    let noise: LineNoise?
    let delivered = NIOLockedValueBox<[Int]>([])
    let received = NIOLockedValueBox<[String]>([])
    let faults = NIOLockedValueBox((dropped: 0, flipped: 0))

    init(address: BasicModeStationAddress, messages: [(lu: UInt8, text: String)], noise: LineNoise?) {
        station = BasicModeControlStation(configuration: .init(
            coding: .ascii, stations: [address], replyTimeout: .milliseconds(300), receiveTimeout: .seconds(2), pollInterval: .milliseconds(20)))
        decoder = station.makeDecoder()
        self.noise = noise
        random = SplitMix64(seed: noise?.seed ?? 0)
        for (index, message) in messages.enumerated() {
            try? station.enqueue(tag: index, station: address, lu: message.lu, payload: ByteBuffer(string: message.text))
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        perform(station.start(now: .now()))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if let noise, bytes.readableBytes > 0, Int.random(in: 0..<100, using: &random) < noise.flipPercent {
            let offset = bytes.readerIndex + Int.random(in: 0..<bytes.readableBytes, using: &random)
            if let byte = bytes.getInteger(at: offset, as: UInt8.self) {
                bytes.setInteger(byte ^ (1 << UInt8.random(in: 0...7, using: &random)), at: offset)
                faults.withLockedValue { $0.flipped += 1 }
            }
        }
        while let output = decoder.decode(buffer: &bytes) { perform(station.receive(output, now: .now())) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    func perform(_ actions: [BasicModeControlStation<Int>.Action]) {
        guard let context else { return }
        var out = ByteBuffer()
        for action in actions {
            switch action {
            case .send(let element):
                if let noise, Int.random(in: 0..<100, using: &random) < noise.dropPercent {
                    faults.withLockedValue { $0.dropped += 1 }
                    continue
                }
                try? encoder.encode(element, into: &out)
            case .delivered(let tag): delivered.withLockedValue { $0.append(tag) }
            case .received(_, let lu, let payload): received.withLockedValue { $0.append("\(lu) \(String(buffer: payload))") }
            case .setTimer(let deadline):
                timer?.cancel()
                let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
                timer = context.eventLoop.scheduleTask(deadline: deadline) { bound.value.perform(bound.value.station.tick(now: .now())) }
            default: break
            }
        }
        if out.readableBytes > 0 { context.writeAndFlush(NIOAny(out), promise: nil) }
    }
}
