import NIOCore

/// A LAN frame that could not be understood. The connection is closed after one of these.
public struct LANProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

// Frame layout: UInt32 length (of what follows), UInt8 type, body. Strings are UInt16
// length + UTF-8; payloads are UInt32 length + bytes; integers are big-endian.
enum FrameType: UInt8 {
    case hello = 0x01, open = 0x02, data = 0x03, close = 0x04, ping = 0x05, watchConnections = 0x06
    case welcome = 0x81, resource = 0x82, tableEnd = 0x83, opened = 0x84, session = 0x85
    case ack = 0x86, hostData = 0x87, error = 0x88, closed = 0x89, pong = 0x8A, goodbye = 0x8B, hostConnection = 0x8C
}

extension ByteBuffer {
    @inlinable mutating func writeLANString(_ string: String) {
        let start = writerIndex
        writeInteger(UInt16(0))  // patched below once the length is known
        let length = writeString(string)
        setInteger(UInt16(truncatingIfNeeded: length), at: start)
    }

    mutating func readLANString(_ what: String) throws(LANProtocolError) -> String {
        guard let length = readInteger(as: UInt16.self) else { throw LANProtocolError("\(what): missing length") }
        guard let string = readString(length: Int(length)) else {
            throw LANProtocolError("\(what): \(length) bytes announced, \(readableBytes) present")
        }
        return string
    }

    mutating func readLANPayload(_ what: String) throws(LANProtocolError) -> ByteBuffer {
        guard let length = readInteger(as: UInt32.self) else { throw LANProtocolError("\(what): missing payload length") }
        guard let payload = readSlice(length: Int(length)) else {
            throw LANProtocolError("\(what): payload of \(length) bytes announced, \(readableBytes) present")
        }
        return payload
    }

    mutating func readLANInteger<T: FixedWidthInteger>(_ what: String, as: T.Type = T.self) throws(LANProtocolError) -> T {
        guard let value = readInteger(as: T.self) else { throw LANProtocolError("\(what): truncated") }
        return value
    }

    /// Writes `body` framed with its length.
    @inlinable mutating func writeLANFrame(type: UInt8, _ body: (inout ByteBuffer) -> Void) {
        let start = writerIndex
        writeInteger(UInt32(0))  // patched below once the length is known
        writeInteger(type)
        body(&self)
        setInteger(UInt32(writerIndex - start - 4), at: start)
    }
}

extension ClientMessage {
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .hello(let minVersion, let maxVersion, let client):
            buffer.writeLANFrame(type: FrameType.hello.rawValue) {
                $0.writeInteger(minVersion); $0.writeInteger(maxVersion); $0.writeLANString(client)
            }
        case .open(let session, let resource, let lu):
            buffer.writeLANFrame(type: FrameType.open.rawValue) {
                $0.writeInteger(session); $0.writeLANString(resource); $0.writeLANString(lu)
            }
        case .data(let session, let sequence, let payload):
            buffer.writeLANFrame(type: FrameType.data.rawValue) {
                $0.writeInteger(session); $0.writeInteger(sequence)
                $0.writeInteger(UInt32(payload.readableBytes)); $0.writeImmutableBuffer(payload)
            }
        case .close(let session):
            buffer.writeLANFrame(type: FrameType.close.rawValue) { $0.writeInteger(session) }
        case .ping(let token):
            buffer.writeLANFrame(type: FrameType.ping.rawValue) { $0.writeInteger(token) }
        case .watchConnections:
            buffer.writeLANFrame(type: FrameType.watchConnections.rawValue) { _ in }
        }
    }

    /// Parses one frame's type and body (the length prefix already removed).
    public static func decode(frame: inout ByteBuffer) throws(LANProtocolError) -> ClientMessage {
        let typeByte: UInt8 = try frame.readLANInteger("frame type")
        guard let type = FrameType(rawValue: typeByte) else { throw LANProtocolError("unknown client frame type 0x\(String(typeByte, radix: 16))") }
        let message: ClientMessage
        switch type {
        case .hello:
            message = .hello(minVersion: try frame.readLANInteger("HELLO min version"), maxVersion: try frame.readLANInteger("HELLO max version"),
                             client: try frame.readLANString("HELLO client name"))
        case .open:
            message = .open(session: try frame.readLANInteger("OPEN session"), resource: try frame.readLANString("OPEN resource"),
                            lu: try frame.readLANString("OPEN LU"))
        case .data:
            message = .data(session: try frame.readLANInteger("DATA session"), sequence: try frame.readLANInteger("DATA sequence"),
                            payload: try frame.readLANPayload("DATA"))
        case .close:
            message = .close(session: try frame.readLANInteger("CLOSE session"))
        case .ping:
            message = .ping(token: try frame.readLANInteger("PING token"))
        case .watchConnections:
            message = .watchConnections
        default:
            throw LANProtocolError("server frame type 0x\(String(typeByte, radix: 16)) sent by a client")
        }
        guard frame.readableBytes == 0 else { throw LANProtocolError("\(type) frame has \(frame.readableBytes) trailing bytes") }
        return message
    }
}

extension ServerMessage {
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .welcome(let version, let node, let cluster):
            buffer.writeLANFrame(type: FrameType.welcome.rawValue) {
                $0.writeInteger(version); $0.writeLANString(node); $0.writeLANString(cluster)
            }
        case .resource(let name, let state, let epoch, let node):
            buffer.writeLANFrame(type: FrameType.resource.rawValue) {
                $0.writeLANString(name); $0.writeInteger(state.rawValue); $0.writeInteger(epoch); $0.writeLANString(node)
            }
        case .tableEnd:
            buffer.writeLANFrame(type: FrameType.tableEnd.rawValue) { _ in }
        case .opened(let session, let state, let hostAddress):
            buffer.writeLANFrame(type: FrameType.opened.rawValue) {
                $0.writeInteger(session); $0.writeInteger(state.rawValue); $0.writeLANString(hostAddress)
            }
        case .session(let session, let state, let detail):
            buffer.writeLANFrame(type: FrameType.session.rawValue) {
                $0.writeInteger(session); $0.writeInteger(state.rawValue); $0.writeLANString(detail)
            }
        case .ack(let session, let sequence):
            buffer.writeLANFrame(type: FrameType.ack.rawValue) { $0.writeInteger(session); $0.writeInteger(sequence) }
        case .hostData(let session, let sequence, let payload):
            buffer.writeLANFrame(type: FrameType.hostData.rawValue) {
                $0.writeInteger(session); $0.writeInteger(sequence)
                $0.writeInteger(UInt32(payload.readableBytes)); $0.writeImmutableBuffer(payload)
            }
        case .error(let session, let code, let sequence, let message):
            buffer.writeLANFrame(type: FrameType.error.rawValue) {
                $0.writeInteger(session); $0.writeInteger(code.rawValue); $0.writeInteger(sequence); $0.writeLANString(message)
            }
        case .closed(let session):
            buffer.writeLANFrame(type: FrameType.closed.rawValue) { $0.writeInteger(session) }
        case .pong(let token):
            buffer.writeLANFrame(type: FrameType.pong.rawValue) { $0.writeInteger(token) }
        case .goodbye(let reason):
            buffer.writeLANFrame(type: FrameType.goodbye.rawValue) { $0.writeLANString(reason) }
        case .hostConnection(let info):
            buffer.writeLANFrame(type: FrameType.hostConnection.rawValue) {
                $0.writeLANString(info.resource); $0.writeLANString(info.lu); $0.writeInteger(UInt8(info.up ? 1 : 0))
                $0.writeLANString(info.localAddress); $0.writeInteger(info.localPort)
                $0.writeLANString(info.remoteAddress); $0.writeInteger(info.remotePort)
            }
        }
    }

    public static func decode(frame: inout ByteBuffer) throws(LANProtocolError) -> ServerMessage {
        let typeByte: UInt8 = try frame.readLANInteger("frame type")
        guard let type = FrameType(rawValue: typeByte) else { throw LANProtocolError("unknown server frame type 0x\(String(typeByte, radix: 16))") }
        let message: ServerMessage
        switch type {
        case .welcome:
            message = .welcome(version: try frame.readLANInteger("WELCOME version"), node: try frame.readLANString("WELCOME node"),
                               cluster: try frame.readLANString("WELCOME cluster"))
        case .resource:
            let name = try frame.readLANString("RESOURCE name")
            let raw: UInt8 = try frame.readLANInteger("RESOURCE state")
            guard let state = ResourceState(rawValue: raw) else { throw LANProtocolError("RESOURCE \(name): unknown state \(raw)") }
            message = .resource(name: name, state: state, epoch: try frame.readLANInteger("RESOURCE epoch"), node: try frame.readLANString("RESOURCE node"))
        case .tableEnd:
            message = .tableEnd
        case .opened:
            let session: UInt32 = try frame.readLANInteger("OPENED session")
            message = .opened(session: session, state: try Self.sessionState(&frame, "OPENED"), hostAddress: try frame.readLANString("OPENED host address"))
        case .session:
            let session: UInt32 = try frame.readLANInteger("SESSION session")
            message = .session(session: session, state: try Self.sessionState(&frame, "SESSION"), detail: try frame.readLANString("SESSION detail"))
        case .ack:
            message = .ack(session: try frame.readLANInteger("ACK session"), sequence: try frame.readLANInteger("ACK sequence"))
        case .hostData:
            message = .hostData(session: try frame.readLANInteger("HOST-DATA session"), sequence: try frame.readLANInteger("HOST-DATA sequence"),
                                payload: try frame.readLANPayload("HOST-DATA"))
        case .error:
            let session: UInt32 = try frame.readLANInteger("ERROR session")
            let raw: UInt16 = try frame.readLANInteger("ERROR code")
            guard let code = LANErrorCode(rawValue: raw) else { throw LANProtocolError("ERROR: unknown code \(raw)") }
            message = .error(session: session, code: code, sequence: try frame.readLANInteger("ERROR sequence"), message: try frame.readLANString("ERROR message"))
        case .closed:
            message = .closed(session: try frame.readLANInteger("CLOSED session"))
        case .pong:
            message = .pong(token: try frame.readLANInteger("PONG token"))
        case .goodbye:
            message = .goodbye(reason: try frame.readLANString("GOODBYE reason"))
        case .hostConnection:
            let resource = try frame.readLANString("HOST-CONNECTION resource")
            let lu = try frame.readLANString("HOST-CONNECTION LU")
            let up: UInt8 = try frame.readLANInteger("HOST-CONNECTION state")
            message = .hostConnection(HostConnectionInfo(
                resource: resource, lu: lu, up: up != 0,
                localAddress: try frame.readLANString("HOST-CONNECTION local address"), localPort: try frame.readLANInteger("HOST-CONNECTION local port"),
                remoteAddress: try frame.readLANString("HOST-CONNECTION remote address"), remotePort: try frame.readLANInteger("HOST-CONNECTION remote port")))
        default:
            throw LANProtocolError("client frame type 0x\(String(typeByte, radix: 16)) sent by a server")
        }
        guard frame.readableBytes == 0 else { throw LANProtocolError("\(type) frame has \(frame.readableBytes) trailing bytes") }
        return message
    }

    private static func sessionState(_ frame: inout ByteBuffer, _ what: String) throws(LANProtocolError) -> SessionState {
        let raw: UInt8 = try frame.readLANInteger("\(what) state")
        guard let state = SessionState(rawValue: raw) else { throw LANProtocolError("\(what): unknown session state \(raw)") }
        return state
    }
}

/// Splits a byte stream into frames (length prefix removed). Single-step, so it works
/// with NIO's `NIOSingleStepByteToMessageProcessor` and on any split of the input.
///
/// The first frame may be held to a smaller limit than the rest: on a server the first
/// frame must be HELLO, so an unauthenticated peer cannot make it buffer a large frame.
public struct LANFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// The largest frame length accepted after the first frame.
    public let maximumFrameLength: Int
    /// The largest frame length accepted for the first frame.
    public let firstFrameLimit: Int
    private var framesDecoded = 0

    public init(maximumFrameLength: Int = LANProtocol.maximumFrameLength, firstFrameLimit: Int? = nil) {
        self.maximumFrameLength = maximumFrameLength
        self.firstFrameLimit = firstFrameLimit ?? maximumFrameLength
    }

    /// The limit a server applies: HELLO first, small; then the protocol's maximum.
    public static func server() -> LANFrameDecoder {
        LANFrameDecoder(firstFrameLimit: LANProtocol.maximumHelloFrameLength)
    }

    /// The most bytes a `ByteToMessageHandler` around this decoder needs to hold: one
    /// whole frame of the largest length and its prefix.
    public var maximumBufferSize: Int { max(maximumFrameLength, firstFrameLimit) + 4 }

    public mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        let limit = framesDecoded == 0 ? firstFrameLimit : maximumFrameLength
        guard length >= 1, length <= limit else {
            let which = framesDecoded == 0 && firstFrameLimit < maximumFrameLength ? "first frame (HELLO) length" : "frame length"
            throw LANProtocolError("\(which) \(length) is outside 1...\(limit)")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        framesDecoded = 1
        return buffer.readSlice(length: Int(length))
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        try decode(buffer: &buffer)
    }
}
