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
        var rejections = 0
        while !input.isAtEnd {
            for action in machine.receive(input.piece(stride)) {
                switch action {
                case .rejected:
                    rejections += 1
                    if flags & 0x20 != 0, rejections < 3 {
                        _ = try? machine.retry(luName: "SIMLU02")
                    } else {
                        _ = try? machine.fallBackToBasic()
                    }
                case .record(let record):
                    _ = try? machine.respond(to: record, flags & 0x40 != 0 ? .positive : .negative(sense: 1))
                    _ = try? machine.sendRecord(record.data)
                default:
                    break
                }
            }
            _ = machine.phase?.description
        }
        _ = machine.connectionClosed()
    }
}
