import NIOCore
import TN3270

/// The host side's state machine fed what a terminal might send. Byte 0 picks the
/// configuration, whether the owner grants or rejects and (0x20) grants SNA LU functions,
/// byte 1 the piece size.
enum TN3270ServerTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let flags = input.byte()
        let stride = Int(input.byte()) + 1
        var machine = TN3270ServerStateMachine(configuration: TN3270ServerConfiguration(
            offersTN3270E: flags & 0x01 == 0,
            supportedFunctions: flags & 0x02 != 0 ? [] : [.responses],
            firstSequenceNumber: flags & 0x04 != 0 ? 0x7FFE : 0,
            maximumRecordLength: 1024))
        var sent = SentTelnet(sender: "host")
        var closed = false
        func perform(_ actions: [TN3270ServerStateMachine.Action]) -> [TN3270ServerStateMachine.Action] {
            for case .send(let bytes) in actions { sent.append(bytes) }
            return actions
        }
        _ = perform(machine.start())
        var requests = 0
        while !input.isAtEnd {
            let actions = perform(machine.receive(input.piece(stride)))
            check(!closed || actions.isEmpty, "the host acted after it asked to close: \(actions)")
            for action in actions {
                switch action {
                case .luRequested(let request):
                    requests += 1
                    if flags & 0x08 != 0, requests == 1 {
                        _ = (try? machine.reject(.deviceInUse)).map(perform)
                    } else {
                        // The host grants the name the terminal asked for, whatever its bytes.
                        // Flag 0x20: an SNA LU's grant (BIND-IMAGE and RESPONSES, as netmgrd's TN server offers).
                        let functions: [TN3270EFunction]? = flags & 0x20 != 0 ? [.bindImage, .responses] : nil
                        _ = (try? machine.grant(luName: request.luName ?? "SIMLU01", supportedFunctions: functions)).map(perform)
                    }
                case .bound(let binding):
                    sent.append(machine.probe())
                    if binding.functions.contains(.bindImage), let image = try? machine.sendRecord(ByteBuffer(bytes: [0x31, 0x01, 0x03, 0x03]), dataType: .bindImage) {
                        sent.append(image.bytes)
                    }
                    if let record = try? machine.sendRecord(ByteBuffer(bytes: [0xF5, 0xC3]), requestingResponse: flags & 0x10 != 0) {
                        sent.append(record.bytes)
                    }
                case .record(let record):
                    if let response = try? machine.respond(to: record, .positive) { sent.append(response) }
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
