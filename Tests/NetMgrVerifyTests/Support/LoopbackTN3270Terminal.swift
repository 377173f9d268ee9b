#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import TN3270

/// A terminal on `TN3270ClientStateMachine` over a blocking socket bound to a chosen
/// source address (as a node binds its VIP or real address): negotiates, waits for the
/// host's screen, sends `enters` Enter records (each answered by a screen), then closes.
enum LoopbackTN3270Terminal {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    @discardableResult
    static func session(from source: String, to host: String, port: UInt16, lu: String?, deviceType: String = "IBM-3278-2-E", enters: Int = 2) throws -> TN3270Binding {
        let fd = try LoopbackSocket.connect(from: source, to: host, port: port)
        defer { close(fd) }
        var machine = TN3270ClientStateMachine(configuration: TN3270ClientConfiguration(luName: lu, deviceType: deviceType))
        var binding: TN3270Binding?
        var screens = 0
        while screens <= enters {
            let bytes = try LoopbackSocket.read(fd)
            guard !bytes.isEmpty else { throw Failure(description: "host closed after \(screens) screen(s)") }
            for action in machine.receive(ByteBuffer(bytes: bytes)) {
                switch action {
                case .send(let out): try LoopbackSocket.writeAll(fd, Array(out.readableBytesView))
                case .bound(let bound): binding = bound
                case .record:
                    screens += 1
                    if screens <= enters {
                        let enter = try machine.sendRecord(ByteBuffer(bytes: [0x7D, 0x40, 0x40, 0x11, 0x40, 0x40, 0xC8, 0xC9]))
                        try LoopbackSocket.writeAll(fd, Array(enter.bytes.readableBytesView))
                    }
                case .rejected(let reason): throw Failure(description: "rejected: \(reason)")
                case .close(let reason): throw Failure(description: "closed: \(reason)")
                default: break
                }
            }
        }
        guard let binding else { throw Failure(description: "never bound") }
        return binding
    }
}
