import Glibc

/// A TCP conversation over 127.0.0.1 with blocking sockets (bounded: a few small writes).
enum LoopbackTCP {
    static func address(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = port.bigEndian
        return address
    }

    /// A listener on 127.0.0.1 with a kernel-picked port.
    static func listen() throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(call: "socket") }
        var address = address(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && Glibc.listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else {
            close(fd)
            throw SocketError(call: "bind/listen")
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// Client says `request`, server answers `response`, client closes, then server.
    static func converse(port: UInt16, listener: Int32, request: [UInt8], response: [UInt8]) throws {
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard client >= 0 else { throw SocketError(call: "socket") }
        var address = address(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(client)
            throw SocketError(call: "connect")
        }
        let server = accept(listener, nil, nil)
        guard server >= 0 else {
            close(client)
            throw SocketError(call: "accept")
        }
        func exchange(_ from: Int32, _ to: Int32, _ bytes: [UInt8]) throws {
            guard bytes.withUnsafeBytes({ send(from, $0.baseAddress, $0.count, 0) }) == bytes.count else { throw SocketError(call: "send") }
            var buffer = [UInt8](repeating: 0, count: bytes.count)
            var got = 0
            while got < bytes.count {
                let n = buffer.withUnsafeMutableBytes { recv(to, $0.baseAddress! + got, bytes.count - got, 0) }
                guard n > 0 else { throw SocketError(call: "recv") }
                got += n
            }
        }
        try exchange(client, server, request)
        try exchange(server, client, response)
        close(client)
        close(server)
    }
}
