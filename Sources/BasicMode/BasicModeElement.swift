import NIOCore

/// One transmission element of basic-mode data link control: what one station sends before
/// the other answers. Leading SYNs are not part of an element (the encoder adds them, the
/// decoder drops them).
///
/// Wire bytes (`A` = station address character, see `BasicModeStationAddress`):
///
/// | Element | ascii | ebcdic |
/// |---|---|---|
/// | `.poll(a)` | A A 05 | A A 2D |
/// | `.select(a)` | (A\|20) (A\|20) 05 | (A\|20) (A\|20) 2D |
/// | `.endOfTransmission` | 04 | 37 |
/// | `.enquiry` (reply request) | 05 | 2D |
/// | `.ack0` / `.ack1` | 10 30 / 10 31 | 10 70 / 10 61 |
/// | `.negativeAcknowledgment` | 15 | 3D |
/// | `.waitBeforeTransmit` (WACK) | 10 3B | 10 6B |
/// | `.reverseInterrupt` (RVI) | 10 3C | 10 7C |
/// | `.textBlock` | see `BasicModeTextBlock` | |
///
/// A control station polls with `.endOfTransmission` then `.poll(a)` (two elements:
/// "EOT addr ENQ" on the wire), and selects with `.endOfTransmission` then `.select(a)`.
public enum BasicModeElement: Hashable, Sendable {
    /// "Do you have anything to send?" to one station.
    case poll(BasicModeStationAddress)
    /// "Can you receive?" to one station.
    case select(BasicModeStationAddress)
    /// EOT: end of a transmission; resets the line to control mode; a polled station with
    /// nothing to send answers it.
    case endOfTransmission
    /// ENQ on its own: "repeat your last reply" (after a reply timeout).
    case enquiry
    /// Positive answer to a selection, and to every second block (even).
    case ack0
    /// Positive answer to the first block after a poll or selection and every second one after.
    case ack1
    /// NAK: the block was not received correctly (or a station is not ready when selected
    /// and has no better answer); the sender repeats it.
    case negativeAcknowledgment
    /// WACK: the block was received correctly but the receiver cannot take another now;
    /// the sender waits and asks again with ENQ. As an answer to a selection: busy.
    case waitBeforeTransmit
    /// RVI: positive answer that also asks the sender to stop, because the receiver has
    /// something urgent to send.
    case reverseInterrupt
    /// A text block.
    case textBlock(BasicModeTextBlock)

    /// The alternating positive acknowledgment: ACK1 when `odd`, else ACK0.
    public static func acknowledgment(odd: Bool) -> BasicModeElement { odd ? .ack1 : .ack0 }

    /// The short name used in logs and captures: "POLL 41", "EOT", "ACK1", "TEXT LU 02 ETX 12 bytes".
    public var name: String {
        switch self {
        case .poll(let address): return "POLL \(hex8(address.rawValue))"
        case .select(let address): return "SELECT \(hex8(address.rawValue))"
        case .endOfTransmission: return "EOT"
        case .enquiry: return "ENQ"
        case .ack0: return "ACK0"
        case .ack1: return "ACK1"
        case .negativeAcknowledgment: return "NAK"
        case .waitBeforeTransmit: return "WACK"
        case .reverseInterrupt: return "RVI"
        case .textBlock(let block): return block.description
        }
    }
}

extension BasicModeElement: CustomStringConvertible {
    public var description: String { name }
}

/// A text block: `[SOH heading] STX text ETB|ETX BCC`, or in transparent form
/// `[SOH heading] DLE STX text DLE ETB|DLE ETX BCC` with every DLE in the text doubled.
///
/// netmgr sends one application message per block (ETX), with the heading carrying the LU
/// local address (`BasicModeHeading.luLocalAddress`): SOH "L" h h, where h h are the two
/// uppercase hexadecimal digits of the LU local address in the line's coding. For LU 2:
///
///     ascii:  01 4C 30 32 10 02 <text, DLE doubled> 10 03 <LRC>
///     ebcdic: 01 D3 F0 F2 10 02 <text, DLE doubled> 10 03 <CRC low> <CRC high>
///
/// (or STX/ETX without DLE when the text holds none of the coding's control characters).
/// A message longer than one block may be sent as blocks ending ETB with the last ending
/// ETX; the stations join them.
public struct BasicModeTextBlock: Hashable, Sendable {
    public enum End: Hashable, Sendable {
        /// ETB: more blocks of the same message follow.
        case endOfBlock
        /// ETX: the last (or only) block of a message.
        case endOfText
    }

    /// Nil: no SOH, the block starts with STX.
    public var heading: BasicModeHeading?
    /// The text as the application sees it (transparency removed).
    public var text: ByteBuffer
    public var end: End
    /// Sent as transparent text (DLE STX … DLE ETX, DLE doubled).
    public var isTransparent: Bool
    /// Set by the decoder when the block check did not match. The encoder then sends the
    /// mismatching `received` value, so a bad block can be replayed byte for byte.
    public var blockCheckMismatch: BasicModeBlockCheckMismatch?

    public var hasValidBlockCheck: Bool { blockCheckMismatch == nil }

    public init(
        heading: BasicModeHeading? = nil, text: ByteBuffer, end: End = .endOfText, isTransparent: Bool = true,
        blockCheckMismatch: BasicModeBlockCheckMismatch? = nil
    ) {
        self.heading = heading
        self.text = text
        self.end = end
        self.isTransparent = isTransparent
        self.blockCheckMismatch = blockCheckMismatch
    }

    /// One message for one LU: heading with the LU local address, ETX, transparent exactly
    /// when the message holds a control character of `coding`.
    public init(lu: UInt8, message: ByteBuffer, end: End = .endOfText, coding: BasicModeCoding) {
        let characters = coding.characters
        let needsTransparency = message.readableBytesView.contains { characters.isControl($0) }
        self.init(heading: .luLocalAddress(lu), text: message, end: end, isTransparent: needsTransparency)
    }

    /// The LU local address of the heading, when it is netmgr's LU heading.
    public var luLocalAddress: UInt8? {
        if case .luLocalAddress(let address) = heading { return address }
        return nil
    }
}

extension BasicModeTextBlock: CustomStringConvertible {
    public var description: String {
        var parts = ["TEXT"]
        switch heading {
        case .luLocalAddress(let lu): parts.append("LU \(hex8(lu))")
        case .other(let bytes): parts.append("heading \(bytes.readableBytes) bytes")
        case nil: break
        }
        if isTransparent { parts.append("transparent") }
        parts.append(end == .endOfText ? "ETX" : "ETB")
        parts.append("\(text.readableBytes) bytes")
        if let blockCheckMismatch { parts.append("bad BCC (\(blockCheckMismatch))") }
        return parts.joined(separator: " ")
    }
}

/// The heading of a text block (the characters between SOH and STX).
public enum BasicModeHeading: Hashable, Sendable {
    /// netmgr's heading: "L" and two uppercase hexadecimal digits of the LU local address,
    /// in the line's coding (ascii 4C 30 32 for LU 2, ebcdic D3 F0 F2).
    case luLocalAddress(UInt8)
    /// Any other heading, as received (the decoder yields `.luLocalAddress` for a heading
    /// that is exactly netmgr's form).
    case other(ByteBuffer)

    /// Heading characters in `coding`.
    public func bytes(in coding: BasicModeCoding) -> [UInt8] {
        switch self {
        case .luLocalAddress(let lu):
            let characters = coding.characters
            return [characters.letterL, Self.hexDigit(lu >> 4, characters), Self.hexDigit(lu & 0x0F, characters)]
        case .other(let buffer):
            return Array(buffer.readableBytesView)
        }
    }

    /// Parses received heading characters.
    public init<Bytes: Collection>(parsing bytes: Bytes, coding: BasicModeCoding) where Bytes.Element == UInt8 {
        let characters = coding.characters
        if bytes.count == 3 {
            var index = bytes.startIndex
            let marker = bytes[index]
            index = bytes.index(after: index)
            let high = Self.hexValue(bytes[index], characters)
            index = bytes.index(after: index)
            let low = Self.hexValue(bytes[index], characters)
            if marker == characters.letterL, let high, let low {
                self = .luLocalAddress(high << 4 | low)
                return
            }
        }
        self = .other(ByteBuffer(bytes: bytes))
    }

    static func hexDigit(_ nibble: UInt8, _ characters: BasicModeControlCharacters) -> UInt8 {
        nibble < 10 ? characters.digitZero &+ nibble : characters.letterA &+ (nibble - 10)
    }

    static func hexValue(_ byte: UInt8, _ characters: BasicModeControlCharacters) -> UInt8? {
        if byte >= characters.digitZero, byte - characters.digitZero < 10 { return byte - characters.digitZero }
        if byte >= characters.letterA, byte - characters.letterA < 6 { return byte - characters.letterA + 10 }
        return nil
    }
}
