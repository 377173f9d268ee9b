import CNetMgrSerial
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Opening a serial port for NIO: `open(O_RDWR|O_NOCTTY|O_NONBLOCK)`, termios raw mode at the
/// device's speed (CLOCAL on: the modem lines are watched by `TTYModemLines`, never by the
/// kernel, so a carrier drop does not hang the descriptor up; HUPCL: closing drops DTR),
/// CRTSCTS if asked, then `NIOPipeBootstrap.takingOwnershipOfDescriptor(inputOutput:)`.
enum TTYPort {
    static func open(
        path: String, speed: Int, flowControl: TTYFlowControl, device: LineDevice, on loop: any EventLoop,
        initializer: @escaping @Sendable (any Channel, CInt, Bool?) throws -> Void
    ) -> EventLoopFuture<any Channel> {
        let descriptor = nm_serial_open_raw(path, CInt(speed), flowControl == .rtscts ? 1 : 0)
        guard descriptor >= 0 else {
            return loop.makeFailedFuture(LineOpenError(device: device, reason: String(cString: strerror(-descriptor))))
        }
        let carrier = TTYModemLines.probe(descriptor: descriptor)
        return NIOPipeBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try initializer(channel, descriptor, carrier) }
            }
            .takingOwnershipOfDescriptor(inputOutput: descriptor)
            .flatMapErrorThrowing { error in
                if let open = error as? LineOpenError { throw open }
                throw LineOpenError(device: device, reason: "\(error)")
            }
    }

    /// Opens the port with `install` making the line's connection in the channel initializer,
    /// given the port's modem lines where it has them: what the HDLC and the raw transports do
    /// alike. The future's value is that connection.
    static func openConnection<Connection: Sendable>(
        path: String, speed: Int, flowControl: TTYFlowControl, device: LineDevice, on loop: any EventLoop,
        install: @escaping @Sendable (any Channel, TTYModemLines?) throws -> Connection
    ) -> EventLoopFuture<Connection> {
        let made = NIOLockedValueBox<Connection?>(nil)
        return open(path: path, speed: speed, flowControl: flowControl, device: device, on: loop) { channel, descriptor, carrier in
            let modemLines = carrier.map { TTYModemLines(device: device, descriptor: descriptor, channel: channel, carrier: $0) }
            let connection = try install(channel, modemLines)
            made.withLockedValue { $0 = connection }
        }.flatMapThrowing { _ in
            guard let connection = made.withLockedValue({ $0 }) else { throw LineOpenError(device: device, reason: "the line's handlers were not installed") }
            return connection
        }
    }
}

/// A serial port carrying HDLC-framed SDLC frames (`tty:PATH@SPEED`): the same handlers as
/// the simulated TCP line. The connection's `modemLines` give DTR and DCD where the port has
/// them; DCD is not watched (a leased line's cable often does not wire it).
public struct TTYLineTransport: LineTransport {
    public let path: String
    public let speed: Int
    public let flowControl: TTYFlowControl
    let logger: Logger

    public init(path: String, speed: Int = LineDevice.defaultTTYSpeed, flowControl: TTYFlowControl = .none, logger: Logger) {
        self.path = path
        self.speed = speed
        self.flowControl = flowControl
        self.logger = logger
    }

    public var device: LineDevice { .tty(path: path, speed: speed, flowControl: flowControl) }

    public func open(on loop: any EventLoop, events: @escaping @Sendable (LineEvent) -> Void) -> EventLoopFuture<LineConnection> {
        let device = self.device
        let logger = self.logger
        let counters = NIOLockedValueBox(LineCounters())
        return TTYPort.openConnection(path: path, speed: speed, flowControl: flowControl, device: device, on: loop) { channel, modemLines in
            try HDLCLineHandlers.install(on: channel, device: device, counters: counters, logger: logger, events: events)
            return LineConnection(device: device, channel: channel, counters: counters, modemLines: modemLines)
        }
    }
}

/// A serial port carrying a raw character stream (`tty:PATH@SPEED`): basic mode, or a modem
/// dialogue before `RawLineConnection.upgradeToHDLC`. DCD changes are reported as
/// `RawLineEvent.carrier` (polled every 50 ms) where the port has modem lines.
public struct TTYRawLineTransport: RawLineTransport {
    public let path: String
    public let speed: Int
    public let flowControl: TTYFlowControl
    let logger: Logger

    public init(path: String, speed: Int = LineDevice.defaultTTYSpeed, flowControl: TTYFlowControl = .none, logger: Logger) {
        self.path = path
        self.speed = speed
        self.flowControl = flowControl
        self.logger = logger
    }

    public var device: LineDevice { .tty(path: path, speed: speed, flowControl: flowControl) }

    public func open(on loop: any EventLoop, events: @escaping @Sendable (RawLineEvent) -> Void) -> EventLoopFuture<RawLineConnection> {
        let device = self.device
        let logger = self.logger
        return TTYPort.openConnection(path: path, speed: speed, flowControl: flowControl, device: device, on: loop) { channel, modemLines in
            try RawLineHandlers.install(on: channel, device: device, logger: logger, modemLines: modemLines, events: events)
        }.map { connection in
            // Once active (on the loop): the poll stops itself when the channel is no longer active.
            connection.modemLineBox?.startMonitoring(rawEvents: events)
            return connection
        }
    }
}
