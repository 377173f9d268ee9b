/// Lenient telnet lexer for one direction of a captured connection. Unlike
/// `TelnetDecoder` it never fails: garbage and streams picked up mid-way
/// degrade to counted anomalies. Between IACs it only runs memchr.
struct TelnetScanner: Sendable {
    enum State: UInt8, Sendable {
        case data, iac, verb, subnegotiation, subnegotiationIAC
    }

    /// Longer sub-negotiations are abandoned: real TN3270 ones are short, a
    /// long one is garbage or a capture that started inside data.
    static let subnegotiationLimit = 256

    var state: State = .data
    var verb: UInt8 = 0
    var subnegotiation: [UInt8] = []
    /// Bytes fed so far in this direction.
    var offset = 0

    // The first 5 data bytes of the current record, for header statistics, and the
    // sixth (a TN3270E record's first 3270 byte, its AID when it is input).
    var header: (UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0)
    var sixth: UInt8 = 0
    var headerCount = 0
    static let capturedBytes = 6

    mutating func captureHeader(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) {
        var index = start
        while self.headerCount < Self.capturedBytes && index < end {
            self.captureHeaderByte(bytes[index])
            index += 1
        }
    }

    mutating func captureHeaderByte(_ byte: UInt8) {
        switch self.headerCount {
        case 0: self.header.0 = byte
        case 1: self.header.1 = byte
        case 2: self.header.2 = byte
        case 3: self.header.3 = byte
        case 4: self.header.4 = byte
        case 5: self.sixth = byte
        default: return
        }
        self.headerCount += 1
    }
}
