import NIOCore

/// One facility of a call set-up packet: code and parameter bytes. The code's top two bits
/// give the parameter length (class A 1 byte, B 2, C 3; class D a length byte first), so
/// unknown facilities are kept and written back unchanged.
public struct X25Facility: Hashable, Sendable {
    public var code: UInt8
    public var parameters: [UInt8]

    public init(code: UInt8, parameters: [UInt8]) {
        self.code = code
        self.parameters = parameters
    }

    public static let packetSizeCode: UInt8 = 0x42
    public static let windowSizeCode: UInt8 = 0x43

    /// Parameter length of a fixed-length class (A, B, C); nil for class D.
    public static func fixedParameterLength(code: UInt8) -> Int? {
        switch code >> 6 {
        case 0: return 1
        case 1: return 2
        case 2: return 3
        default: return nil
        }
    }
}

/// A pair of values that a facility gives per direction of transmission: first the one
/// from the called DTE, then the one from the calling DTE (X.25 §7.2.2.1/2).
public struct X25DirectionPair: Hashable, Sendable {
    public var fromCalled: Int
    public var fromCalling: Int

    public init(fromCalled: Int, fromCalling: Int) {
        self.fromCalled = fromCalled
        self.fromCalling = fromCalling
    }

    public init(both value: Int) {
        self.init(fromCalled: value, fromCalling: value)
    }
}

/// The facility field of CALL REQUEST / CALL ACCEPTED: packet size (0x42, log2 of the size,
/// 4–12 = 16–4096 bytes) and window size (0x43, 1–7 in modulo 8) as values, every other
/// facility as it came.
public struct X25Facilities: Hashable, Sendable {
    /// Packet sizes in bytes (16...4096, powers of two).
    public var packetSize: X25DirectionPair?
    /// Window sizes.
    public var windowSize: X25DirectionPair?
    /// Other facilities, in order.
    public var other: [X25Facility]

    /// The facility field holds at most 109 bytes (X.25 §7.1).
    public static let maximumLength = 109
    public static let packetSizeRange = 16...4096

    public init(packetSize: X25DirectionPair? = nil, windowSize: X25DirectionPair? = nil, other: [X25Facility] = []) {
        self.packetSize = packetSize
        self.windowSize = windowSize
        self.other = other
    }

    public var isEmpty: Bool { packetSize == nil && windowSize == nil && other.isEmpty }

    /// Whether `size` is one a packet size facility can carry.
    public static func isValidPacketSize(_ size: Int) -> Bool {
        packetSizeRange.contains(size) && size & (size - 1) == 0
    }

    /// Decodes a facility field (without its length byte). `offset` is where it starts in the
    /// packet, for errors.
    public init(parsing bytes: [UInt8], offset: Int) throws(X25PacketError) {
        self.init()
        var index = 0
        while index < bytes.count {
            let code = bytes[index]
            let start = index + 1
            let length: Int
            let parameterStart: Int
            if let fixed = X25Facility.fixedParameterLength(code: code) {
                length = fixed
                parameterStart = start
            } else {
                guard start < bytes.count else {
                    throw X25PacketError(field: "facility 0x\(hex2(code)) length", offset: offset + start, reason: .truncated(needed: 1, available: 0))
                }
                length = Int(bytes[start])
                parameterStart = start + 1
            }
            guard parameterStart + length <= bytes.count else {
                throw X25PacketError(
                    field: "facility 0x\(hex2(code))", offset: offset + parameterStart,
                    reason: .truncated(needed: length, available: bytes.count - parameterStart))
            }
            let parameters = Array(bytes[parameterStart..<parameterStart + length])
            switch code {
            case X25Facility.packetSizeCode:
                let sizes = parameters.map { Int($0) }
                guard sizes.allSatisfy({ (4...12).contains($0) }) else {
                    throw X25PacketError(field: "packet size facility", offset: offset + parameterStart, reason: .invalidValue(Int(parameters[0]) << 8 | Int(parameters[1])))
                }
                packetSize = X25DirectionPair(fromCalled: 1 << sizes[0], fromCalling: 1 << sizes[1])
            case X25Facility.windowSizeCode:
                let windows = parameters.map { Int($0) }
                guard windows.allSatisfy({ (1...127).contains($0) }) else {
                    throw X25PacketError(field: "window size facility", offset: offset + parameterStart, reason: .invalidValue(Int(parameters[0]) << 8 | Int(parameters[1])))
                }
                windowSize = X25DirectionPair(fromCalled: windows[0], fromCalling: windows[1])
            default:
                other.append(X25Facility(code: code, parameters: parameters))
            }
            index = parameterStart + length
        }
    }

    /// The facility field's bytes (without the length byte): packet size, window size, then
    /// the others. Packet sizes that are not powers of two are rounded down.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        if let packetSize {
            out += [X25Facility.packetSizeCode, Self.log2(packetSize.fromCalled), Self.log2(packetSize.fromCalling)]
        }
        if let windowSize {
            out += [
                X25Facility.windowSizeCode, UInt8(clamping: windowSize.fromCalled), UInt8(clamping: windowSize.fromCalling),
            ]
        }
        for facility in other {
            out.append(facility.code)
            if X25Facility.fixedParameterLength(code: facility.code) == nil {
                out.append(UInt8(clamping: facility.parameters.count))
            }
            out += facility.parameters
        }
        return out
    }

    /// `bytes` cut to at most `maximumLength` (109) at a facility boundary: packet size and
    /// window first, then the other facilities while they fit. What a packet writes, so no
    /// facility length above 109 is ever sent; `X25PacketLayer.call` refuses longer ones.
    public var fittingBytes: [UInt8] {
        var out = X25Facilities(packetSize: packetSize, windowSize: windowSize).bytes
        for facility in other {
            let one = X25Facilities(other: [facility]).bytes
            guard out.count + one.count <= Self.maximumLength else { break }
            out += one
        }
        return out
    }

    static func log2(_ size: Int) -> UInt8 {
        var exponent: UInt8 = 4
        while exponent < 12, 1 << (exponent + 1) <= size { exponent += 1 }
        return exponent
    }
}
