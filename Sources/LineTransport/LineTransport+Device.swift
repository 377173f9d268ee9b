import Logging
import NIOCore

/// The transport for a device string: parses it (`LineDevice.parse(device:)`) and picks
/// the implementation: `TCPLineTransport`, `TTYLineTransport`, `PacketLineTransport`.
public func makeLineTransport(device text: String, logger: Logger) throws(LineDeviceError) -> any LineTransport {
    try makeLineTransport(device: LineDevice.parse(device: text), logger: logger)
}

public func makeLineTransport(device: LineDevice, logger: Logger) -> any LineTransport {
    switch device {
    case .tcp(let host, let port):
        return TCPLineTransport(host: host, port: port, logger: logger)
    case .tty(let path, let speed, let flowControl):
        return TTYLineTransport(path: path, speed: speed, flowControl: flowControl, logger: logger)
    case .hdlc(let interface):
        return PacketLineTransport(interface: interface, logger: logger)
    case .xot:
        return UnframedDeviceTransport(device: device)
    }
}

/// An XOT device asked for as an HDLC line: it has no HDLC frames, so opening fails with a
/// message saying what to use instead (`XOTTransport`).
struct UnframedDeviceTransport: LineTransport {
    let device: LineDevice

    func open(on loop: any EventLoop, events: @escaping @Sendable (LineEvent) -> Void) -> EventLoopFuture<LineConnection> {
        loop.makeFailedFuture(LineOpenError(device: device, reason: "an XOT device carries X.25 packets, not HDLC frames; open it with XOTTransport"))
    }
}
