import Logging

/// The transport for a device string: parses it (`LineDevice.parse(device:)`) and picks
/// the implementation. Serial devices are refused there with a clear message.
public func makeLineTransport(device text: String, logger: Logger) throws(LineDeviceError) -> any LineTransport {
    try makeLineTransport(device: LineDevice.parse(device: text), logger: logger)
}

public func makeLineTransport(device: LineDevice, logger: Logger) -> any LineTransport {
    switch device {
    case .tcp(let host, let port):
        return TCPLineTransport(host: host, port: port, logger: logger)
    }
}
