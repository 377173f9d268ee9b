import LineTransport
import NIOCore
import NetMgrAddresses

/// One X.25 access line the simulated host's network serves: where to reach it (the line
/// switch's host-side port), the terminal it expects (calling DTE, node id, LUs), the host's
/// own DTE address and the LAPB/packet-layer settings the line is subscribed with.
public struct X25HostLinkConfiguration: Sendable {
    /// The line's name for the journal, e.g. `COM1 Unit1 Line2`.
    public var line: String
    /// `tcp:` the line switch's host-side port (LAPB on HDLC framing).
    public var device: LineDevice
    public var hostAddress: X121Address
    public var expectation: X25HostSession.Expectation
    /// LU names for the journal.
    public var luNames: [UInt8: String] = [:]
    public var packetSize = 128
    public var packetWindow = 2
    public var lapbT1: TimeAmount = .milliseconds(300)
    public var lapbN2 = 10
    public var lapbWindow = 7
    /// Wait between attempts to reach the line switch.
    public var reconnectDelay: TimeAmount = .milliseconds(200)

    public init(line: String, device: LineDevice, hostAddress: X121Address, expectation: X25HostSession.Expectation) {
        self.line = line
        self.device = device
        self.hostAddress = hostAddress
        self.expectation = expectation
    }
}
