import NIOCore
import PacketCapture
import X25

/// X.25 over TCP (XOT, RFC 1613: 2-byte version 0, 2-byte length, packet) on the IP path:
/// every connection to or from port 1998, each with its own packet layer (an
/// `X25CallTracker` fed packets, no LAPB). The TCP client is taken as the DTE side (the
/// node dials the host's XOT listener). A wrong version, a bad length or a gap in the
/// stream ends the tracking of that direction: the framing cannot be trusted after it.
struct XOTStreamTracker {
    static let port: UInt16 = UInt16(XOTFraming.port)

    private struct Stream {
        var tracker = X25CallTracker()
        /// Bytes not yet a whole packet, per direction; bounded by the decoder's limit.
        var pending: [TCPDirection: ByteBuffer] = [:]
        var decoders: [TCPDirection: XOTFrameDecoder] = [:]
        var broken: Set<TCPDirection> = []
    }

    private var streams: [UInt64: Stream] = [:]
    private(set) var finished: [X25CallTracker] = []
    private(set) var connections = 0
    /// Directions whose XOT framing broke (bad version or length, a gap).
    private(set) var framingErrors = 0

    static func isXOT(_ connection: TCPConnection) -> Bool {
        connection.server.port == port || connection.client.port == port
    }

    mutating func opened(_ connection: TCPConnection) {
        connections += 1
        streams[connection.id] = Stream()
    }

    mutating func data(_ connection: TCPConnection, _ direction: TCPDirection, _ chunk: TCPStreamChunk, at time: CaptureTime) {
        guard var stream = streams[connection.id], !stream.broken.contains(direction) else { return }
        guard chunk.hasBytes else { return }
        var pending = stream.pending[direction] ?? ByteBuffer()
        pending.writeBytes(chunk.bytes)
        var decoder = stream.decoders[direction] ?? XOTFrameDecoder()
        let side: SITAHeader.Direction = (direction == .clientToServer) == (connection.server.port == Self.port) ? .fromLocal : .fromRemote
        do {
            while let packet = try decoder.decode(buffer: &pending) {
                stream.tracker.packet(packet, direction: side, at: ReportTime(time))
            }
            pending.discardReadBytes()
            stream.pending[direction] = pending
            stream.decoders[direction] = decoder
        } catch {
            // The framing cannot be trusted after a bad version or length.
            stream.broken.insert(direction)
            framingErrors += 1
            stream.pending[direction] = nil
        }
        streams[connection.id] = stream
    }

    mutating func gap(_ connection: TCPConnection, _ direction: TCPDirection) {
        guard var stream = streams[connection.id], stream.broken.insert(direction).inserted else { return }
        framingErrors += 1
        stream.pending[direction] = nil
        streams[connection.id] = stream
    }

    mutating func closed(_ connection: TCPConnection, reason: TCPCloseReason, at time: CaptureTime) {
        guard var stream = streams.removeValue(forKey: connection.id) else { return }
        switch reason {
        case .captureEnd: stream.tracker.finish(at: time)
        case .reset: stream.tracker.carrierLost(at: time, reason: "xot-reset")
        case .fin, .portReused: stream.tracker.carrierLost(at: time, reason: "xot-closed")
        }
        finished.append(stream.tracker)
    }

    /// Every call of every connection, numbered again in the order they were placed.
    var calls: [X25CallFacts] {
        var all = finished.flatMap(\.calls).sorted { ($0.callRequested, $0.index) < ($1.callRequested, $1.index) }
        for i in all.indices { all[i].index = i + 1 }
        return all
    }

    var x25Packets: Int { finished.reduce(0) { $0 + $1.x25Packets } }
    var unreadablePackets: Int { finished.reduce(0) { $0 + $1.unreadablePackets } }
}

/// The IP path's consumer: XOT connections to the X.25 tracker, the rest to TN3270's.
struct IPStreamRouter: TCPStreamConsumer {
    var telnet: ConnectionTracker
    var xot = XOTStreamTracker()

    mutating func connectionOpened(_ connection: TCPConnection, at time: CaptureTime, sawHandshake: Bool) -> TCPPayloadInterest {
        guard XOTStreamTracker.isXOT(connection) else { return telnet.connectionOpened(connection, at: time, sawHandshake: sawHandshake) }
        xot.opened(connection)
        return .both
    }

    mutating func streamData(_ connection: TCPConnection, _ direction: TCPDirection, _ chunk: TCPStreamChunk, at time: CaptureTime) -> Bool {
        guard XOTStreamTracker.isXOT(connection) else { return telnet.streamData(connection, direction, chunk, at: time) }
        xot.data(connection, direction, chunk, at: time)
        return true
    }

    mutating func streamGap(_ connection: TCPConnection, _ direction: TCPDirection, length: Int, streamOffset: UInt64, at time: CaptureTime) {
        guard XOTStreamTracker.isXOT(connection) else {
            telnet.streamGap(connection, direction, length: length, streamOffset: streamOffset, at: time)
            return
        }
        xot.gap(connection, direction)
    }

    mutating func connectionClosed(_ connection: TCPConnection, reason: TCPCloseReason, at time: CaptureTime) {
        guard XOTStreamTracker.isXOT(connection) else {
            telnet.connectionClosed(connection, reason: reason, at: time)
            return
        }
        xot.closed(connection, reason: reason, at: time)
    }
}
