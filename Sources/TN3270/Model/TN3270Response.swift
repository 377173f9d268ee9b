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

/// The data byte of a RESPONSE message (RFC 2355 §10.4).
public enum TN3270ESense {
    public static let deviceEnd: UInt8 = 0x00
    public static let commandReject: UInt8 = 0x00
    public static let interventionRequired: UInt8 = 0x01
    public static let operationCheck: UInt8 = 0x02
    public static let componentDisconnected: UInt8 = 0x03

    static func name(_ sense: UInt8) -> String {
        switch sense {
        case 0x00: "COMMAND-REJECT"
        case 0x01: "INTERVENTION-REQUIRED"
        case 0x02: "OPERATION-CHECK"
        case 0x03: "COMPONENT-DISCONNECTED"
        default: "0x\(String(sense, radix: 16))"
        }
    }
}
