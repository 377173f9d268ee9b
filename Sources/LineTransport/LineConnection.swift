import NIOConcurrencyHelpers
import NIOCore
import SDLC

/// An open line: send frames, read counters, close. Frames arrive through the `events`
/// closure given to `LineTransport.open`. Safe to use from any thread; sends are carried out
/// on the connection's event loop in the order they were made.
public final class LineConnection: Sendable {
    public let device: LineDevice
    public let channel: any Channel
    let counterBox: NIOLockedValueBox<LineCounters>
    let modemLineBox: TTYModemLines?

    init(device: LineDevice, channel: any Channel, counters: NIOLockedValueBox<LineCounters>, modemLines: TTYModemLines? = nil) {
        self.device = device
        self.channel = channel
        self.counterBox = counters
        self.modemLineBox = modemLines
    }

    /// DTR and DCD of a `tty:` line whose port has modem lines; nil otherwise.
    public var modemLines: (any ModemLineControl)? { modemLineBox }

    public var eventLoop: any EventLoop { channel.eventLoop }
    public var counters: LineCounters { counterBox.withLockedValue { $0 } }
    public var isActive: Bool { channel.isActive }

    /// Frames and sends one SDLC frame.
    public func send(_ frame: SDLCFrame) {
        channel.writeAndFlush(frame, promise: nil)
    }

    /// Sends several frames with one flush.
    public func send(_ frames: [SDLCFrame]) {
        guard !frames.isEmpty else { return }
        for frame in frames { channel.write(frame, promise: nil) }
        channel.flush()
    }

    /// Closes the line; `.closed(nil)` is reported through the events closure.
    @discardableResult
    public func close() -> EventLoopFuture<Void> {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.close(promise: promise)
        return promise.futureResult.recover { _ in }  // already closed is fine
    }
}
