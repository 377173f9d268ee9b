import NIOCore
import TN3270

/// Everything a TN3270 machine sends, decoded as its peer would: a machine must never write
/// telnet its peer cannot parse (an unescaped IAC from a name it was given, say).
struct SentTelnet {
    private var decoder = TelnetDecoder()
    private var pending = ByteBuffer()
    let sender: String

    init(sender: String) { self.sender = sender }

    mutating func append(_ bytes: ByteBuffer) {
        var bytes = bytes
        pending.writeBuffer(&bytes)
        do {
            while try decoder.decode(buffer: &pending) != nil {}
        } catch {
            fatalError("the \(sender) sent telnet its peer cannot decode: \(error)")
        }
        pending.discardReadBytes()
    }
}
