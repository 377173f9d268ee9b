import NIOCore

/// An X.25 packet (ITU-T X.25 layer 3, modulo 8), as carried in a LAPB I-frame or after an
/// XOT header: byte 0 the general format identifier (Q 0x80, D 0x40, 0x10 = modulo 8) and the
/// logical channel group number, byte 1 the logical channel number, byte 2 the packet type,
/// then the type's fields.
public struct X25Packet: Hashable, Sendable {
    /// Q bit (qualified data). Only DATA packets carry it; in call set-up packets the bit is
    /// the A bit (TOA/NPI address format), which this module does not support.
    public var qualifier: Bool
    /// D bit (delivery confirmation), in DATA and call set-up packets.
    public var deliveryConfirmation: Bool
    /// LCGN << 8 | LCN (0...4095); 0 for RESTART and DIAGNOSTIC.
    public var logicalChannel: UInt16
    public var body: X25PacketBody

    public static let headerLength = 3
    public static let modulo8: UInt8 = 0x10
    public static let qualifierBit: UInt8 = 0x80
    public static let deliveryConfirmationBit: UInt8 = 0x40
    /// Largest packet `init(parsing:)` accepts by default: 4096 data bytes plus the header.
    public static let defaultMaximumLength = 4096 + headerLength
    /// Call user data: at most 16 bytes, 128 with fast select.
    public static let maximumCallUserDataLength = 128

    public init(logicalChannel: UInt16, body: X25PacketBody, qualifier: Bool = false, deliveryConfirmation: Bool = false) {
        self.qualifier = qualifier
        self.deliveryConfirmation = deliveryConfirmation
        self.logicalChannel = logicalChannel & 0x0FFF
        self.body = body
    }

    public var logicalChannelGroup: UInt8 { UInt8(truncatingIfNeeded: logicalChannel >> 8) & 0x0F }
    public var logicalChannelNumber: UInt8 { UInt8(truncatingIfNeeded: logicalChannel) }

    /// Decodes a whole packet; data and user data are slices of `bytes`.
    public init(parsing bytes: ByteBuffer, maximumLength: Int = X25Packet.defaultMaximumLength) throws(X25PacketError) {
        let length = bytes.readableBytes
        guard length <= maximumLength else {
            throw X25PacketError(field: "packet", offset: 0, reason: .tooLong(length: length, limit: maximumLength))
        }
        guard length >= Self.headerLength,
            let header = bytes.getBytes(at: bytes.readerIndex, length: Self.headerLength)
        else {
            throw X25PacketError(field: "packet header", offset: 0, reason: .truncated(needed: Self.headerLength, available: length))
        }
        let gfi = header[0]
        guard gfi & 0x30 == Self.modulo8 else {
            throw X25PacketError(field: "GFI", offset: 0, reason: .unsupportedFormat(gfi: gfi))
        }
        self.qualifier = gfi & Self.qualifierBit != 0
        self.deliveryConfirmation = gfi & Self.deliveryConfirmationBit != 0
        self.logicalChannel = UInt16(gfi & 0x0F) << 8 | UInt16(header[1])
        var reader = X25FieldReader(bytes: bytes, offset: Self.headerLength)
        self.body = try X25PacketBody(type: header[2], reader: &reader)
    }

    public func write(into buffer: inout ByteBuffer) {
        var gfi = Self.modulo8 | logicalChannelGroup
        if qualifier { gfi |= Self.qualifierBit }
        if deliveryConfirmation { gfi |= Self.deliveryConfirmationBit }
        buffer.writeInteger(gfi)
        buffer.writeInteger(logicalChannelNumber)
        body.write(into: &buffer)
    }

    public var bytes: ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: Self.headerLength + body.estimatedLength)
        write(into: &buffer)
        return buffer
    }
}

/// The packet type and its fields. Names are the DTE→DCE ones; the DCE→DTE packet with the
/// same code is the same case (`callRequest` is also INCOMING CALL, `callAccepted` CALL
/// CONNECTED, `clearRequest` CLEAR INDICATION, `resetRequest` RESET INDICATION,
/// `restartRequest` RESTART INDICATION).
public enum X25PacketBody: Hashable, Sendable {
    case callRequest(X25CallSetup)
    case callAccepted(X25CallSetup)
    case clearRequest(X25CauseDiagnostic)
    case clearConfirmation
    /// P(S), P(R) 0–7; `more` is the M bit.
    case data(ps: UInt8, pr: UInt8, more: Bool, payload: ByteBuffer)
    /// 1–32 bytes of interrupt user data.
    case interrupt(ByteBuffer)
    case interruptConfirmation
    case receiveReady(pr: UInt8)
    case receiveNotReady(pr: UInt8)
    case reject(pr: UInt8)
    case resetRequest(X25CauseDiagnostic)
    case resetConfirmation
    case restartRequest(X25CauseDiagnostic)
    case restartConfirmation
    /// DIAGNOSTIC (network to DTE): the code and up to 3 bytes of the offending packet.
    case diagnostic(code: UInt8, explanation: ByteBuffer)

    /// The packet type byte.
    public var typeByte: UInt8 {
        switch self {
        case .callRequest: return X25PacketType.callRequest
        case .callAccepted: return X25PacketType.callAccepted
        case .clearRequest: return X25PacketType.clearRequest
        case .clearConfirmation: return X25PacketType.clearConfirmation
        case .data(let ps, let pr, let more, _):
            return (pr & 0x07) << 5 | (more ? 0x10 : 0) | (ps & 0x07) << 1
        case .interrupt: return X25PacketType.interrupt
        case .interruptConfirmation: return X25PacketType.interruptConfirmation
        case .receiveReady(let pr): return (pr & 0x07) << 5 | X25PacketType.receiveReady
        case .receiveNotReady(let pr): return (pr & 0x07) << 5 | X25PacketType.receiveNotReady
        case .reject(let pr): return (pr & 0x07) << 5 | X25PacketType.reject
        case .resetRequest: return X25PacketType.resetRequest
        case .resetConfirmation: return X25PacketType.resetConfirmation
        case .restartRequest: return X25PacketType.restartRequest
        case .restartConfirmation: return X25PacketType.restartConfirmation
        case .diagnostic: return X25PacketType.diagnostic
        }
    }

    var estimatedLength: Int {
        switch self {
        case .data(_, _, _, let payload): return 1 + payload.readableBytes
        case .callRequest, .callAccepted: return 48
        default: return 4
        }
    }

    init(type: UInt8, reader: inout X25FieldReader) throws(X25PacketError) {
        if type & 0x01 == 0 {
            self = .data(ps: (type >> 1) & 0x07, pr: type >> 5, more: type & 0x10 != 0, payload: reader.rest())
            return
        }
        switch type & 0x1F {
        case X25PacketType.receiveReady: self = .receiveReady(pr: type >> 5); try reader.expectEnd("RR"); return
        case X25PacketType.receiveNotReady: self = .receiveNotReady(pr: type >> 5); try reader.expectEnd("RNR"); return
        case X25PacketType.reject: self = .reject(pr: type >> 5); try reader.expectEnd("REJ"); return
        default: break
        }
        switch type {
        case X25PacketType.callRequest:
            self = .callRequest(try X25CallSetup(reader: &reader, addressRequired: true))
        case X25PacketType.callAccepted:
            self = .callAccepted(try X25CallSetup(reader: &reader, addressRequired: false))
        case X25PacketType.clearRequest:
            self = .clearRequest(try X25CauseDiagnostic(reader: &reader, field: "clearing cause"))
        case X25PacketType.clearConfirmation:
            self = .clearConfirmation  // may carry an address block and facilities: ignored
        case X25PacketType.interrupt:
            let data = reader.rest()
            guard (1...32).contains(data.readableBytes) else {
                throw X25PacketError(field: "interrupt user data", offset: reader.offset, reason: .invalidValue(data.readableBytes))
            }
            self = .interrupt(data)
        case X25PacketType.interruptConfirmation: self = .interruptConfirmation
        case X25PacketType.resetRequest:
            self = .resetRequest(try X25CauseDiagnostic(reader: &reader, field: "resetting cause"))
        case X25PacketType.resetConfirmation: self = .resetConfirmation
        case X25PacketType.restartRequest:
            self = .restartRequest(try X25CauseDiagnostic(reader: &reader, field: "restarting cause"))
        case X25PacketType.restartConfirmation: self = .restartConfirmation
        case X25PacketType.diagnostic:
            let code = try reader.byte("diagnostic code")
            self = .diagnostic(code: code, explanation: reader.rest())
        default:
            throw X25PacketError(field: "packet type", offset: 2, reason: .unknownType(type))
        }
    }

    func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(typeByte)
        switch self {
        case .callRequest(let setup), .callAccepted(let setup):
            setup.write(into: &buffer)
        case .clearRequest(let info), .resetRequest(let info), .restartRequest(let info):
            info.write(into: &buffer)
        case .data(_, _, _, var payload), .interrupt(var payload):
            buffer.writeBuffer(&payload)
        case .diagnostic(let code, var explanation):
            buffer.writeInteger(code)
            buffer.writeBuffer(&explanation)
        case .clearConfirmation, .interruptConfirmation, .receiveReady, .receiveNotReady, .reject,
            .resetConfirmation, .restartConfirmation:
            break
        }
    }
}

/// Cause and diagnostic of CLEAR, RESET and RESTART packets. The diagnostic byte is optional
/// on the wire; `nil` leaves it out.
public struct X25CauseDiagnostic: Hashable, Sendable, CustomStringConvertible {
    public var cause: UInt8
    public var diagnostic: UInt8?

    public init(cause: UInt8, diagnostic: UInt8? = nil) {
        self.cause = cause
        self.diagnostic = diagnostic
    }

    init(reader: inout X25FieldReader, field: String) throws(X25PacketError) {
        self.cause = try reader.byte(field)
        self.diagnostic = reader.isAtEnd ? nil : try reader.byte("diagnostic code")
        // Extended CLEAR formats (address block, facilities, clear user data) follow: ignored.
    }

    func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(cause)
        if let diagnostic { buffer.writeInteger(diagnostic) }
    }

    public var description: String {
        "cause 0x\(hex2(cause))" + (diagnostic.map { " diagnostic \($0)" } ?? "")
    }
}

/// CALL REQUEST / INCOMING CALL and CALL ACCEPTED / CALL CONNECTED fields: the address block
/// (one byte calling length << 4 | called length, then the BCD digits packed two per byte,
/// called first, padded with a zero nibble), the facility length and facilities, then call
/// user data. CALL ACCEPTED may end after the header (basic format): `hasAddressBlock` false.
public struct X25CallSetup: Hashable, Sendable {
    public var calledAddress: X121Address
    public var callingAddress: X121Address
    public var facilities: X25Facilities
    /// Call user data (QLLC: first byte 0xC3); at most 128 bytes.
    public var userData: ByteBuffer
    /// False only for a decoded CALL ACCEPTED that ended after its packet type; such a packet
    /// is also written without address block when addresses, facilities and user data are empty.
    public var hasAddressBlock: Bool

    public init(
        calledAddress: X121Address = .empty, callingAddress: X121Address = .empty,
        facilities: X25Facilities = X25Facilities(), userData: ByteBuffer = ByteBuffer(), hasAddressBlock: Bool = true
    ) {
        self.calledAddress = calledAddress
        self.callingAddress = callingAddress
        self.facilities = facilities
        self.userData = userData
        self.hasAddressBlock = hasAddressBlock
    }

    init(reader: inout X25FieldReader, addressRequired: Bool) throws(X25PacketError) {
        if !addressRequired, reader.isAtEnd {
            self.calledAddress = .empty
            self.callingAddress = .empty
            self.facilities = X25Facilities()
            self.userData = ByteBuffer()
            self.hasAddressBlock = false
            return
        }
        let lengthOffset = reader.offset
        let lengths = try reader.byte("address lengths")
        let calledCount = Int(lengths & 0x0F)
        let callingCount = Int(lengths >> 4)
        let digitBytes = (calledCount + callingCount + 1) / 2
        let blockOffset = reader.offset
        let block = try reader.bytes(digitBytes, field: "address block")
        var digits: [UInt8] = []
        digits.reserveCapacity(digitBytes * 2)
        for byte in block {
            digits.append(byte >> 4)
            digits.append(byte & 0x0F)
        }
        for (index, digit) in digits.prefix(calledCount + callingCount).enumerated() where digit > 9 {
            throw X25PacketError(field: "address block digit \(index)", offset: blockOffset + index / 2, reason: .invalidDigit(digit))
        }
        guard let called = X121Address(digits: Array(digits.prefix(calledCount))),
            let calling = X121Address(digits: Array(digits[calledCount..<calledCount + callingCount]))
        else {
            throw X25PacketError(field: "address lengths", offset: lengthOffset, reason: .invalidValue(Int(lengths)))
        }
        self.calledAddress = called
        self.callingAddress = calling
        self.hasAddressBlock = true
        if reader.isAtEnd {
            self.facilities = X25Facilities()
            self.userData = ByteBuffer()
            return
        }
        // The whole byte: X.25 §7.1 allows 0–109 (bits 8 and 7 are 0); anything else is an error,
        // not a length to mask into range.
        let facilityLength = Int(try reader.byte("facility length"))
        guard facilityLength <= X25Facilities.maximumLength else {
            throw X25PacketError(field: "facility length", offset: reader.offset - 1, reason: .tooLong(length: facilityLength, limit: X25Facilities.maximumLength))
        }
        let facilityOffset = reader.offset
        self.facilities = try X25Facilities(parsing: try reader.bytes(facilityLength, field: "facilities"), offset: facilityOffset)
        let userDataOffset = reader.offset
        let userData = reader.rest()
        guard userData.readableBytes <= X25Packet.maximumCallUserDataLength else {
            throw X25PacketError(
                field: "call user data", offset: userDataOffset,
                reason: .tooLong(length: userData.readableBytes, limit: X25Packet.maximumCallUserDataLength))
        }
        self.userData = userData
    }

    func write(into buffer: inout ByteBuffer) {
        if !hasAddressBlock, calledAddress.isEmpty, callingAddress.isEmpty, facilities.isEmpty, userData.readableBytes == 0 {
            return
        }
        let called = calledAddress.digits
        let calling = callingAddress.digits
        buffer.writeInteger(UInt8(calling.count) << 4 | UInt8(called.count))
        let digits = called + calling
        var index = 0
        while index < digits.count {
            let high = digits[index]
            let low = index + 1 < digits.count ? digits[index + 1] : 0
            buffer.writeInteger(high << 4 | low)
            index += 2
        }
        let facilityBytes = facilities.fittingBytes
        buffer.writeInteger(UInt8(facilityBytes.count))
        buffer.writeBytes(facilityBytes)
        var userData = userData
        buffer.writeBuffer(&userData)
    }
}

/// Reads a packet's fields in order, with offsets for errors.
struct X25FieldReader {
    private var bytes: ByteBuffer
    private(set) var offset: Int

    init(bytes: ByteBuffer, offset: Int) {
        self.bytes = bytes
        self.offset = offset
        self.bytes.moveReaderIndex(forwardBy: offset)
    }

    var isAtEnd: Bool { bytes.readableBytes == 0 }

    mutating func byte(_ field: String) throws(X25PacketError) -> UInt8 {
        guard let value = bytes.readInteger(as: UInt8.self) else {
            throw X25PacketError(field: field, offset: offset, reason: .truncated(needed: 1, available: 0))
        }
        offset += 1
        return value
    }

    mutating func bytes(_ count: Int, field: String) throws(X25PacketError) -> [UInt8] {
        guard let value = bytes.readBytes(length: count) else {
            throw X25PacketError(field: field, offset: offset, reason: .truncated(needed: count, available: bytes.readableBytes))
        }
        offset += count
        return value
    }

    /// Everything left, as a slice.
    mutating func rest() -> ByteBuffer {
        let count = bytes.readableBytes
        offset += count
        return bytes.readSlice(length: count) ?? ByteBuffer()
    }

    func expectEnd(_ field: String) throws(X25PacketError) {
        guard isAtEnd else {
            throw X25PacketError(field: field, offset: offset, reason: .tooLong(length: offset + bytes.readableBytes, limit: offset))
        }
    }
}
