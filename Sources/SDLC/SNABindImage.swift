import NIOCore

/// What netmgrd's PU reads from a BIND RU (SNA Formats, BIND request): byte 0 is the
/// request code 0x31, byte 3 the TS profile, byte 10 the maximum RU size the secondary
/// half-session sends on the normal flow, byte 11 the primary's. A size byte `0xAB` with its
/// high bit set means A × 2^B bytes (0x87: 8 × 2^7 = 1024); 0 means no limit is given.
public enum SNABindImage {
    /// The BIND's maximum RU size for the secondary's sends; nil when the BIND is too short,
    /// gives no limit, or the byte is not a valid size.
    public static func secondaryMaximumRU(bind: ByteBuffer) -> Int? {
        guard let byte = bind.getInteger(at: bind.readerIndex + 10, as: UInt8.self) else { return nil }
        return maximumRUSize(byte)
    }

    /// The size a BIND RU-size byte stands for (8 to 15 × 2^0 to 2^15 bytes); nil for 0 (no
    /// limit) and for bytes without the high bit.
    public static func maximumRUSize(_ byte: UInt8) -> Int? {
        guard byte & 0x80 != 0 else { return nil }
        return Int(byte >> 4) << Int(byte & 0x0F)
    }
}
