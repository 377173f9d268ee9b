import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Why the host simulator could not run.
public enum TN3270HostError: Error, CustomStringConvertible {
    /// Binding the listening socket failed (address in use, not a local address, ...).
    case cannotListen(host: String, port: Int, underlying: any Error)
    /// The TLS files could not be used (which file, what is wrong).
    case tls(String)

    public var description: String {
        switch self {
        case .cannotListen(let host, let port, let underlying):
            let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            return "cannot listen for TN3270 on \(address): \(Self.explain(underlying))"
        case .tls(let problem):
            return problem
        }
    }

    private static func explain(_ error: any Error) -> String {
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        return "\(error)"
    }
}
