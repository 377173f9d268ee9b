import NIOCore

/// A line that carries HDLC-framed bytes: something that can be opened into a
/// `LineConnection` on an event loop. The connection frames and unframes `SDLCFrame`s with
/// the HDLC codec (flags, transparency, CRC-16/X.25), so protocol code sees frames only.
///
/// `TCPLineTransport` is the simulated line (TCP on loopback to the line switch device
/// simulator). `TTYLineTransport` opens a serial port in raw mode and hands its descriptor to
/// NIO (`NIOPipeBootstrap`) with the same `HDLCLineHandlers`; `PacketLineTransport` sends
/// whole frames on a generic-HDLC interface through an AF_PACKET socket. Nothing above this
/// protocol changes.
public protocol LineTransport: Sendable {
    /// The device this transport opens, for messages.
    var device: LineDevice { get }

    /// Opens the line on `loop`. `events` runs on `loop` for every frame, framing error and
    /// the close. Fails with a `LineOpenError` naming the device.
    func open(on loop: any EventLoop, events: @escaping @Sendable (LineEvent) -> Void) -> EventLoopFuture<LineConnection>
}

/// The line could not be opened.
public struct LineOpenError: Error, CustomStringConvertible, Sendable {
    public var device: LineDevice
    public var reason: String

    public init(device: LineDevice, reason: String) {
        self.device = device
        self.reason = reason
    }

    public var description: String { "cannot open line device \(device): \(reason)" }
}
