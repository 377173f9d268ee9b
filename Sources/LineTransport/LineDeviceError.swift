/// Why a line device string cannot be used; the text names the device and what is expected.
public enum LineDeviceError: Error, Hashable, Sendable, CustomStringConvertible {
    case empty
    /// A path without a scheme (`/dev/ttyS1`): a serial port is written `tty:/dev/ttyS1@SPEED`.
    case barePath(path: String)
    case unknownScheme(device: String)
    case missingPort(device: String)
    case badHost(device: String, host: String)
    case badPort(device: String, port: String)
    /// `tty:PATH@SPEED` with a speed that is not a termios speed.
    case badSpeed(device: String, speed: String)
    /// `tty:PATH` whose path is not an absolute device path.
    case badPath(device: String, path: String)
    /// `tty:PATH@SPEED,OPTION` with an option other than `rtscts`.
    case badOption(device: String, option: String)
    /// `hdlc:IFNAME` whose name Linux would not accept.
    case badInterface(device: String, name: String)

    static let expected = "expected tcp:HOST:PORT, tty:/dev/PORT@SPEED, hdlc:IFNAME (or xot:HOST:PORT for X.25 over TCP)"

    public var description: String {
        let expected = Self.expected
        switch self {
        case .empty:
            return "line device is empty; \(expected)"
        case .barePath(let path):
            return "line device \(path): write a serial port as tty:\(path)@SPEED (e.g. tty:\(path)@9600), or a generic-HDLC interface as hdlc:IFNAME"
        case .unknownScheme(let device):
            return "line device \"\(device)\" is not understood; \(expected)"
        case .missingPort(let device):
            return "line device \"\(device)\" has no port; \(expected)"
        case .badHost(let device, let host):
            return "line device \"\(device)\": \"\(host)\" is not a host name or address; \(expected)"
        case .badPort(let device, let port):
            return "line device \"\(device)\": port \"\(port)\" is not a number from 1 to 65535; \(expected)"
        case .badSpeed(let device, let speed):
            return "line device \"\(device)\": speed \"\(speed)\" is not a serial port speed; expected one of \(LineDevice.ttySpeeds.map(String.init).joined(separator: ", ")) (default \(LineDevice.defaultTTYSpeed))"
        case .badPath(let device, let path):
            return "line device \"\(device)\": \"\(path)\" is not a device path; expected tty:/dev/PORT@SPEED, e.g. tty:/dev/ttyS1@9600"
        case .badOption(let device, let option):
            return "line device \"\(device)\": option \"\(option)\" is not understood; expected tty:/dev/PORT@SPEED or tty:/dev/PORT@SPEED,rtscts"
        case .badInterface(let device, let name):
            return "line device \"\(device)\": \"\(name)\" is not a network interface name (1 to \(LineDevice.maximumInterfaceNameLength) letters, digits, '.', '-', '_'); expected hdlc:IFNAME, e.g. hdlc:hdlc0"
        }
    }
}
