import NIOCore

extension TN3270DataStream {
    /// The text a host record paints, row by row, for logs and status (what a host said
    /// when it refused a terminal at screen level). It follows W/EW/EWA and Outbound 3270DS
    /// fields in a WSF, places characters at their buffer addresses (SBA, RA, field
    /// attributes as blanks) on a screen of `size`, and skips other orders. Never traps:
    /// truncated orders end the walk. Bounded work whatever the host sends: only the first
    /// `inspectedBytes` are read, and painting stops after four screens' worth of cells
    /// (a hostile host's record of repeat-to-address orders would otherwise repaint the
    /// screen a million times on the event loop).
    public static func screenRows(_ record: ByteBuffer, size: TN3270ScreenSize = .model2) -> [String] {
        let bytes = Array(record.readableBytesView.prefix(inspectedBytes))
        let cells = size.rows * size.columns
        guard cells > 0, !bytes.isEmpty else { return [] }
        var screen = [Character](repeating: " ", count: cells)
        var budget = 4 * cells
        guard let command = Command(code: bytes[0]) else { return [] }
        if command == .writeStructuredField {
            forEachStructuredField(in: bytes, from: 1) { id, body in
                if id == outbound3270DS, body.count >= 2 {
                    paint(Array(bytes[(body.lowerBound + 1)..<body.upperBound]), on: &screen, budget: &budget)
                }
                return true
            }
        } else {
            paint(bytes, on: &screen, budget: &budget)
        }
        return (0..<size.rows).map { row in
            String(screen[(row * size.columns)..<((row + 1) * size.columns)])
        }
    }

    /// A screen's worth of orders is a few KiB; what lies past this is not looked at.
    static let inspectedBytes = 32 * 1024

    /// The first row with text on it, trimmed; nil for a blank screen.
    public static func firstScreenLine(_ record: ByteBuffer, size: TN3270ScreenSize = .model2) -> String? {
        for row in screenRows(record, size: size) {
            let trimmed = row.trimmingSpaces
            if !trimmed.isEmpty { return trimmed }
        }
        return nil
    }

    /// Paints one 3270 command (W/EW/EWA with WCC and orders) on `screen`.
    private static func paint(_ bytes: [UInt8], on screen: inout [Character], budget: inout Int) {
        guard let first = bytes.first, let command = Command(code: first), command.carriesWCC, bytes.count >= 2 else { return }
        let cells = screen.count
        var address = 0
        var index = 2
        func readAddress() -> Int? {
            guard index + 1 < bytes.count else { return nil }
            let high = bytes[index], low = bytes[index + 1]
            index += 2
            // 14-bit binary when the two top bits are 00, otherwise 12-bit coded.
            let value = high & 0xC0 == 0 ? Int(high & 0x3F) << 8 | Int(low) : Int(high & 0x3F) << 6 | Int(low & 0x3F)
            return value % cells
        }
        func put(_ character: Character) {
            budget -= 1
            screen[address] = character
            address = (address + 1) % cells
        }
        while index < bytes.count, budget > 0 {
            let byte = bytes[index]
            index += 1
            switch byte {
            case 0x11, 0x12:  // SBA, EUA: an address
                guard let target = readAddress() else { return }
                address = target
            case 0x1D:  // SF: an attribute byte, shown as a blank
                guard index < bytes.count else { return }
                index += 1
                put(" ")
            case 0x29:  // SFE: count, then attribute type/value pairs
                guard index < bytes.count else { return }
                index += 1 + 2 * Int(bytes[index])
                put(" ")
            case 0x2C:  // MF: count, then pairs; no address change
                guard index < bytes.count else { return }
                index += 1 + 2 * Int(bytes[index])
            case 0x28:  // SA: type, value
                index += 2
            case 0x08:  // GE: one graphic from another set
                guard index < bytes.count else { return }
                index += 1
                put(".")
            case 0x3C:  // RA: address, then the character to repeat up to it
                guard let target = readAddress(), index < bytes.count else { return }
                var fill = bytes[index]
                index += 1
                if fill == 0x08, index < bytes.count { fill = bytes[index]; index += 1 }
                let character = EBCDIC.character(fill) ?? " "
                repeat { put(character) } while address != target && budget > 0
            case 0x05, 0x13:  // PT, IC
                break
            case 0x00..<0x40:
                put(" ")
            default:
                put(EBCDIC.character(byte) ?? ".")
            }
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        let characters = Array(self)
        guard let start = characters.firstIndex(where: { $0 != " " }),
            let end = characters.lastIndex(where: { $0 != " " })
        else { return "" }
        return String(characters[start...end])
    }
}
