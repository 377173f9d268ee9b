/// Why a line device string cannot be used; the text names the device and what is expected.
public enum LineDeviceError: Error, Hashable, Sendable, CustomStringConvertible {
    case empty
    case serialNotSupported(path: String)
    case unknownScheme(device: String)
    case missingPort(device: String)
    case badHost(device: String, host: String)
    case badPort(device: String, port: String)

    public var description: String {
        let expected = "expected tcp:HOST:PORT (or xot:HOST:PORT for X.25 over TCP)"
        switch self {
        case .empty:
            return "line device is empty; \(expected)"
        case .serialNotSupported(let path):
            return "line device \(path): serial devices are not supported in this release; use a simulated line, \(expected)"
        case .unknownScheme(let device):
            return "line device \"\(device)\" is not understood; \(expected) (or a /dev path, once serial lines are supported)"
        case .missingPort(let device):
            return "line device \"\(device)\" has no port; \(expected)"
        case .badHost(let device, let host):
            return "line device \"\(device)\": \"\(host)\" is not a host name or address; \(expected)"
        case .badPort(let device, let port):
            return "line device \"\(device)\": port \"\(port)\" is not a number from 1 to 65535; \(expected)"
        }
    }
}
