import NIOCore

/// The inbound half both TN3270 state machines share: feed bytes or decoded events to the
/// machine's `handle` while the connection is open, and put the bytes it queued in front
/// of what it reports.
protocol TelnetDrivenMachine {
    associatedtype Action: TelnetMachineAction
    var endpoint: TelnetEndpoint { get set }
    var isOpen: Bool { get }
    mutating func handle(_ event: TelnetEvent, _ reports: inout [Action])
    mutating func fail(_ kind: TN3270ProtocolError.Kind, _ reports: inout [Action])
}

/// An action type with a case that sends bytes.
protocol TelnetMachineAction {
    static func send(_ bytes: ByteBuffer) -> Self
}

extension TelnetDrivenMachine {
    /// Bytes from the peer, in order, split anywhere.
    mutating func drive(_ bytes: ByteBuffer) -> [Action] {
        self.endpoint.parser.append(bytes)
        var reports: [Action] = []
        while self.isOpen {
            let event: TelnetEvent?
            do {
                event = try self.endpoint.parser.next()
            } catch {
                self.fail(.telnet(error), &reports)
                break
            }
            guard let event else { break }
            self.handle(event, &reports)
        }
        return self.endpoint.actions(reports, send: Action.send)
    }

    /// One event already decoded by the owner's `TelnetDecoder`.
    mutating func drive(event: TelnetEvent) -> [Action] {
        var reports: [Action] = []
        if self.isOpen { self.handle(event, &reports) }
        return self.endpoint.actions(reports, send: Action.send)
    }
}
