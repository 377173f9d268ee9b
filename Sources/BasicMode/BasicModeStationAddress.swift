/// A tributary station's address on a basic-mode line (the `bdlc-address` of a node).
///
/// One address gives two address characters, the same byte values in both codings:
/// - the poll character is the station address itself, and must have bit 5 (0x20) clear;
/// - the select character is the station address with bit 5 set (address | 0x20).
///
/// This rule is netmgr's own, self-consistent in both codings; it is not IBM's 3270 BSC address
/// table (there only some units follow "| 0x20": control unit 1 selects as 0x61, not 0xE1). In
/// ASCII it makes a station "A" (0x41) polled as "A" and selected as "a" (0x61). An address
/// must be at least 0x40, so that neither character is
/// a control character in either coding: valid addresses are 0x40–0x5F, 0x80–0x9F and
/// 0xC0–0xDF.
///
/// On the wire the address character is sent twice, then ENQ (see `BasicModeElement`).
public struct BasicModeStationAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Bit 5: clear in the poll character, set in the select character.
    public static let selectBit: UInt8 = 0x20

    public let rawValue: UInt8

    /// Nil when `rawValue` is below 0x40 or has bit 5 set.
    public init?(rawValue: UInt8) {
        guard Self.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// The same as `init?(rawValue:)`, with an error that says why.
    public init(validating rawValue: UInt8) throws(BasicModeStationAddressError) {
        guard Self.isValid(rawValue) else { throw BasicModeStationAddressError(rawValue: rawValue) }
        self.rawValue = rawValue
    }

    public static func isValid(_ rawValue: UInt8) -> Bool {
        rawValue >= 0x40 && rawValue & selectBit == 0
    }

    /// The character of a poll sequence.
    public var pollCharacter: UInt8 { rawValue }
    /// The character of a select sequence.
    public var selectCharacter: UInt8 { rawValue | Self.selectBit }

    /// The station a poll or select character addresses, and which of the two it is;
    /// nil for a byte below 0x40.
    public static func parse(addressCharacter byte: UInt8) -> (address: BasicModeStationAddress, isSelect: Bool)? {
        guard byte >= 0x40, let address = BasicModeStationAddress(rawValue: byte & ~selectBit) else { return nil }
        return (address, byte & selectBit != 0)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "station 0x\(hex8(rawValue))" }
}

/// A `bdlc-address` that cannot be a basic-mode station address.
public struct BasicModeStationAddressError: Error, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public var description: String {
        "0x\(hex8(rawValue)) cannot be a basic-mode station address: it must be 0x40–0x5F, 0x80–0x9F or 0xC0–0xDF "
            + "(at least 0x40 and bit 0x20 clear; the select character is the address with bit 0x20 set)"
    }
}
