/// The block check (BCC) that follows ETB/ETX. It covers every character after the block's
/// first SOH or STX (that one excluded) up to and including the ETB/ETX: the heading, the
/// STX after a heading, the text, the end character. In transparent text the DLE of
/// DLE STX / DLE ETB / DLE ETX is left out, a doubled DLE counts once, and DLE SYN (idle fill)
/// not at all. SYN fill in normal text is left out too.
public enum BasicModeBlockCheck: Hashable, Sendable {
    /// ASCII: one byte, the exclusive or of the covered bytes (a longitudinal parity).
    case longitudinalRedundancy
    /// EBCDIC BSC: CRC-16 (polynomial x^16 + x^15 + x^2 + 1, reflected, initial value 0,
    /// no final XOR; CRC-16/ARC), two bytes, low byte first.
    case crc16

    /// Bytes on the wire.
    public var length: Int {
        switch self {
        case .longitudinalRedundancy: return 1
        case .crc16: return 2
        }
    }

    /// Runs one covered byte through the check register (LRC in the low byte).
    @inlinable
    public func update(_ register: UInt16, byte: UInt8) -> UInt16 {
        switch self {
        case .longitudinalRedundancy: return register ^ UInt16(byte)
        case .crc16: return BasicModeCRC16.update(register, byte: byte)
        }
    }

    /// The check value of `bytes` (the covered bytes of one block).
    public func value<Bytes: Sequence>(of bytes: Bytes) -> UInt16 where Bytes.Element == UInt8 {
        var register: UInt16 = 0
        for byte in bytes { register = update(register, byte: byte) }
        return register
    }

    /// The wire bytes of a check value: LRC one byte; CRC-16 low byte, high byte.
    public func wireBytes(_ value: UInt16) -> [UInt8] {
        switch self {
        case .longitudinalRedundancy: return [UInt8(truncatingIfNeeded: value)]
        case .crc16: return [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
        }
    }
}

/// ASCII basic mode's block check: the exclusive or of the covered bytes.
public enum BasicModeLRC {
    public static func value<Bytes: Sequence>(of bytes: Bytes) -> UInt8 where Bytes.Element == UInt8 {
        bytes.reduce(0, ^)
    }
}

/// CRC-16/ARC as BSC uses it: reflected polynomial 0xA001 (0x8005 reversed), initial value 0,
/// no final XOR, sent low byte first. The check value of the ASCII string "123456789" is
/// 0xBB3D. Running the register over covered bytes followed by their CRC (low, high) gives 0.
public enum BasicModeCRC16 {
    @usableFromInline
    static let table: [UInt16] = (0...255).map { (index: Int) -> UInt16 in
        var value = UInt16(index)
        for _ in 0..<8 {
            value = (value & 1) != 0 ? (value >> 1) ^ 0xA001 : value >> 1
        }
        return value
    }

    @inlinable
    public static func update(_ register: UInt16, byte: UInt8) -> UInt16 {
        (register >> 8) ^ table[Int(UInt8(truncatingIfNeeded: register) ^ byte)]
    }

    public static func value<Bytes: Sequence>(of bytes: Bytes) -> UInt16 where Bytes.Element == UInt8 {
        var register: UInt16 = 0
        for byte in bytes { register = update(register, byte: byte) }
        return register
    }
}

/// A received block whose block check did not match its content.
public struct BasicModeBlockCheckMismatch: Hashable, Sendable, CustomStringConvertible {
    /// The check on the wire (LRC in the low byte; CRC-16 as a number, low byte sent first).
    public var received: UInt16
    /// What the received content gives.
    public var computed: UInt16

    public init(received: UInt16, computed: UInt16) {
        self.received = received
        self.computed = computed
    }

    public var description: String {
        "block check 0x\(hex16(received)) received, content gives 0x\(hex16(computed))"
    }
}

func hex16(_ value: UInt16) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

func hex8(_ value: UInt8) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return digits.count == 1 ? "0" + digits : digits
}
