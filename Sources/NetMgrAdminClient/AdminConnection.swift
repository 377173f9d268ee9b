import Foundation
import NetMgrProtocol
#if canImport(Glibc)
import Glibc
#endif

/// One request/response exchange on a netmgrd admin socket (blocking; for commands, scripts
/// and tests), with a deadline: a netmgrd that accepts but never answers cannot hang the caller.
public enum AdminConnection {
    public struct Unreachable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Longest answer accepted (a status of a large node without `brief` is a few MiB).
    static let maximumAnswerBytes = 64 << 20

    /// How long to wait for the answer when the caller gives no timeout: what netmgrd may
    /// itself wait for an activation or deactivation (30 s unless the request says), plus 10 s.
    public static func defaultTimeout(for request: AdminRequest) -> Duration {
        let waited = request.timeoutSeconds.flatMap { $0.isFinite ? min(max($0, 0), 86_400) : nil } ?? 30
        return .milliseconds(Int64(waited * 1000)) + .seconds(10)
    }

    public static func exchange(_ request: AdminRequest, socket path: String, timeout: Duration? = nil) throws -> AdminResponse {
        let timeout = timeout ?? defaultTimeout(for: request)
        let deadline = ContinuousClock.now + timeout
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Unreachable(description: "cannot create a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // Bounds connect (a full listen backlog) and write; the read below polls against the deadline.
        var sendTimeout = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw Unreachable(description: "\(path): socket path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes + [0]) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let reason = errno == EACCES ? "permission denied (the admin socket is for the daemon's user)" :
                errno == ENOENT ? "no such socket: is netmgrd running on this node?" :
                errno == EAGAIN || errno == EINPROGRESS ? "netmgrd did not accept the connection within \(timeout)" : String(cString: strerror(errno))
            throw Unreachable(description: "\(path): \(reason)")
        }
        var line = try JSONEncoder().encode(request)
        line.append(UInt8(ascii: "\n"))
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else {
            let reason = errno == EAGAIN ? "netmgrd did not take the request within \(timeout)" : "cannot send the request"
            throw Unreachable(description: "\(path): \(reason)")
        }
        var reply = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !reply.contains(UInt8(ascii: "\n")) {
            let left = deadline - ContinuousClock.now
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = left <= .zero ? 0 : Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            let polled = poll(&ready, 1, milliseconds)
            if polled < 0, errno == EINTR { continue }
            guard polled > 0 else {
                throw Unreachable(description: "\(path): netmgrd did not answer within \(timeout) (\(request.command.rawValue) request)")
            }
            let count = read(fd, &chunk, chunk.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw Unreachable(description: "\(path): netmgrd closed the connection without answering") }
            reply += chunk.prefix(count)
            guard reply.count <= maximumAnswerBytes else {
                throw Unreachable(description: "\(path): answer longer than \(maximumAnswerBytes >> 20) MiB without a line end")
            }
        }
        do {
            return try JSONDecoder().decode(AdminResponse.self, from: Data(reply))
        } catch {
            throw Unreachable(description: "\(path): unreadable answer from netmgrd: \(error)")
        }
    }
}
