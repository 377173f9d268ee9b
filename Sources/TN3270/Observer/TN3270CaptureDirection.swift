/// Which half of a captured TCP connection bytes came from, as the capture
/// labels it (usually: the connection's initiator is the client). Which side
/// actually behaved as the telnet server is a fact the observer finds out.
public enum TN3270CaptureDirection: Hashable, Sendable, CustomStringConvertible {
    case fromClient
    case fromServer

    public var other: TN3270CaptureDirection {
        self == .fromClient ? .fromServer : .fromClient
    }

    public var description: String {
        self == .fromClient ? "client→server" : "server→client"
    }
}
