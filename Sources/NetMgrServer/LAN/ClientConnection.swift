import NIOCore
import NetMgrProtocol

/// One client's LAN connection: its sessions, and batched writes towards it.
final class ClientConnection {
    let channel: Channel
    let id: ObjectIdentifier
    var clientName: String?
    var remote: String
    /// Sessions by the client's id, each pointing at its LU.
    var sessions: [UInt32: (resource: String, lu: String)] = [:]
    /// A peer netmgrd that asked for this node's host connections.
    var watchesConnections = false
    private var flushScheduled = false
    private(set) var isClosed = false

    init(channel: Channel) {
        self.channel = channel
        self.id = ObjectIdentifier(channel)
        self.remote = channel.remoteAddress?.description ?? "?"
    }

    var hasSaidHello: Bool { clientName != nil }

    /// Writes a message; flushes once per event-loop tick however many were written.
    func send(_ message: ServerMessage) {
        guard !isClosed else { return }
        var buffer = channel.allocator.buffer(capacity: 64)
        message.encode(into: &buffer)
        channel.write(buffer, promise: nil)
        if !flushScheduled {
            flushScheduled = true
            channel.eventLoop.assumeIsolated().execute {
                self.flushScheduled = false
                self.channel.flush()
            }
        }
    }

    func close(after message: ServerMessage? = nil) {
        guard !isClosed else { return }
        if let message { send(message) }
        isClosed = true
        channel.writeAndFlush(channel.allocator.buffer(capacity: 0)).whenComplete { [channel] _ in
            channel.close(promise: nil)
        }
    }

    func markClosed() { isClosed = true }
}
