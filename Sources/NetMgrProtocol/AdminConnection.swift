import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One request/response exchange on a netmgrd admin socket (blocking; for commands, scripts and tests).
public enum AdminConnection {
    public struct Unreachable: Error, CustomStringConvertible {
        public var description: String
    }

    public static func exchange(_ request: AdminRequest, socket path: String) throws -> AdminResponse {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Unreachable(description: "cannot create a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
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
                errno == ENOENT ? "no such socket: is netmgrd running on this node?" : String(cString: strerror(errno))
            throw Unreachable(description: "\(path): \(reason)")
        }
        var line = try JSONEncoder().encode(request)
        line.append(UInt8(ascii: "\n"))
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else { throw Unreachable(description: "\(path): cannot send the request") }
        var reply = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !reply.contains(UInt8(ascii: "\n")) {
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { throw Unreachable(description: "\(path): netmgrd closed the connection without answering") }
            reply += chunk.prefix(count)
        }
        do {
            return try JSONDecoder().decode(AdminResponse.self, from: Data(reply))
        } catch {
            throw Unreachable(description: "\(path): unreadable answer from netmgrd: \(error)")
        }
    }
}
