#if canImport(Glibc)
import Glibc
#endif

/// Blocking IPv4 TCP sockets on loopback addresses (127.0.0.0/8 is all local on Linux).
/// Every descriptor is close-on-exec: a program another test starts meanwhile must not
/// inherit a connection and keep it open after the test closed it.
enum LoopbackSocket {
    struct Failure: Error, CustomStringConvertible {
        var call: String
        var code: Int32 = errno
        var description: String { "\(call): \(String(cString: strerror(code)))" }
    }

    static func address(_ text: String, port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        _ = inet_pton(AF_INET, text, &address.sin_addr)
        address.sin_port = port.bigEndian
        return address
    }

    private static func withSockaddr<R>(_ address: inout sockaddr_in, _ body: (UnsafeMutablePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// A listener on `host` with a kernel-picked port.
    static func listen(on host: String) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = address(host, port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withSockaddr(&address) { pointer, size in
            bind(fd, pointer, size) == 0 && Glibc.listen(fd, 8) == 0 && getsockname(fd, pointer, &length) == 0
        }
        guard ok else {
            let failure = Failure(call: "bind/listen \(host)")
            close(fd)
            throw failure
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// Connects from `source` (bound first, so the host sees that address) to `host:port`.
    static func connect(from source: String, to host: String, port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket") }
        var local = address(source, port: 0)
        var remote = address(host, port: port)
        guard withSockaddr(&local, { bind(fd, $0, $1) }) == 0 else {
            let failure = Failure(call: "bind \(source)")
            close(fd)
            throw failure
        }
        guard withSockaddr(&remote, { Glibc.connect(fd, $0, $1) }) == 0 else {
            let failure = Failure(call: "connect \(host):\(port)")
            close(fd)
            throw failure
        }
        return fd
    }

    /// Accepts a connection (close-on-exec); -1 once the listener is shut down.
    static func accept(_ listener: Int32) -> Int32 {
        let fd = Glibc.accept(listener, nil, nil)
        if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(call: "send") }
            sent += n
        }
    }

    /// Up to 64 KiB; empty at end of stream.
    static func read(_ fd: Int32) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else { throw Failure(call: "recv") }
        return Array(buffer.prefix(n))
    }
}
