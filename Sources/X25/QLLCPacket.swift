import NIOCore

/// A QLLC control field (IBM QLLC, SNA over X.25): the second byte of a QLLC packet, which
/// rides in a Q=1 DATA packet. Commands and responses share QXID, QTEST and QRR.
public struct QLLCControl: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// QSM: set mode (opens the logical link), command.
    public static let setMode = Self(rawValue: 0x93)
    /// QDISC (command) / QRD (request disconnect, response).
    public static let disconnect = Self(rawValue: 0x53)
    /// QXID, command and response; the information field is an SNA XID.
    public static let exchangeIdentification = Self(rawValue: 0xBF)
    /// QTEST, command and response.
    public static let test = Self(rawValue: 0xF3)
    /// QRR: receive ready.
    public static let receiveReady = Self(rawValue: 0xF1)
    /// QUA: unnumbered acknowledgement, response.
    public static let unnumberedAcknowledgment = Self(rawValue: 0x73)
    /// QDM: disconnected mode, response.
    public static let disconnectedMode = Self(rawValue: 0x1F)
    /// QFRMR: frame reject, response.
    public static let frameReject = Self(rawValue: 0x97)

    public static let qsm = setMode
    public static let qdisc = disconnect
    public static let qxid = exchangeIdentification
    public static let qtest = test
    public static let qrr = receiveReady
    public static let qua = unnumberedAcknowledgment
    public static let qdm = disconnectedMode
    public static let qfrmr = frameReject

    public var isKnown: Bool { name != nil }

    private var name: String? {
        switch rawValue {
        case 0x93: return "QSM"
        case 0x53: return "QDISC"
        case 0xBF: return "QXID"
        case 0xF3: return "QTEST"
        case 0xF1: return "QRR"
        case 0x73: return "QUA"
        case 0x1F: return "QDM"
        case 0x97: return "QFRMR"
        default: return nil
        }
    }

    public var description: String { name ?? "Q(0x\(hex2(rawValue)))" }
}

/// A QLLC packet: byte 0 the address (0xFF on commands, 0x00 on responses), byte 1 the
/// control, then an information field (QXID: an SNA XID, QTEST: test data, QFRMR: the
/// rejected bytes). It is the user data of a Q=1 DATA packet (segmented with M like any).
public struct QLLCPacket: Hashable, Sendable {
    public var address: UInt8
    public var control: QLLCControl
    public var information: ByteBuffer

    public static let commandAddress: UInt8 = 0xFF
    public static let responseAddress: UInt8 = 0x00
    /// Longest information field accepted: a VTAM XID3 with its control vectors can be several
    /// hundred bytes, so 1024 leaves room; longer ones are refused.
    public static let maximumInformationLength = 1024

    public init(address: UInt8, control: QLLCControl, information: ByteBuffer = ByteBuffer()) {
        self.address = address
        self.control = control
        self.information = information
    }

    public static func command(_ control: QLLCControl, information: ByteBuffer = ByteBuffer()) -> QLLCPacket {
        QLLCPacket(address: commandAddress, control: control, information: information)
    }

    public static func response(_ control: QLLCControl, information: ByteBuffer = ByteBuffer()) -> QLLCPacket {
        QLLCPacket(address: responseAddress, control: control, information: information)
    }

    /// A QXID carrying XID format 0 of `nodeID` (a command from the primary, a response from
    /// the secondary).
    public static func exchangeIdentification(nodeID: XIDNodeID, nodeType: UInt8 = SNAXID.peripheralNodeType, command: Bool) -> QLLCPacket {
        let information = SNAXID.format0(nodeType: nodeType, nodeID: nodeID).information
        return QLLCPacket(address: command ? commandAddress : responseAddress, control: .exchangeIdentification, information: information)
    }

    public var isCommand: Bool { address == Self.commandAddress }

    /// The XID of a QXID with one (nil for an empty "null" QXID or another control).
    public func xid() throws(SNAParseError) -> SNAXID? {
        guard control == .exchangeIdentification, information.readableBytes > 0 else { return nil }
        return try SNAXID(parsing: information)
    }

    public init(parsing bytes: ByteBuffer) throws(QLLCPacketError) {
        let length = bytes.readableBytes
        guard length >= 2,
            let address = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self),
            let control = bytes.getInteger(at: bytes.readerIndex + 1, as: UInt8.self)
        else {
            throw .tooShort(length: length)
        }
        guard address == Self.commandAddress || address == Self.responseAddress else {
            throw .invalidAddress(address)
        }
        guard length - 2 <= Self.maximumInformationLength,
            let information = bytes.getSlice(at: bytes.readerIndex + 2, length: length - 2)
        else {
            throw .informationTooLong(length: length - 2, limit: Self.maximumInformationLength)
        }
        self.address = address
        self.control = QLLCControl(rawValue: control)
        self.information = information
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(address)
        buffer.writeInteger(control.rawValue)
        var information = information
        buffer.writeBuffer(&information)
    }

    public var bytes: ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 2 + information.readableBytes)
        write(into: &buffer)
        return buffer
    }
}

extension QLLCPacket: CustomStringConvertible {
    public var description: String {
        let info = information.readableBytes > 0 ? " +\(information.readableBytes) bytes" : ""
        return "[\(isCommand ? "cmd" : "rsp") \(control)\(info)]"
    }
}

public enum QLLCPacketError: Error, Hashable, Sendable, CustomStringConvertible {
    case tooShort(length: Int)
    /// Byte 0 is neither 0xFF (command) nor 0x00 (response).
    case invalidAddress(UInt8)
    case informationTooLong(length: Int, limit: Int)

    public var description: String {
        switch self {
        case .tooShort(let length): return "QLLC packet of \(length) byte(s) is shorter than address + control (2 bytes)"
        case .invalidAddress(let address): return "QLLC address 0x\(hex2(address)) at offset 0 is neither 0xFF nor 0x00"
        case .informationTooLong(let length, let limit):
            return "QLLC information field of \(length) bytes at offset 2 exceeds the limit of \(limit)"
        }
    }
}
