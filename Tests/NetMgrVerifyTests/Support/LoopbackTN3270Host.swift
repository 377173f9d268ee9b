#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import NIOCore
import TN3270

/// A tiny TN3270/TN3270E host for loopback tests, on `TN3270ServerStateMachine`: grants
/// every LU asked for (a generic request gets `genericLU`), sends a screen with an input
/// field once bound, answers each terminal record with a fresh screen. Serves one
/// connection at a time on a thread of its own until `stop()`.
final class LoopbackTN3270Host: @unchecked Sendable {
    let address: String
    let port: UInt16
    private let listener: Int32
    private let configuration: TN3270ServerConfiguration
    private let done = DispatchSemaphore(value: 0)
    private let genericLU: String
    /// The connection being served, -1 between connections.
    private let current = Mutex<Int32>(-1)

    init(address: String, configuration: TN3270ServerConfiguration = TN3270ServerConfiguration(), genericLU: String = "GENLU001") throws {
        (listener, port) = try LoopbackSocket.listen(on: address)
        self.address = address
        self.configuration = configuration
        self.genericLU = genericLU
        let thread = Thread { [self] in
            while true {
                let fd = LoopbackSocket.accept(listener)
                guard fd >= 0 else { break }  // the listener was shut down
                current.withLock { $0 = fd }
                serve(fd)
                current.withLock { $0 = -1 }
            }
            done.signal()
        }
        thread.start()
    }

    /// Stops accepting, ends a connection still being served, and waits for the thread.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        current.withLock { if $0 >= 0 { shutdown($0, Int32(SHUT_RDWR)) } }
        done.wait()
        close(listener)
    }

    static var screen: ByteBuffer {
        // Erase/Write, restore the keyboard, a protected "HELLO" then an input field.
        TN3270DataStream.record(.eraseWrite, control: .keyboardRestore, orders: [
            0x11, 0x40, 0x40, 0x1D, 0x60, 0xC8, 0xC5, 0xD3, 0xD3, 0xD6, 0x1D, 0x40, 0x13,
        ])
    }

    private func serve(_ fd: Int32) {
        var machine = TN3270ServerStateMachine(configuration: configuration)
        var open = true
        func perform(_ actions: [TN3270ServerStateMachine.Action]) {
            for action in actions where open {
                switch action {
                case .send(let bytes):
                    if (try? LoopbackSocket.writeAll(fd, Array(bytes.readableBytesView))) == nil { open = false }
                case .luRequested(let request):
                    if let granted = try? machine.grant(luName: request.luName ?? genericLU) { perform(granted) }
                case .bound, .record:
                    if let record = try? machine.sendRecord(Self.screen) {
                        if (try? LoopbackSocket.writeAll(fd, Array(record.bytes.readableBytesView))) == nil { open = false }
                    }
                case .close:
                    open = false
                default:
                    break
                }
            }
        }
        perform(machine.start())
        while open {
            guard let bytes = try? LoopbackSocket.read(fd), !bytes.isEmpty else { break }
            perform(machine.receive(ByteBuffer(bytes: bytes)))
        }
        _ = machine.connectionClosed()
        close(fd)
    }
}
