import Foundation

/// An activation epoch: each activation of a resource, on any node, gets a larger one, and
/// clients follow the server with the highest. 0 means "never activated".
///
/// Epochs stop at `maximum`, 2^53 − 1, so that every epoch is exact wherever it travels as
/// a JSON or floating-point number (jq, cluster engines' scripts, Prometheus gauges), and a
/// value near 2^64 from a typo, a peer or a damaged file is refused instead of overflowing.
/// The clock floor (milliseconds since 1970, about 1.8 × 10^12 today) leaves room for
/// thousands of years of activations below it. The wire formats keep a UInt64; convert
/// with `init(validating:)` where one arrives.
public struct Epoch: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let value: UInt64

    public static let zero = Epoch(unchecked: 0)
    public static let maximum = Epoch(unchecked: (1 << 53) - 1)

    /// Why a number cannot be an epoch.
    public struct OutOfRange: Error, Sendable, Equatable, CustomStringConvertible {
        public var value: UInt64
        public init(value: UInt64) { self.value = value }
        public var description: String {
            "epoch \(value) is past the largest allowed, \(Epoch.maximum.value) (2^53 − 1, the largest integer every JSON tool keeps exact)"
        }
    }

    /// The epochs are used up: nothing larger than `seen` may be handed out.
    public struct Exhausted: Error, Sendable, Equatable, CustomStringConvertible {
        public var seen: Epoch
        public init(seen: Epoch) { self.seen = seen }
        public var description: String {
            "no epoch is left after \(seen.value) (the largest allowed is \(Epoch.maximum.value)); "
                + "an epoch that large came from a mistaken --epoch or a damaged state file"
        }
    }

    public init(validating value: UInt64) throws(OutOfRange) {
        guard value <= Self.maximum.value else { throw OutOfRange(value: value) }
        self.value = value
    }

    private init(unchecked value: UInt64) { self.value = value }

    /// The one allocation rule: the next activation's epoch is above every epoch seen
    /// and at least `floor` (the clock, so nodes that share no state still grow).
    public static func next(after seen: Epoch, atLeast floor: Epoch) throws(Exhausted) -> Epoch {
        let (above, overflow) = seen.value.addingReportingOverflow(1)
        guard !overflow, above <= maximum.value else { throw Exhausted(seen: seen) }
        return Epoch(unchecked: max(above, floor.value))
    }

    /// Milliseconds since 1970 at `date`, clamped into the epoch range: a clock set before
    /// 1970 gives 0, a clock beyond year 287,000 gives `maximum` (and the next allocation fails).
    public static func clockFloor(_ date: Date) -> Epoch {
        let milliseconds = date.timeIntervalSince1970 * 1000
        guard milliseconds.isFinite, milliseconds > 0 else { return .zero }
        guard milliseconds < Double(maximum.value) else { return .maximum }
        return Epoch(unchecked: UInt64(milliseconds))
    }

    public static func < (a: Epoch, b: Epoch) -> Bool { a.value < b.value }

    public var description: String { String(value) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let number = try container.decode(UInt64.self)
        do {
            try self.init(validating: number)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

extension Epoch: ExpressibleByIntegerLiteral {
    /// For constants in code (tests); input goes through `init(validating:)`.
    public init(integerLiteral value: UInt64) {
        precondition(value <= Self.maximum.value, "epoch literal \(value) is past Epoch.maximum")
        self.value = value
    }
}
