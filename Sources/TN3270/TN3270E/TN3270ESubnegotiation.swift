import NIOCore

/// The payload of IAC SB TN3270E ... IAC SE (RFC 2355 §4, §7), typed.
/// Parsing and serialising are exact inverses for every case.
public enum TN3270ESubnegotiation: Hashable, Sendable {
    /// SEND DEVICE-TYPE (server asks the client for its device type).
    case sendDeviceType
    /// DEVICE-TYPE REQUEST <device-type> [CONNECT <name> | ASSOCIATE <name>].
    case deviceTypeRequest(deviceType: String, target: TN3270ELUTarget)
    /// DEVICE-TYPE IS <device-type> CONNECT <device-name>.
    case deviceTypeIs(deviceType: String, deviceName: String)
    /// DEVICE-TYPE REJECT REASON <reason-code>.
    case deviceTypeReject(TN3270ERejectReason)
    /// FUNCTIONS REQUEST <function-list>.
    case functionsRequest([TN3270EFunction])
    /// FUNCTIONS IS <function-list>.
    case functionsIs([TN3270EFunction])
}

extension TN3270ESubnegotiation {
    /// Parses the payload that follows IAC SB TN3270E (IAC IAC already undone).
    public init(payload: ByteBuffer) throws(SubnegotiationParseError) {
        var reader = Reader(bytes: Array(payload.readableBytesView))
        let first = try reader.byte("command")
        switch first {
        case TN3270ECode.send:
            let what = try reader.byte("SEND object")
            guard what == TN3270ECode.deviceType else {
                throw reader.error("SEND of \(what) (only DEVICE-TYPE is defined)", back: 1)
            }
            try reader.end()
            self = .sendDeviceType
        case TN3270ECode.deviceType:
            self = try Self.parseDeviceType(&reader)
        case TN3270ECode.functions:
            let verb = try reader.byte("FUNCTIONS REQUEST or IS")
            let list = reader.rest().map(TN3270EFunction.init(rawValue:))
            switch verb {
            case TN3270ECode.request: self = .functionsRequest(list)
            case TN3270ECode.is: self = .functionsIs(list)
            default: throw SubnegotiationParseError(option: .tn3270e, offset: 1, reason: "FUNCTIONS followed by \(verb), not REQUEST (7) or IS (4)")
            }
        default:
            throw reader.error("unknown TN3270E command \(first)", back: 1)
        }
    }

    private static func parseDeviceType(_ reader: inout Reader) throws(SubnegotiationParseError) -> Self {
        let verb = try reader.byte("DEVICE-TYPE REQUEST, IS or REJECT")
        switch verb {
        case TN3270ECode.request:
            let deviceType = try reader.name("device-type", stoppingAt: [TN3270ECode.connect, TN3270ECode.associate])
            guard let marker = reader.peek() else { return .deviceTypeRequest(deviceType: deviceType, target: .any) }
            reader.skip()
            let name = try reader.name(marker == TN3270ECode.connect ? "CONNECT name" : "ASSOCIATE name", stoppingAt: [])
            let target: TN3270ELUTarget = marker == TN3270ECode.connect ? .connect(name) : .associate(name)
            return .deviceTypeRequest(deviceType: deviceType, target: target)
        case TN3270ECode.is:
            let deviceType = try reader.name("device-type", stoppingAt: [TN3270ECode.connect])
            guard reader.peek() == TN3270ECode.connect else {
                throw reader.error("DEVICE-TYPE IS without CONNECT <device-name>", back: 0)
            }
            reader.skip()
            let name = try reader.name("CONNECT name", stoppingAt: [])
            return .deviceTypeIs(deviceType: deviceType, deviceName: name)
        case TN3270ECode.reject:
            let reasonMarker = try reader.byte("REASON")
            guard reasonMarker == TN3270ECode.reason else {
                throw reader.error("REJECT followed by \(reasonMarker), not REASON (5)", back: 1)
            }
            let code = try reader.byte("reason code")
            try reader.end()
            return .deviceTypeReject(TN3270ERejectReason(code: code))
        default:
            throw reader.error("DEVICE-TYPE followed by \(verb), not REQUEST (7), IS (4) or REJECT (6)", back: 1)
        }
    }

    /// The payload bytes (without option byte, unescaped).
    public var payload: ByteBuffer {
        var buffer = ByteBuffer()
        switch self {
        case .sendDeviceType:
            buffer.writeBytes([TN3270ECode.send, TN3270ECode.deviceType])
        case .deviceTypeRequest(let deviceType, let target):
            buffer.writeBytes([TN3270ECode.deviceType, TN3270ECode.request])
            buffer.writeString(deviceType)
            switch target {
            case .any: break
            case .connect(let name):
                buffer.writeInteger(TN3270ECode.connect)
                buffer.writeString(name)
            case .associate(let name):
                buffer.writeInteger(TN3270ECode.associate)
                buffer.writeString(name)
            }
        case .deviceTypeIs(let deviceType, let deviceName):
            buffer.writeBytes([TN3270ECode.deviceType, TN3270ECode.is])
            buffer.writeString(deviceType)
            buffer.writeInteger(TN3270ECode.connect)
            buffer.writeString(deviceName)
        case .deviceTypeReject(let reason):
            buffer.writeBytes([TN3270ECode.deviceType, TN3270ECode.reject, TN3270ECode.reason, reason.code])
        case .functionsRequest(let list):
            buffer.writeBytes([TN3270ECode.functions, TN3270ECode.request])
            buffer.writeBytes(list.map(\.rawValue))
        case .functionsIs(let list):
            buffer.writeBytes([TN3270ECode.functions, TN3270ECode.is])
            buffer.writeBytes(list.map(\.rawValue))
        }
        return buffer
    }

    /// The whole IAC SB TN3270E ... IAC SE sequence, escaped.
    public var bytes: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeTelnetSubnegotiation(.tn3270e, payload: self.payload)
        return buffer
    }
}

/// Cursor over a (small) sub-negotiation payload.
private struct Reader {
    var bytes: [UInt8]
    var index = 0

    func error(_ reason: String, back: Int) -> SubnegotiationParseError {
        SubnegotiationParseError(option: .tn3270e, offset: self.index - back, reason: reason)
    }

    mutating func byte(_ what: String) throws(SubnegotiationParseError) -> UInt8 {
        guard self.index < self.bytes.count else {
            throw self.error("payload ends where \(what) was expected", back: 0)
        }
        defer { self.index += 1 }
        return self.bytes[self.index]
    }

    func peek() -> UInt8? {
        self.index < self.bytes.count ? self.bytes[self.index] : nil
    }

    mutating func skip() { self.index += 1 }

    mutating func rest() -> [UInt8] {
        defer { self.index = self.bytes.count }
        return Array(self.bytes[self.index...])
    }

    mutating func end() throws(SubnegotiationParseError) {
        guard self.index == self.bytes.count else {
            throw self.error("\(self.bytes.count - self.index) unexpected trailing bytes", back: 0)
        }
    }

    /// A printable-ASCII name (device type or LU name) up to one of the
    /// stop bytes or the end of the payload. Names are NVT ASCII (RFC 2355 §7.1).
    mutating func name(_ what: String, stoppingAt stops: Set<UInt8>) throws(SubnegotiationParseError) -> String {
        let start = self.index
        while let byte = self.peek(), !stops.contains(byte) {
            guard byte > 0x20 && byte < 0x7F else {
                throw self.error("byte \(byte) is not printable ASCII in the \(what)", back: 0)
            }
            self.index += 1
        }
        guard self.index > start else {
            throw self.error("empty \(what)", back: 0)
        }
        return String(decoding: self.bytes[start..<self.index], as: UTF8.self)
    }
}
