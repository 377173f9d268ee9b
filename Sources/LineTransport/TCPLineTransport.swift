import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The simulated line: HDLC-framed bytes over a TCP connection to the line switch device
/// simulator's port for this node (the definitions' `device: "tcp:HOST:PORT"`).
public struct TCPLineTransport: LineTransport {
    public let host: String
    public let port: Int
    public let connectTimeout: TimeAmount
    let logger: Logger

    public init(host: String, port: Int, connectTimeout: TimeAmount = .seconds(3), logger: Logger) {
        self.host = host
        self.port = port
        self.connectTimeout = connectTimeout
        self.logger = logger
    }

    public var device: LineDevice { .tcp(host: host, port: port) }

    public func open(on loop: any EventLoop, events: @escaping @Sendable (LineEvent) -> Void) -> EventLoopFuture<LineConnection> {
        let device = self.device
        let logger = self.logger
        let counters = NIOLockedValueBox(LineCounters())
        return connectHDLCLine(device: device, host: host, port: port, connectTimeout: connectTimeout, on: loop) { channel in
            try HDLCLineHandlers.install(on: channel, device: device, counters: counters, logger: logger, events: events)
        }
        .map { LineConnection(device: device, channel: $0, counters: counters) }
    }
}

/// Connects to an HDLC-framed line served over TCP (the line switch's node port, the
/// exchange's basic-rate interface port): no Nagle delay, the line's handlers installed by
/// `install` in the channel initializer, a failure told as the device's `LineOpenError`.
func connectHDLCLine(
    device: LineDevice, host: String, port: Int, connectTimeout: TimeAmount, on loop: any EventLoop,
    install: @escaping @Sendable (any Channel) throws -> Void
) -> EventLoopFuture<any Channel> {
    ClientBootstrap(group: loop)
        .connectTimeout(connectTimeout)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try install(channel) }
        }
        .connect(host: host, port: port)
        .flatMapErrorThrowing { error in
            throw LineOpenError(device: device, reason: "\(error)")
        }
}
