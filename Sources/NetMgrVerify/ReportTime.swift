import PacketCapture

/// A packet time in a report: nanoseconds since the Unix epoch (UTC), written as a
/// string "1700000000.123456789", exactly as tshark prints `frame.time_epoch`, so that no
/// precision is lost in JSON and reports compare with tshark output as text.
public struct ReportTime: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var nanosecondsSinceEpoch: Int64

    public init(nanosecondsSinceEpoch: Int64) {
        self.nanosecondsSinceEpoch = nanosecondsSinceEpoch
    }

    public init(_ time: CaptureTime) {
        self.nanosecondsSinceEpoch = time.nanosecondsSinceEpoch
    }

    public var captureTime: CaptureTime { CaptureTime(nanosecondsSinceEpoch: nanosecondsSinceEpoch) }

    public static func < (lhs: ReportTime, rhs: ReportTime) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }

    /// Seconds from `earlier` to `self` (negative when `self` is earlier).
    public func seconds(since earlier: ReportTime) -> Double {
        Double(nanosecondsSinceEpoch &- earlier.nanosecondsSinceEpoch) / 1e9
    }

    public var description: String { captureTime.description }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = ReportTime(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an epoch time: \(text)"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Parses "SECONDS[.FRACTION]" (up to 9 fraction digits).
    public init?(parsing text: String) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let seconds = Int64(parts[0]) else { return nil }
        var nanos: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.count <= 9, fraction.allSatisfy(\.isNumber), let value = Int64(fraction) else { return nil }
            nanos = value
            for _ in fraction.count..<9 { nanos *= 10 }
        }
        self.init(nanosecondsSinceEpoch: seconds * 1_000_000_000 + (seconds < 0 ? -nanos : nanos))
    }
}
