/// One end of a TCP connection.
public struct TCPEndpoint: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public static func < (lhs: TCPEndpoint, rhs: TCPEndpoint) -> Bool {
        lhs.address != rhs.address ? lhs.address < rhs.address : lhs.port < rhs.port
    }

    public var description: String {
        if case .v6 = address { return "[\(address)]:\(port)" }
        return "\(address):\(port)"
    }
}

/// A reassembled connection: `id` is unique within one reassembler (a reused 4-tuple
/// gets a new id), `client` is the SYN sender or the heuristic's pick.
public struct TCPConnection: Hashable, Sendable, CustomStringConvertible {
    public var id: UInt64
    public var client: TCPEndpoint
    public var server: TCPEndpoint

    public init(id: UInt64, client: TCPEndpoint, server: TCPEndpoint) {
        self.id = id
        self.client = client
        self.server = server
    }

    public var description: String { "#\(id) \(client) -> \(server)" }
}

public enum TCPDirection: Hashable, Sendable, CustomStringConvertible {
    case clientToServer
    case serverToClient

    public var reversed: TCPDirection { self == .clientToServer ? .serverToClient : .clientToServer }
    public var description: String { self == .clientToServer ? "client->server" : "server->client" }
}

public enum TCPCloseReason: Hashable, Sendable {
    /// Both directions sent FIN and everything before the FINs was delivered (or gapped).
    case fin
    case reset
    /// The capture ended with the connection still open.
    case captureEnd
    /// A new SYN reused the 4-tuple while this connection looked open.
    case portReused
}

/// Which directions' payload bytes a consumer wants. Without them the reassembler still
/// reports lengths, offsets, gaps and times, but never copies out-of-order bytes.
public struct TCPPayloadInterest: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let clientToServer = TCPPayloadInterest(rawValue: 1)
    public static let serverToClient = TCPPayloadInterest(rawValue: 2)
    public static let both: TCPPayloadInterest = [.clientToServer, .serverToClient]
    public static let none: TCPPayloadInterest = []

    public func contains(_ direction: TCPDirection) -> Bool {
        let member: TCPPayloadInterest = direction == .clientToServer ? .clientToServer : .serverToClient
        return contains(member)
    }
}
