import ISDN
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SDLC

/// What an open basic-rate interface reports, on its event loop.
public enum ISDNInterfaceEvent: Sendable {
    /// A frame on a channel: LAPD on `.d`, SDLC (address, control, info) on `.b1`/`.b2`.
    case frame(ISDNChannel, ByteBuffer)
    /// An HDLC frame was dropped (bad FCS, runt, abort, too long); the interface carries on.
    case framingError(HDLCFramingError)
    /// A frame with a bad channel byte was dropped.
    case badFrame(ISDNInterfaceFrameError)
    /// The interface closed (layer 1 deactivated): the peer went away (nil) or an error.
    case closed((any Error)?)
}

/// An open simulated basic-rate interface (the TCP connection to the exchange's port for
/// this subscriber). Safe to use from any thread; frames go out in order.
public final class ISDNInterfaceConnection: Sendable {
    public let device: LineDevice
    public let channel: any Channel
    let counterBox: NIOLockedValueBox<LineCounters>

    init(device: LineDevice, channel: any Channel, counters: NIOLockedValueBox<LineCounters>) {
        self.device = device
        self.channel = channel
        self.counterBox = counters
    }

    public var eventLoop: any EventLoop { channel.eventLoop }
    public var counters: LineCounters { counterBox.withLockedValue { $0 } }
    public var isActive: Bool { channel.isActive }

    /// Sends one frame on `channel` (D: a LAPD frame; B: an SDLC frame's bytes).
    public func send(_ channel: ISDNChannel, _ frame: ByteBuffer) {
        self.channel.writeAndFlush(ISDNInterfaceFrame(channel: channel, frame: frame), promise: nil)
    }

    /// Sends an SDLC frame on a B channel.
    public func send(_ channel: ISDNChannel, _ frame: SDLCFrame) {
        var bytes = ByteBuffer()
        bytes.writeInteger(frame.address)
        bytes.writeInteger(frame.control.byte)
        bytes.writeImmutableBuffer(frame.information)
        send(channel, bytes)
    }

    /// Closes the interface; `.closed(nil)` is reported through the events closure.
    @discardableResult
    public func close() -> EventLoopFuture<Void> {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.close(promise: promise)
        return promise.futureResult.recover { _ in }
    }

    /// The exchange's side: installs the BRI handlers on an accepted channel (call from the
    /// child channel initializer, on its event loop) and returns its connection.
    public static func serve(
        channel: any Channel, device: LineDevice, events: @escaping @Sendable (ISDNInterfaceEvent) -> Void
    ) throws -> ISDNInterfaceConnection {
        let counters = NIOLockedValueBox(LineCounters())
        try ISDNInterfaceHandlers.install(on: channel, counters: counters, events: events)
        return ISDNInterfaceConnection(device: device, channel: channel, counters: counters)
    }
}

/// Opens the basic-rate interface at `device` (`tcp:HOST:PORT`, the exchange's port for
/// this subscriber). Other device forms are refused.
public func openISDNInterface(
    device: LineDevice, on loop: any EventLoop, connectTimeout: TimeAmount = .seconds(3),
    events: @escaping @Sendable (ISDNInterfaceEvent) -> Void
) -> EventLoopFuture<ISDNInterfaceConnection> {
    guard case .tcp(let host, let port) = device else {
        return loop.makeFailedFuture(LineOpenError(device: device, reason: "an ISDN basic-rate interface is reached as tcp:HOST:PORT"))
    }
    let counters = NIOLockedValueBox(LineCounters())
    return connectHDLCLine(device: device, host: host, port: port, connectTimeout: connectTimeout, on: loop) { channel in
        try ISDNInterfaceHandlers.install(on: channel, counters: counters, events: events)
    }
    .map { ISDNInterfaceConnection(device: device, channel: $0, counters: counters) }
}

/// The BRI channel handlers: HDLC decoding into `[channel][frame]`, encoding of written
/// `ISDNInterfaceFrame`s, framing errors reported (never fatal), the close reported once.
public enum ISDNInterfaceHandlers {
    static func install(
        on channel: any Channel, counters: NIOLockedValueBox<LineCounters>, events: @escaping @Sendable (ISDNInterfaceEvent) -> Void
    ) throws {
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(HDLCLineHandlers.ByteCounter(counters: counters))
        try sync.addHandler(ByteToMessageHandler(ISDNInterfaceFrame.makeDecoder()))
        try sync.addHandler(
            HDLCLineHandlers.ContentReceiver(
                counters: counters, events: events,
                parse: { content throws(ISDNInterfaceFrameError) in
                    let frame = try ISDNInterfaceFrame(parsing: content)
                    return .frame(frame.channel, frame.frame)
                },
                unparsable: { .badFrame($0) }, framingError: { .framingError($0) }, closed: { .closed($0) }))
        try sync.addHandler(
            HDLCLineHandlers.ContentSender<ISDNInterfaceFrame>(
                counters: counters, size: { $0.frame.readableBytes }, encode: { $0.encode(into: &$1) }))
    }
}
