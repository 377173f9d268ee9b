/// CRC-16/X.25, the HDLC frame check sequence (ISO 3309): reflected polynomial 0x8408,
/// initial value 0xFFFF, final XOR 0xFFFF, transmitted low byte first.
///
/// The check value of the ASCII string "123456789" is 0x906E. Running the register (without
/// the final XOR) over a frame including its received FCS leaves the good residue 0xF0B8.
public enum CRC16X25 {
    /// Register value before the first byte.
    public static let initialValue: UInt16 = 0xFFFF
    /// Register value after a whole frame plus its correct FCS has been run through it.
    public static let goodResidue: UInt16 = 0xF0B8

    // One entry per byte value: the register update for that byte, reflected polynomial.
    @usableFromInline
    static let table: [UInt16] = (0...255).map { (index: Int) -> UInt16 in
        var value = UInt16(index)
        for _ in 0..<8 {
            value = (value & 1) != 0 ? (value >> 1) ^ 0x8408 : value >> 1
        }
        return value
    }

    /// Runs one byte through the register.
    @inlinable
    public static func update(_ register: UInt16, byte: UInt8) -> UInt16 {
        (register >> 8) ^ table[Int(UInt8(truncatingIfNeeded: register) ^ byte)]
    }

    /// Runs a sequence of bytes through the register.
    @inlinable
    public static func update<Bytes: Sequence>(_ register: UInt16, bytes: Bytes) -> UInt16
    where Bytes.Element == UInt8 {
        var register = register
        for byte in bytes { register = update(register, byte: byte) }
        return register
    }

    /// The FCS to transmit for `bytes` (register complemented).
    @inlinable
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt16 where Bytes.Element == UInt8 {
        ~update(initialValue, bytes: bytes)
    }
}
