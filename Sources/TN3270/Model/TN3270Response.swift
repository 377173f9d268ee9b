/// A TN3270E RESPONSE message (RFC 2355 §10.4): the answer to the record
/// with the same sequence number.
public struct TN3270Response: Hashable, Sendable, CustomStringConvertible {
    public enum Outcome: Hashable, Sendable {
        /// POSITIVE-RESPONSE; data is DEVICE-END (0x00).
        case positive
        /// NEGATIVE-RESPONSE with its one-byte sense (see `TN3270ESense`).
        case negative(sense: UInt8)
    }

    public var sequenceNumber: UInt16
    public var outcome: Outcome

    public init(sequenceNumber: UInt16, outcome: Outcome) {
        self.sequenceNumber = sequenceNumber
        self.outcome = outcome
    }

    public var isPositive: Bool { self.outcome == .positive }

    public var description: String {
        switch self.outcome {
        case .positive: "record \(self.sequenceNumber) accepted"
        case .negative(let sense): "record \(self.sequenceNumber) rejected (sense \(TN3270ESense.name(sense)))"
        }
    }
}
