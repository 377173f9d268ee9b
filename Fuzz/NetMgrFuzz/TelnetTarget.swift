import NIOCore
import TN3270

/// A telnet stream (first byte: piece size) through the telnet decoder, with the TN3270E and
/// TERMINAL-TYPE sub-negotiation parsers and the TN3270E header on every data event, and
/// through the capture observer in both directions.
enum TelnetTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let stride = Int(input.byte()) + 1
        var decoder = TelnetDecoder()
        var fromServer = TN3270CaptureObserver()
        var fromClient = TN3270CaptureObserver()
        var buffer = ByteBuffer()
        var failed = false
        while !input.isAtEnd {
            var piece = input.piece(stride)
            fromServer.feed(fromServer: piece)
            fromClient.feed(fromClient: piece)
            buffer.writeBuffer(&piece)
            while !failed {
                do {
                    guard let event = try decoder.decode(buffer: &buffer) else { break }
                    handle(event)
                } catch {
                    failed = true
                }
            }
        }
        if !failed { _ = try? decoder.decodeLast(buffer: &buffer, seenEOF: true) }
        _ = fromServer.facts
        _ = fromClient.facts
    }

    static func handle(_ event: TelnetEvent) {
        switch event {
        case .subnegotiation(.tn3270e, let payload):
            if let message = try? TN3270ESubnegotiation(payload: payload) {
                _ = "\(message)"
                check((try? TN3270ESubnegotiation(payload: message.payload)) == message, "\(message) does not survive encode/parse")
            }
        case .subnegotiation(.terminalType, let payload):
            if let message = try? TerminalTypeSubnegotiation(payload: payload) {
                check((try? TerminalTypeSubnegotiation(payload: message.payload)) == message, "\(message) does not survive encode/parse")
            }
        case .data(var bytes):
            if let header = try? TN3270EHeader(buffer: &bytes) { _ = header.description }
        default:
            break
        }
    }
}
