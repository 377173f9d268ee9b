import LineTransport
import NIOCore
import SDLC

/// One SDLC line the simulated host drives: where to reach it (the line switch's host-side
/// port), the station address to poll, the LUs to activate, and the timers.
public struct SDLCHostLinkConfiguration: Sendable {
    /// The line's name for the journal, e.g. `COM1 Unit1 Line1`.
    public var line: String
    public var device: LineDevice
    public var stationAddress: UInt8
    /// LU local addresses to ACTLU and BIND, in order, with their names when known.
    public var logicalUnits: [(address: UInt8, name: String?)]
    /// T1, N2 and the poll interval of the primary station.
    public var replyTimeout: TimeAmount = .milliseconds(300)
    public var retryLimit = 3
    public var pollInterval: TimeAmount = .milliseconds(50)
    /// Wait between attempts to reach the line switch.
    public var reconnectDelay: TimeAmount = .milliseconds(200)
    /// The LUs' application writes 3270 screens (`SNAHostStateMachine.Configuration.writesScreens`).
    public var writesScreens = false

    public init(line: String, device: LineDevice, stationAddress: UInt8, logicalUnits: [(address: UInt8, name: String?)]) {
        self.line = line
        self.device = device
        self.stationAddress = stationAddress
        self.logicalUnits = logicalUnits
    }

    func luName(_ address: UInt8) -> String? {
        logicalUnits.first { $0.address == address }?.name ?? nil
    }
}
