/// Text in EBCDIC code page 037, the host's code page, for 3270 screens and SCS print data.
/// Letters, digits, space and common punctuation both ways; anything else becomes "?"
/// (encoding) or "." (decoding a graphic this table does not know).
public enum EBCDIC {
    public static func encode(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { scalar in
            scalar.isASCII ? toEBCDIC[Int(scalar.value)] : question
        }
    }

    /// Decodes one byte; nil for a byte that is not a graphic in this table (3270 orders
    /// and control codes are below 0x40).
    public static func character(_ byte: UInt8) -> Character? {
        let ascii = toASCII[Int(byte)]
        return ascii == 0 ? nil : Character(Unicode.Scalar(ascii))
    }

    public static func decode(_ bytes: some Sequence<UInt8>) -> String {
        String(bytes.map { character($0) ?? "." })
    }

    public static let question: UInt8 = 0x6F

    /// ASCII 0x00-0x7F to CP037; unmapped control characters become "?".
    private static let toEBCDIC: [UInt8] = {
        var table = [UInt8](repeating: question, count: 128)
        for (ascii, code) in pairs { table[Int(ascii)] = code }
        return table
    }()

    /// CP037 to ASCII; 0 where the byte is not in `pairs`.
    private static let toASCII: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for (ascii, code) in pairs { table[Int(code)] = ascii }
        return table
    }()

    private static let pairs: [(UInt8, UInt8)] = {
        var pairs: [(UInt8, UInt8)] = []
        func map(_ from: Character, _ to: UInt8, count: Int = 1) {
            let start = from.asciiValue!
            for offset in 0..<UInt8(count) { pairs.append((start + offset, to + offset)) }
        }
        map("A", 0xC1, count: 9); map("J", 0xD1, count: 9); map("S", 0xE2, count: 8)
        map("a", 0x81, count: 9); map("j", 0x91, count: 9); map("s", 0xA2, count: 8)
        map("0", 0xF0, count: 10)
        let punctuation: [(Character, UInt8)] = [
            (" ", 0x40), (".", 0x4B), ("<", 0x4C), ("(", 0x4D), ("+", 0x4E), ("|", 0x4F), ("&", 0x50),
            ("!", 0x5A), ("$", 0x5B), ("*", 0x5C), (")", 0x5D), (";", 0x5E), ("-", 0x60), ("/", 0x61),
            (",", 0x6B), ("%", 0x6C), ("_", 0x6D), (">", 0x6E), ("?", 0x6F), (":", 0x7A), ("#", 0x7B),
            ("@", 0x7C), ("'", 0x7D), ("=", 0x7E), ("\"", 0x7F),
        ]
        for (character, code) in punctuation { map(character, code) }
        return pairs
    }()
}
