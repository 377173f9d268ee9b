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
        try sync.addHandler(frameReceiver(device: device, counters: counters, logger: logger, events: events))
        try sync.addHandler(frameSender(counters: counters))
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

    /// The SDLC line's receiver: frames become `LineEvent.frame`; framing errors are logged.
    static func frameReceiver(
        device: LineDevice, counters: NIOLockedValueBox<LineCounters>, logger: Logger, events: @escaping @Sendable (LineEvent) -> Void
    ) -> ContentReceiver<LineEvent, SDLCFrameError> {
        ContentReceiver(
            counters: counters, events: events,
            parse: { content throws(SDLCFrameError) in .frame(try SDLCFrame(parsing: content)) },
            unparsable: { error in
                // The decoder only yields frames of 2+ bytes; kept for completeness.
                logger.warning("line \(device): \(error)")
                return nil
            },
            framingError: { error in
                logger.warning("line \(device): frame dropped: \(error)")
                return .framingError(error)
            },
            closed: { .closed($0) })
    }

    /// Turns the HDLC decoder's output into a line's events: what every HDLC-framed line does
    /// alike (SDLC lines, the ISDN basic-rate interface). Frames and framing errors are counted;
    /// a frame whose content does not parse counts as a framing error; the close is reported once.
    final class ContentReceiver<Event, ParseError: Error>: ChannelInboundHandler {
        typealias InboundIn = HDLCDecoderOutput
        let counters: NIOLockedValueBox<LineCounters>
        let events: @Sendable (Event) -> Void
        /// A frame's content as the line's event.
        let parse: (ByteBuffer) throws(ParseError) -> Event
        /// The event for content that did not parse, if any.
        let unparsable: (ParseError) -> Event?
        /// The event for a framing error (bad FCS, abort, too long), if any.
        let framingError: (HDLCFramingError) -> Event?
        let closed: ((any Error)?) -> Event
        private var closedReported = false

        init(
            counters: NIOLockedValueBox<LineCounters>, events: @escaping @Sendable (Event) -> Void,
            parse: @escaping (ByteBuffer) throws(ParseError) -> Event, unparsable: @escaping (ParseError) -> Event?,
            framingError: @escaping (HDLCFramingError) -> Event?, closed: @escaping ((any Error)?) -> Event
        ) {
            self.counters = counters
            self.events = events
            self.parse = parse
            self.unparsable = unparsable
            self.framingError = framingError
            self.closed = closed
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .frame(let content):
                do throws(ParseError) {
                    let event = try parse(content)
                    counters.withLockedValue { $0.framesReceived += 1 }
                    events(event)
                } catch {
                    counters.withLockedValue { $0.framingErrors += 1 }
                    if let event = unparsable(error) { events(event) }
                }
            case .error(let error):
                counters.withLockedValue { $0.framingErrors += 1 }
                if let event = framingError(error) { events(event) }
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            report(closed(error))
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            report(closed(nil))
            context.fireChannelInactive()
        }

        private func report(_ event: Event) {
            guard !closedReported else { return }
            closedReported = true
            events(event)
        }
    }

    /// The SDLC line's sender: frames with flags, transparency and FCS.
    static func frameSender(counters: NIOLockedValueBox<LineCounters>) -> ContentSender<SDLCFrame> {
        ContentSender(counters: counters, size: { $0.information.readableBytes }, encode: { HDLCFrameEncoder.encode($0, into: &$1) })
    }

    /// Encodes written frames of an HDLC-framed line and counts them.
    final class ContentSender<Frame>: ChannelOutboundHandler {
        typealias OutboundIn = Frame
        typealias OutboundOut = ByteBuffer
        let counters: NIOLockedValueBox<LineCounters>
        /// About how many bytes the frame takes before framing (for the buffer's capacity).
        let size: (Frame) -> Int
        let encode: (Frame, inout ByteBuffer) -> Void

        init(counters: NIOLockedValueBox<LineCounters>, size: @escaping (Frame) -> Int, encode: @escaping (Frame, inout ByteBuffer) -> Void) {
            self.counters = counters
            self.size = size
            self.encode = encode
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            let frame = unwrapOutboundIn(data)
            var out = context.channel.allocator.buffer(capacity: size(frame) + 8)
            encode(frame, &out)
            counters.withLockedValue { $0.framesSent += 1 }
            context.write(wrapOutboundOut(out), promise: promise)
        }
    }
}
