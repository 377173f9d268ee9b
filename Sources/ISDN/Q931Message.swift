import NIOCore

/// Why a Q.931 message could not be decoded.
public struct Q931MessageError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        case tooShort
        case tooLong(limit: Int)
        case notQ931(discriminator: UInt8)
        case badCallReferenceLength(Int)
        case unknownMessageType(UInt8)
        case truncatedElement(identifier: UInt8)
        case tooManyElements(limit: Int)
    }

    public var kind: Kind
    public var length: Int

    public init(kind: Kind, length: Int) {
        self.kind = kind
        self.length = length
    }

    public var description: String {
        let place = "Q.931 message of \(length) bytes"
        switch kind {
        case .tooShort: return "\(place): shorter than discriminator, call reference and message type"
        case .tooLong(let limit): return "\(place): longer than \(limit) bytes"
        case .notQ931(let discriminator): return "\(place): protocol discriminator 0x\(String(discriminator, radix: 16)) is not Q.931 (0x08)"
        case .badCallReferenceLength(let length): return "\(place): call reference length \(length) (0, 1 or 2 expected)"
        case .unknownMessageType(let type): return "\(place): unknown message type 0x\(String(type, radix: 16))"
        case .truncatedElement(let identifier): return "\(place): information element 0x\(String(identifier, radix: 16)) runs past the end"
        case .tooManyElements(let limit): return "\(place): more than \(limit) information elements"
        }
    }
}

/// A Q.931 message: protocol discriminator 0x08, call reference, message type, and the
/// variable-length information elements of codeset 0 (shift and other single-octet
/// elements are skipped on decoding).
public struct Q931Message: Hashable, Sendable {
    public static let protocolDiscriminator: UInt8 = 0x08
    public static let maximumLength = 260
    public static let maximumElements = 32

    /// The call reference value (7 bits with a one-octet call reference, 15 with two).
    public var callReference: UInt16
    /// True when sent by the side that allocated the call reference (flag bit 0).
    public var fromOriginator: Bool
    /// Octets of call reference value: 1 on a BRI (default), 2 on a PRI, 0 for the dummy.
    public var callReferenceLength: Int
    public var type: Q931MessageType
    public var elements: [Q931InformationElement]

    public init(callReference: UInt16, fromOriginator: Bool, type: Q931MessageType,
                elements: [Q931InformationElement] = [], callReferenceLength: Int = 1) {
        self.callReference = callReference
        self.fromOriginator = fromOriginator
        self.type = type
        self.elements = elements
        self.callReferenceLength = min(2, max(0, callReferenceLength))
    }

    public func element(_ identifier: UInt8) -> Q931InformationElement? {
        elements.first { $0.identifier == identifier }
    }

    public var callingNumber: String? { element(Q931InformationElement.callingPartyNumberIdentifier)?.numberDigits }
    public var calledNumber: String? { element(Q931InformationElement.calledPartyNumberIdentifier)?.numberDigits }
    public var connectedNumber: String? { element(Q931InformationElement.connectedNumberIdentifier)?.numberDigits }
    public var cause: UInt8? { element(Q931InformationElement.causeIdentifier)?.causeValue }
    public var channel: ISDNChannel? { element(Q931InformationElement.channelIdentificationIdentifier)?.channelValue }

    /// Decodes one message (the information field of a LAPD I or UI frame); never traps.
    public init(parsing bytes: ByteBuffer) throws(Q931MessageError) {
        var buffer = bytes
        let length = buffer.readableBytes
        guard length <= Self.maximumLength else { throw Q931MessageError(kind: .tooLong(limit: Self.maximumLength), length: length) }
        guard let discriminator = buffer.readInteger(as: UInt8.self), let referenceLengthOctet = buffer.readInteger(as: UInt8.self) else {
            throw Q931MessageError(kind: .tooShort, length: length)
        }
        guard discriminator == Self.protocolDiscriminator else { throw Q931MessageError(kind: .notQ931(discriminator: discriminator), length: length) }
        let referenceLength = Int(referenceLengthOctet & 0x0F)
        guard referenceLengthOctet & 0xF0 == 0, referenceLength <= 2 else {
            throw Q931MessageError(kind: .badCallReferenceLength(Int(referenceLengthOctet)), length: length)
        }
        var reference: UInt16 = 0
        var flag = false
        for index in 0..<referenceLength {
            guard let octet = buffer.readInteger(as: UInt8.self) else { throw Q931MessageError(kind: .tooShort, length: length) }
            if index == 0 {
                flag = octet & 0x80 != 0
                reference = UInt16(octet & 0x7F)
            } else {
                reference = (reference << 8) | UInt16(octet)
            }
        }
        guard let typeOctet = buffer.readInteger(as: UInt8.self) else { throw Q931MessageError(kind: .tooShort, length: length) }
        guard let messageType = Q931MessageType(rawValue: typeOctet) else {
            throw Q931MessageError(kind: .unknownMessageType(typeOctet), length: length)
        }
        var decoded: [Q931InformationElement] = []
        // Q.931 4.5.2-4.5.4: shift 0x9X, bit 4 clear = locking (all following elements are of
        // codeset X; only to a higher codeset), set = non-locking (the next element only).
        // Only codeset 0 is decoded; elements of other codesets are skipped.
        var lockedCodeset: UInt8 = 0
        var nextCodeset: UInt8?
        while let identifier = buffer.readInteger(as: UInt8.self) {
            if identifier & 0x80 != 0 {  // single-octet element (shift, sending complete, …)
                let isShift = identifier & 0xF0 == 0x90
                if isShift, identifier & 0x08 == 0 {
                    lockedCodeset = max(lockedCodeset, identifier & 0x07)
                    nextCodeset = nil
                } else {
                    nextCodeset = isShift ? identifier & 0x07 : nil
                }
                continue
            }
            guard let elementLength = buffer.readInteger(as: UInt8.self), let contents = buffer.readBytes(length: Int(elementLength)) else {
                throw Q931MessageError(kind: .truncatedElement(identifier: identifier), length: length)
            }
            let codeset = nextCodeset ?? lockedCodeset
            nextCodeset = nil
            guard codeset == 0 else { continue }
            guard decoded.count < Self.maximumElements else {
                throw Q931MessageError(kind: .tooManyElements(limit: Self.maximumElements), length: length)
            }
            decoded.append(Q931InformationElement(identifier: identifier, contents: contents))
        }
        callReference = reference
        fromOriginator = !flag
        callReferenceLength = referenceLength
        type = messageType
        elements = decoded
    }

    public var bytes: ByteBuffer {
        var out = ByteBuffer()
        encode(into: &out)
        return out
    }

    public func encode(into out: inout ByteBuffer) {
        // The stored field is public: clamp it rather than trap on a caller's bad value.
        let referenceLength = min(2, max(0, callReferenceLength))
        out.writeInteger(Self.protocolDiscriminator)
        out.writeInteger(UInt8(referenceLength))
        let flag: UInt8 = fromOriginator ? 0 : 0x80
        switch referenceLength {
        case 1: out.writeInteger(flag | UInt8(truncatingIfNeeded: callReference & 0x7F))
        case 2:
            out.writeInteger(flag | UInt8(truncatingIfNeeded: (callReference >> 8) & 0x7F))
            out.writeInteger(UInt8(truncatingIfNeeded: callReference))
        default: break
        }
        out.writeInteger(type.rawValue)
        for element in elements {
            out.writeInteger(element.identifier & 0x7F)
            out.writeInteger(UInt8(min(element.contents.count, 255)))
            out.writeBytes(element.contents.prefix(255))
        }
    }
}
