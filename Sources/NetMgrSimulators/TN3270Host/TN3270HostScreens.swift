import NIOCore
import TN3270

/// The 3270 and SCS records the host sends.
///
/// The greeting restores the keyboard, as VTAM's USS logon screen and a CICS "good
/// morning" screen do: a real terminal's keyboard is locked from connect until the host's
/// first write unlocks it, so a terminal never sends before the greeting arrives. In basic
/// TN3270 a client that takes "a keyboard-restoring Write after my record" as acceptance
/// must therefore wait for the greeting before its first record.
enum TN3270HostScreens {
    /// 3270 orders (IBM GA23-0059): Start Field, Set Buffer Address, Insert Cursor.
    private static let startField: UInt8 = 0x1D
    private static let setBufferAddress: UInt8 = 0x11
    private static let insertCursor: UInt8 = 0x13
    /// Field attributes, already through the 3270 code table: protected, unprotected.
    private static let protectedAttribute: UInt8 = 0x60
    private static let unprotectedAttribute: UInt8 = 0x40
    private static let columns = 80

    /// Erase/Write with keyboard restore: the LU name on row 1, an input field on row 3.
    static func greeting(lu: String, dialect: TN3270Dialect, deviceType: String) -> ByteBuffer {
        panel(title: "NETMGR HOST SIMULATOR  LU \(lu)  \(dialect)  \(deviceType)")
    }

    /// Erase/Write with keyboard restore: `title` on row 1, an input field on row 3.
    static func panel(title: String) -> ByteBuffer {
        var orders: [UInt8] = [startField, protectedAttribute]
        orders += EBCDIC.encode(title)
        orders += [setBufferAddress] + bufferAddress(row: 2, column: 0)
        orders += [startField, protectedAttribute] + EBCDIC.encode("INPUT ===>")
        orders += [startField, unprotectedAttribute, insertCursor]
        return TN3270DataStream.record(.eraseWrite, control: [.keyboardRestore, .resetModifiedDataTags], orders: orders)
    }

    /// A screen-level refusal like Hercules' when no 3270 device is free: Erase/Write with
    /// the message on row 1 and the keyboard left locked.
    static func rejection(client: String) -> ByteBuffer {
        let orders = [startField, protectedAttribute] + EBCDIC.encode("NO AVAILABLE 3270 DEVICES FOR \(client)")
        return TN3270DataStream.record(.eraseWrite, control: [.resetModifiedDataTags], orders: orders)
    }

    /// Write Structured Field holding Read Partition (0x01) Query (0x02) for partition 0xFF.
    static func readPartitionQuery() -> ByteBuffer {
        ByteBuffer(bytes: [0xF3, 0x00, 0x05, 0x01, 0xFF, 0x02])
    }

    /// The answer to a terminal's input: a Write that only restores the keyboard. In basic
    /// TN3270 this is how the host says "accepted".
    static func acknowledgement() -> ByteBuffer {
        TN3270DataStream.record(.write, control: [.keyboardRestore, .resetModifiedDataTags])
    }

    /// One line of SCS print data: text, then NL (0x15).
    static func printLine(lu: String, number: Int) -> ByteBuffer {
        ByteBuffer(bytes: EBCDIC.encode("NETMGR HOST SIMULATOR PRINT \(lu) \(number)") + [0x15])
    }

    /// The same line as 3270 print data (LU type 3): Erase/Write with start-printer in the WCC
    /// (unformatted print: the NL and EM orders end the line and the job), then the text.
    static func printRecord3270(lu: String, number: Int) -> ByteBuffer {
        TN3270DataStream.record(.eraseWrite, control: [.startPrinter],
                                orders: EBCDIC.encode("NETMGR HOST SIMULATOR PRINT \(lu) \(number)") + [0x15, 0x19])
    }

    /// A 12-bit buffer address in two bytes through the 3270 code table.
    private static func bufferAddress(row: Int, column: Int) -> [UInt8] {
        let address = row * columns + column
        return [code6(address >> 6), code6(address & 0x3F)]
    }

    private static func code6(_ value: Int) -> UInt8 {
        // WriteControl.wireByte maps 6-bit values through the same code table.
        TN3270DataStream.WriteControl(rawValue: UInt8(value & 0x3F)).wireByte
    }
}
