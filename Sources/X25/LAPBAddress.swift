/// LAPB's two addresses (ISO 7776 single link): A (0x03) names the DTE, B (0x01) the DCE. A
/// command carries the receiver's address, a response the sender's: the DTE sends commands
/// with B and responses with A, the DCE commands with A and responses with B.
public enum LAPBRole: Hashable, Sendable, CustomStringConvertible {
    case dte
    case dce

    public static let addressA: UInt8 = 0x03
    public static let addressB: UInt8 = 0x01

    /// The address of this role's station (A for the DTE, B for the DCE).
    public var ownAddress: UInt8 { self == .dte ? Self.addressA : Self.addressB }
    /// The other station's address.
    public var peerAddress: UInt8 { self == .dte ? Self.addressB : Self.addressA }
    /// Address on the commands this role sends.
    public var commandAddress: UInt8 { peerAddress }
    /// Address on the responses this role sends.
    public var responseAddress: UInt8 { ownAddress }

    public var peer: LAPBRole { self == .dte ? .dce : .dte }

    /// Whether a frame with `address`, received by this role, is a command (else a response,
    /// or nil for an address LAPB does not use).
    public func isCommand(receivedAddress address: UInt8) -> Bool? {
        switch address {
        case ownAddress: return true
        case peerAddress: return false
        default: return nil
        }
    }

    public var description: String { self == .dte ? "DTE" : "DCE" }
}
