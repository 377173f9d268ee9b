import NIOCore
import NetMgrProtocol

/// One client's LAN connection: its sessions, and batched writes towards it.
final class ClientConnection {
    let channel: Channel
    let id: ObjectIdentifier
    var clientName: String?
    /// Who the peer is: set from its certificate when TLS completes, before HELLO is handled.
    var identity: ConnectionIdentity = .unauthenticated
    /// A TLS connection whose handshake has not completed (its identity is not known yet).
    var awaitingTLS = false
    var remote: String
    /// Sessions by the client's id, each pointing at its LU.
    var sessions: [UInt32: (resource: String, lu: String)] = [:]
    /// A peer netmgrd that asked for this node's host connections.
    var watchesConnections = false
    /// Host data records dropped because this client did not read, for its log lines.
    var droppedHostData = 0
    /// Unsent output past which the client is taken to be gone and the connection closed.
    var maximumUnsentBytes = Int.max
    /// Told when the connection is closed for passing `maximumUnsentBytes`.
    var onOutputOverflow: ((ClientConnection) -> Void)?
    /// An internal client (the TN server's emulator sessions): messages are handed to this
    /// instead of being encoded onto `channel`, which is then the emulator's connection.
    var deliver: ((ServerMessage) -> Void)?
    private var flushScheduled = false
    private(set) var isClosed = false

    /// How long a closing connection may take to deliver its last frame before it is
    /// closed anyway: a client that does not read must not keep its output alive.
    var closeGrace = TimeAmount.seconds(2)

    init(channel: Channel) {
        self.channel = channel
        self.id = ObjectIdentifier(channel)
        self.remote = channel.remoteAddress?.description ?? "?"
    }

    var hasSaidHello: Bool { clientName != nil }

    /// Whether the client keeps up: false while its unsent output is over the high-water mark.
    var isWritable: Bool { channel.isWritable }

    /// Bytes written to the connection and not yet sent to the client.
    var unsentBytes: Int {
        (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
    }

    /// Writes a message; flushes once per event-loop tick however many were written.
    func send(_ message: ServerMessage) {
        guard !isClosed else { return }
        if !channel.isWritable, unsentBytes > maximumUnsentBytes {
            // It has not read for so long that what it has not read is worthless to keep.
            isClosed = true
            channel.close(promise: nil)
            onOutputOverflow?(self)
            return
        }
        if let deliver { return deliver(message) }
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

    /// Sends `message` if given, then closes: once it is sent, or after `closeGrace`.
    func close(after message: ServerMessage? = nil) {
        guard !isClosed else { return }
        if let message { send(message) }
        isClosed = true
        let channel = self.channel
        let timeout = channel.eventLoop.scheduleTask(in: closeGrace) { channel.close(promise: nil) }
        channel.writeAndFlush(channel.allocator.buffer(capacity: 0)).whenComplete { _ in
            timeout.cancel()
            channel.close(promise: nil)
        }
    }

    func markClosed() { isClosed = true }
}
