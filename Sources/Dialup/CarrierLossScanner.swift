import NIOCore

/// Finds the modem's in-band "call gone" signal in a data-mode stream: Hayes
/// `\r\nNO CARRIER\r\n`, or (simulated V.25bis) the framed `CFIAB` message. Matches across
/// chunk boundaries; its state is one index into the pattern (a KMP automaton).
public struct CarrierLossScanner: Sendable {
    public let pattern: [UInt8]
    let fallback: [Int]
    var matched = 0

    public init(protocol: DialProtocol = .hayes) {
        switch `protocol` {
        case .hayes: self.init(pattern: Array("\r\nNO CARRIER\r\n".utf8))
        case .v25bis: self.init(pattern: Array(V25bisFrame.encoded(V25bisMessage.callFailure("AB").text).readableBytesView))
        }
    }

    init(pattern: [UInt8]) {
        self.pattern = pattern
        var fallback = [Int](repeating: 0, count: pattern.count)
        var length = 0
        var index = 1
        while index < pattern.count {
            if pattern[index] == pattern[length] {
                length += 1
                fallback[index] = length
                index += 1
            } else if length > 0 {
                length = fallback[length - 1]
            } else {
                index += 1
            }
        }
        self.fallback = fallback
    }

    /// True when the pattern ends inside `bytes` (it may have begun in earlier chunks).
    public mutating func scan(_ bytes: ByteBuffer) -> Bool {
        var found = false
        for byte in bytes.readableBytesView {
            while matched > 0, pattern[matched] != byte { matched = fallback[matched - 1] }
            if pattern[matched] == byte { matched += 1 }
            if matched == pattern.count {
                found = true
                matched = fallback[matched - 1]
            }
        }
        return found
    }

    /// Forgets a partial match (a new call).
    public mutating func reset() { matched = 0 }
}
