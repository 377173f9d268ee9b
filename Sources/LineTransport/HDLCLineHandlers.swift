import Logging
import NIOConcurrencyHelpers
import NIOCore
import SDLC

/// The channel handlers every line transport installs: HDLC decoding of the received byte
/// stream into `SDLCFrame`s, HDLC encoding of frames written, framing errors logged and
/// counted (never fatal), and the close reported once.
public enum HDLCLineHandlers {
    /// Adds the handlers to `channel`'s pipeline; call from the channel initializer.
    static func install(
        on channel: any Channel, device: LineDevice, counters: NIOLockedValueBox<LineCounters>, logger: Logger,
        events: @escaping @Sendable (LineEvent) -> Void
    ) throws {
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(ByteCounter(counters: counters))
        try sync.addHandler(ByteToMessageHandler(HDLCFrameDecoder()))
        try sync.addHandler(FrameReceiver(device: device, counters: counters, logger: logger, events: events))
        try sync.addHandler(FrameSender(counters: counters))
    }

    /// Counts raw bytes both ways, before decoding and after encoding.
    final class ByteCounter: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        typealias OutboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let counters: NIOLockedValueBox<LineCounters>

        init(counters: NIOLockedValueBox<LineCounters>) { self.counters = counters }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let count = unwrapInboundIn(data).readableBytes
            counters.withLockedValue { $0.bytesReceived += count }
            context.fireChannelRead(data)
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            let count = unwrapOutboundIn(data).readableBytes
            counters.withLockedValue { $0.bytesSent += count }
            context.write(data, promise: promise)
        }
    }

    final class FrameReceiver: ChannelInboundHandler {
        typealias InboundIn = HDLCDecoderOutput
        let device: LineDevice
        let counters: NIOLockedValueBox<LineCounters>
        let logger: Logger
        let events: @Sendable (LineEvent) -> Void
        private var closedReported = false

        init(device: LineDevice, counters: NIOLockedValueBox<LineCounters>, logger: Logger, events: @escaping @Sendable (LineEvent) -> Void) {
            self.device = device
            self.counters = counters
            self.logger = logger
            self.events = events
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .frame(let content):
                do {
                    let frame = try SDLCFrame(parsing: content)
                    counters.withLockedValue { $0.framesReceived += 1 }
                    events(.frame(frame))
                } catch {
                    // The decoder only yields frames of 2+ bytes; kept for completeness.
                    counters.withLockedValue { $0.framingErrors += 1 }
                    logger.warning("line \(device): \(error)")
                }
            case .error(let error):
                counters.withLockedValue { $0.framingErrors += 1 }
                logger.warning("line \(device): frame dropped: \(error)")
                events(.framingError(error))
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            report(.closed(error))
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            report(.closed(nil))
            context.fireChannelInactive()
        }

        private func report(_ event: LineEvent) {
            guard !closedReported else { return }
            closedReported = true
            events(event)
        }
    }

    /// Encodes written `SDLCFrame`s with flags, transparency and FCS.
    final class FrameSender: ChannelOutboundHandler {
        typealias OutboundIn = SDLCFrame
        typealias OutboundOut = ByteBuffer
        let counters: NIOLockedValueBox<LineCounters>

        init(counters: NIOLockedValueBox<LineCounters>) { self.counters = counters }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            let frame = unwrapOutboundIn(data)
            var out = context.channel.allocator.buffer(capacity: frame.information.readableBytes + 8)
            HDLCFrameEncoder.encode(frame, into: &out)
            counters.withLockedValue { $0.framesSent += 1 }
            context.write(wrapOutboundOut(out), promise: promise)
        }
    }
}
