#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A packet timestamp: nanoseconds since the Unix epoch (UTC). Covers 1678–2262.
public struct CaptureTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanosecondsSinceEpoch: Int64

    public init(nanosecondsSinceEpoch: Int64) {
        self.nanosecondsSinceEpoch = nanosecondsSinceEpoch
    }

    public init(seconds: Int64, nanoseconds: Int64 = 0) {
        self.nanosecondsSinceEpoch = seconds &* 1_000_000_000 &+ nanoseconds
    }

    /// The wall clock now (CLOCK_REALTIME), as the line recorders stamp their records.
    public static func now() -> CaptureTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return CaptureTime(seconds: Int64(spec.tv_sec), nanoseconds: Int64(spec.tv_nsec))
    }

    /// Whole seconds, rounded towards minus infinity so `nanoseconds` is always 0..<1e9.
    public var seconds: Int64 {
        let (q, r) = nanosecondsSinceEpoch.quotientAndRemainder(dividingBy: 1_000_000_000)
        return r < 0 ? q - 1 : q
    }

    /// Nanoseconds within the second, 0..<1_000_000_000.
    public var nanoseconds: Int64 {
        let r = nanosecondsSinceEpoch % 1_000_000_000
        return r < 0 ? r + 1_000_000_000 : r
    }

    public static func < (lhs: CaptureTime, rhs: CaptureTime) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }

    public static func - (lhs: CaptureTime, rhs: CaptureTime) -> Duration {
        .nanoseconds(lhs.nanosecondsSinceEpoch &- rhs.nanosecondsSinceEpoch)
    }

    public static func + (lhs: CaptureTime, rhs: Duration) -> CaptureTime {
        let (s, atto) = rhs.components
        return CaptureTime(nanosecondsSinceEpoch: lhs.nanosecondsSinceEpoch &+ s &* 1_000_000_000 &+ atto / 1_000_000_000)
    }

    /// "1700000000.123456789" (seconds.nanoseconds, as tshark's epoch format prints it).
    public var description: String {
        let ns = String(nanoseconds)
        return "\(seconds)." + String(repeating: "0", count: 9 - ns.count) + ns
    }
}
