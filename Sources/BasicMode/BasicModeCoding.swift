/// The two character codings a basic-mode line can use (a per-line definitions setting,
/// `coding: ascii | ebcdic`). The procedure is the same; the control characters and the
/// block check differ.
///
/// | | ascii (ISO 1745 / JIS X 5002) | ebcdic (IBM BSC) |
/// |---|---|---|
/// | SOH STX ETX | 01 02 03 | 01 02 03 |
/// | ETB | 17 | 26 |
/// | EOT | 04 | 37 |
/// | ENQ | 05 | 2D |
/// | NAK | 15 | 3D |
/// | DLE | 10 | 10 |
/// | SYN | 16 | 32 |
/// | ACK0 / ACK1 | DLE 30 / DLE 31 | DLE 70 / DLE 61 |
/// | WACK | DLE 3B | DLE 6B |
/// | RVI | DLE 3C | DLE 7C |
/// | block check | 1-byte LRC | CRC-16 (2 bytes, low byte first) |
public enum BasicModeCoding: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case ascii
    case ebcdic

    /// The control characters of this coding.
    public var characters: BasicModeControlCharacters {
        switch self {
        case .ascii: return .ascii
        case .ebcdic: return .ebcdic
        }
    }

    /// The block check character(s) after ETB/ETX.
    public var blockCheck: BasicModeBlockCheck {
        switch self {
        case .ascii: return .longitudinalRedundancy
        case .ebcdic: return .crc16
        }
    }

    public var description: String { rawValue }
}

/// The control characters of one coding. The single characters are what the decoder
/// recognises on their own; ACK0, ACK1, WACK and RVI are two-character sequences whose
/// first character is DLE, and the table holds their second character.
public struct BasicModeControlCharacters: Hashable, Sendable {
    public let startOfHeading: UInt8
    public let startOfText: UInt8
    public let endOfText: UInt8
    public let endOfTransmissionBlock: UInt8
    public let endOfTransmission: UInt8
    public let enquiry: UInt8
    public let negativeAcknowledgment: UInt8
    public let dataLinkEscape: UInt8
    public let synchronousIdle: UInt8
    /// Second character of ACK0 (DLE x).
    public let evenAcknowledgment: UInt8
    /// Second character of ACK1 (DLE x).
    public let oddAcknowledgment: UInt8
    /// Second character of WACK (DLE x).
    public let waitBeforeTransmit: UInt8
    /// Second character of RVI (DLE x).
    public let reverseInterrupt: UInt8
    /// Graphic characters of this coding used in the LU heading: "L", "0"–"9", "A"–"F".
    let letterL: UInt8
    let digitZero: UInt8
    let letterA: UInt8

    public static let ascii = BasicModeControlCharacters(
        startOfHeading: 0x01, startOfText: 0x02, endOfText: 0x03, endOfTransmissionBlock: 0x17,
        endOfTransmission: 0x04, enquiry: 0x05, negativeAcknowledgment: 0x15, dataLinkEscape: 0x10,
        synchronousIdle: 0x16, evenAcknowledgment: 0x30, oddAcknowledgment: 0x31,
        waitBeforeTransmit: 0x3B, reverseInterrupt: 0x3C,
        letterL: 0x4C, digitZero: 0x30, letterA: 0x41
    )

    public static let ebcdic = BasicModeControlCharacters(
        startOfHeading: 0x01, startOfText: 0x02, endOfText: 0x03, endOfTransmissionBlock: 0x26,
        endOfTransmission: 0x37, enquiry: 0x2D, negativeAcknowledgment: 0x3D, dataLinkEscape: 0x10,
        synchronousIdle: 0x32, evenAcknowledgment: 0x70, oddAcknowledgment: 0x61,
        waitBeforeTransmit: 0x6B, reverseInterrupt: 0x7C,
        letterL: 0xD3, digitZero: 0xF0, letterA: 0xC1
    )

    /// The nine single control characters (SOH STX ETX ETB EOT ENQ NAK DLE SYN). Normal
    /// (non-transparent) text and headings must not contain them.
    public var all: [UInt8] {
        [startOfHeading, startOfText, endOfText, endOfTransmissionBlock, endOfTransmission,
         enquiry, negativeAcknowledgment, dataLinkEscape, synchronousIdle]
    }

    /// Whether `byte` is one of the nine single control characters.
    @inlinable
    public func isControl(_ byte: UInt8) -> Bool {
        byte == startOfHeading || byte == startOfText || byte == endOfText || byte == endOfTransmissionBlock
            || byte == endOfTransmission || byte == enquiry || byte == negativeAcknowledgment
            || byte == dataLinkEscape || byte == synchronousIdle
    }
}
