import NIOCore

/// A modem status line as a tty reports it.
public enum ModemLine: Hashable, Sendable {
    /// DCD (data carrier detect, circuit 109): the modem has a connection.
    case dataCarrierDetect(Bool)
}

/// The modem control lines of a serial port: DTR out, DCD in. `nil` on `tcp:` and `hdlc:`
/// lines, and on a tty without modem lines (a pty). Safe from any thread; the futures
/// complete on the line's event loop.
public protocol ModemLineControl: Sendable {
    /// Raises (true) or drops (false) DTR (circuit 108/2). Dropping DTR makes a modem hang up.
    func setDataTerminalReady(_ on: Bool) -> EventLoopFuture<Void>
    /// Reads DCD now.
    func readCarrierDetect() -> EventLoopFuture<Bool>
}

/// A modem line operation failed.
public struct ModemLineError: Error, CustomStringConvertible, Sendable, Hashable {
    public var device: LineDevice
    public var reason: String

    public init(device: LineDevice, reason: String) {
        self.device = device
        self.reason = reason
    }

    public var description: String { "line device \(device): \(reason)" }
}

/// Reported as the close of an HDLC line that was upgraded from a raw tty line
/// (`RawLineConnection.upgradeToHDLC`) when DCD drops: the call is gone.
public struct LineCarrierLost: Error, CustomStringConvertible, Sendable, Hashable {
    public var device: LineDevice

    public init(device: LineDevice) { self.device = device }

    public var description: String { "line device \(device): carrier lost (DCD dropped)" }
}
