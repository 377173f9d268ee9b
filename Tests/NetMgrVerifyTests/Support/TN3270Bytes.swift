/// TN3270 and TN3270E wire bytes (RFC 1576, 1646, 2355) written out by hand, so the tests
/// check the verifier against the RFCs rather than against netmgr's own encoders.
enum TN3270Bytes {
    static let iac: UInt8 = 255, sb: UInt8 = 250, se: UInt8 = 240, eor: UInt8 = 239
    static let doo: UInt8 = 253, will: UInt8 = 251
    static let terminalType: UInt8 = 24, endOfRecord: UInt8 = 25, binary: UInt8 = 0, tn3270e: UInt8 = 40

    static func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

    // TN3270E (host speaks first).
    static let doTN3270E: [UInt8] = [iac, doo, tn3270e]
    static let willTN3270E: [UInt8] = [iac, will, tn3270e]
    static let sendDeviceType: [UInt8] = [iac, sb, tn3270e, 8, 2, iac, se]

    static func deviceTypeRequest(_ type: String, connect lu: String?) -> [UInt8] {
        [iac, sb, tn3270e, 2, 7] + ascii(type) + (lu.map { [1] + ascii($0) } ?? []) + [iac, se]
    }

    static func deviceTypeIs(_ type: String, connect lu: String) -> [UInt8] {
        [iac, sb, tn3270e, 2, 4] + ascii(type) + [1] + ascii(lu) + [iac, se]
    }

    static func deviceTypeReject(reason: UInt8) -> [UInt8] { [iac, sb, tn3270e, 2, 6, 5, reason, iac, se] }

    static let functionsRequest: [UInt8] = [iac, sb, tn3270e, 3, 7, 2, iac, se]
    static let functionsIs: [UInt8] = [iac, sb, tn3270e, 3, 4, 2, iac, se]

    /// A TN3270E 3270-DATA record: header, data, IAC EOR.
    static func record3270E(sequence: UInt16, _ data: [UInt8]) -> [UInt8] {
        [0, 0, 0, UInt8(sequence >> 8), UInt8(sequence & 0xFF)] + data + [iac, eor]
    }

    // Basic TN3270 (RFC 1576 + RFC 1646 terminal type with @LU).
    static let doTerminalType: [UInt8] = [iac, doo, terminalType]
    static let willTerminalType: [UInt8] = [iac, will, terminalType]
    static let sendTerminalType: [UInt8] = [iac, sb, terminalType, 1, iac, se]

    static func terminalTypeIs(_ type: String) -> [UInt8] { [iac, sb, terminalType, 0] + ascii(type) + [iac, se] }

    static let hostBasicOptions: [UInt8] = [iac, doo, endOfRecord, iac, will, endOfRecord, iac, doo, binary, iac, will, binary]
    static let clientBasicOptions: [UInt8] = [iac, will, endOfRecord, iac, doo, endOfRecord, iac, will, binary, iac, doo, binary]

    static func record(_ data: [UInt8]) -> [UInt8] { data + [iac, eor] }

    /// An Erase/Write screen and an Enter with a field, as 3270 data.
    static let screen: [UInt8] = [0xF5, 0xC2, 0x11, 0x40, 0x40, 0x1D, 0x40, 0xC8, 0xC5, 0xD3, 0xD3, 0xD6]
    static let enter: [UInt8] = [0x7D, 0x40, 0x40, 0x11, 0x40, 0x40, 0xC8, 0xC9]
}
