import NIOCore
import TN3270

/// The terminal side's state machine fed what a host might send. Byte 0 picks the
/// configuration and how the owner answers a REJECT, byte 1 the piece size.
enum TN3270ClientTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let flags = input.byte()
        let stride = Int(input.byte()) + 1
        var machine = TN3270ClientStateMachine(configuration: TN3270ClientConfiguration(
            luName: flags & 0x01 != 0 ? "SIMLU01" : nil,
            requestedFunctions: flags & 0x02 != 0 ? [.responses] : [],
            allowsTN3270E: flags & 0x04 == 0,
            acknowledgesHostRequests: flags & 0x08 == 0,
            firstSequenceNumber: flags & 0x10 != 0 ? 0x7FFE : 0,
            maximumRecordLength: 1024))
        var sent = SentTelnet(sender: "terminal")
        var closed = false
        var rejections = 0
        func perform(_ actions: [TN3270ClientStateMachine.Action]) -> [TN3270ClientStateMachine.Action] {
            for case .send(let bytes) in actions { sent.append(bytes) }
            return actions
        }
        while !input.isAtEnd {
            let actions = perform(machine.receive(input.piece(stride)))
            check(!closed || actions.isEmpty, "the terminal acted after it asked to close: \(actions)")
            for action in actions {
                switch action {
                case .rejected:
                    rejections += 1
                    if flags & 0x20 != 0, rejections < 3 {
                        _ = (try? machine.retry(luName: "SIMLU02")).map(perform)
                    } else {
                        _ = (try? machine.fallBackToBasic()).map(perform)
                    }
                case .record(let record):
                    if let response = try? machine.respond(to: record, flags & 0x40 != 0 ? .positive : .negative(sense: 1)) { sent.append(response) }
                    if let echo = try? machine.sendRecord(record.data) { sent.append(echo.bytes) }
                case .close:
                    closed = true
                default:
                    break
                }
            }
            _ = machine.phase?.description
        }
        _ = machine.connectionClosed()
    }
}
