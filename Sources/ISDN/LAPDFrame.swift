import NIOCore

/// The Q.921 address field: SAPI, C/R and TEI (two octets, EA bits 0 then 1).
public struct LAPDAddress: Hashable, Sendable {
    /// Service access point: 0 call control (Q.931), 63 layer 2 management (TEI assignment).
    public var sapi: UInt8
    /// The C/R bit as on the wire (the user sends commands with 0, the network with 1).
    public var commandResponse: Bool
    /// Terminal endpoint identifier, 0…127 (127: broadcast).
    public var tei: UInt8

    public static let callControlSAPI: UInt8 = 0
    public static let managementSAPI: UInt8 = 63
    public static let broadcastTEI: UInt8 = 127

    public init(sapi: UInt8, commandResponse: Bool, tei: UInt8) {
        self.sapi = sapi & 0x3F
        self.commandResponse = commandResponse
        self.tei = tei & 0x7F
    }

    /// The two address octets.
    public var bytes: [UInt8] {
        [(sapi << 2) | (commandResponse ? 0x02 : 0x00), (tei << 1) | 0x01]
    }
}

/// Supervisory functions (modulo 128, two control octets).
public enum LAPDSupervisoryFunction: UInt8, Hashable, Sendable {
    case receiveReady = 0x01
    case receiveNotReady = 0x05
    case reject = 0x09
}

/// Unnumbered functions: the first control octet with the P/F bit (0x10) clear.
public enum LAPDUnnumberedFunction: UInt8, Hashable, Sendable {
    case setAsynchronousBalancedModeExtended = 0x6F
    case unnumberedAcknowledgement = 0x63
    case disconnect = 0x43
    case disconnectedMode = 0x0F
    case frameReject = 0x87
    case unnumberedInformation = 0x03
    case exchangeIdentification = 0xAF
}

/// The control field of a LAPD frame.
public enum LAPDControl: Hashable, Sendable {
    case information(sendSequence: UInt8, receiveSequence: UInt8, poll: Bool)
    case supervisory(LAPDSupervisoryFunction, receiveSequence: UInt8, pollFinal: Bool)
    case unnumbered(LAPDUnnumberedFunction, pollFinal: Bool)

    /// The control octets (two for I and S frames, one for U frames).
    public var bytes: [UInt8] {
        switch self {
        case .information(let ns, let nr, let poll):
            return [(ns & 0x7F) << 1, ((nr & 0x7F) << 1) | (poll ? 1 : 0)]
        case .supervisory(let function, let nr, let pollFinal):
            return [function.rawValue, ((nr & 0x7F) << 1) | (pollFinal ? 1 : 0)]
        case .unnumbered(let function, let pollFinal):
            return [function.rawValue | (pollFinal ? 0x10 : 0)]
        }
    }
}

/// Why a D-channel frame could not be parsed.
public struct LAPDFrameError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        case tooShort
        case tooLong(limit: Int)
        case badAddressExtension
        case unknownControl(UInt8)
        case informationNotAllowed
    }

    public var kind: Kind
    public var length: Int

    public init(kind: Kind, length: Int) {
        self.kind = kind
        self.length = length
    }

    public var description: String {
        let place = "LAPD frame of \(length) bytes"
        switch kind {
        case .tooShort: return "\(place): shorter than address and control"
        case .tooLong(let limit): return "\(place): information field longer than N201 = \(limit) octets"
        case .badAddressExtension: return "\(place): address EA bits are not 0, 1 (two-octet address)"
        case .unknownControl(let byte): return "\(place): unknown control octet 0x\(String(byte, radix: 16, uppercase: true))"
        case .informationNotAllowed: return "\(place): supervisory or unnumbered frame carries an information field it must not have"
        }
    }
}

/// One Q.921 frame (without flags and FCS).
public struct LAPDFrame: Hashable, Sendable {
    /// N201: the largest information field (octets).
    public static let maximumInformationLength = 260

    public var address: LAPDAddress
    public var control: LAPDControl
    public var information: ByteBuffer

    public init(address: LAPDAddress, control: LAPDControl, information: ByteBuffer = ByteBuffer()) {
        self.address = address
        self.control = control
        self.information = information
    }

    /// Parses address, control and information; never traps.
    public init(parsing bytes: ByteBuffer) throws(LAPDFrameError) {
        var buffer = bytes
        let length = buffer.readableBytes
        guard let first = buffer.readInteger(as: UInt8.self), let second = buffer.readInteger(as: UInt8.self),
              let control0 = buffer.readInteger(as: UInt8.self) else {
            throw LAPDFrameError(kind: .tooShort, length: length)
        }
        guard first & 0x01 == 0, second & 0x01 == 1 else { throw LAPDFrameError(kind: .badAddressExtension, length: length) }
        address = LAPDAddress(sapi: first >> 2, commandResponse: first & 0x02 != 0, tei: second >> 1)
        if control0 & 0x01 == 0 {
            guard let control1 = buffer.readInteger(as: UInt8.self) else { throw LAPDFrameError(kind: .tooShort, length: length) }
            control = .information(sendSequence: control0 >> 1, receiveSequence: control1 >> 1, poll: control1 & 1 != 0)
        } else if control0 & 0x03 == 0x01 {
            guard let function = LAPDSupervisoryFunction(rawValue: control0) else {
                throw LAPDFrameError(kind: .unknownControl(control0), length: length)
            }
            guard let control1 = buffer.readInteger(as: UInt8.self) else { throw LAPDFrameError(kind: .tooShort, length: length) }
            control = .supervisory(function, receiveSequence: control1 >> 1, pollFinal: control1 & 1 != 0)
        } else {
            guard let function = LAPDUnnumberedFunction(rawValue: control0 & ~0x10) else {
                throw LAPDFrameError(kind: .unknownControl(control0), length: length)
            }
            control = .unnumbered(function, pollFinal: control0 & 0x10 != 0)
        }
        guard buffer.readableBytes <= Self.maximumInformationLength else {
            throw LAPDFrameError(kind: .tooLong(limit: Self.maximumInformationLength), length: length)
        }
        switch control {
        case .information, .unnumbered(.unnumberedInformation, _), .unnumbered(.frameReject, _), .unnumbered(.exchangeIdentification, _):
            break
        default:
            guard buffer.readableBytes == 0 else { throw LAPDFrameError(kind: .informationNotAllowed, length: length) }
        }
        information = buffer
    }

    /// The frame's bytes: address, control, information.
    public var bytes: ByteBuffer {
        var out = ByteBuffer()
        encode(into: &out)
        return out
    }

    public func encode(into out: inout ByteBuffer) {
        out.writeBytes(address.bytes)
        out.writeBytes(control.bytes)
        out.writeImmutableBuffer(information)
    }
}
