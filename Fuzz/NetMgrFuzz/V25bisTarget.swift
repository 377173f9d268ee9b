import Dialup
import NIOCore

/// Arbitrary bytes (first byte: piece size; second: direction) as V.25bis frames to the
/// `V25bisFrameReader`, a V.25bis `ModemDialer` and a V.25bis `ModemEmulator`.
enum V25bisTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let stride = Int(input.byte()) + 1
        let settings = input.byte()
        var reader = V25bisFrameReader()
        var dialer = ModemDialer(configuration: .init(
            protocol: .v25bis, direction: settings & 1 == 0 ? .callOut : .callIn, number: "0300001111",
            commandTimeout: .milliseconds(50), connectTimeout: .milliseconds(200)))
        var modem = ModemEmulator(protocol: .v25bis, configuration: .init(ringInterval: .milliseconds(20)))
        var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var finished = false
        HayesResponsesTarget.checkDialer(dialer.start(now: now), finished: &finished)
        var step = 0
        while !input.isAtEnd {
            let piece = input.piece(stride)
            for message in reader.messages(in: piece) {
                check(V25bisMessage(text: message.text) == message, "\(message) does not survive print/parse")
                let text = message.text
                if text.utf8.count <= V25bisFrame.maximumTextLength, text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
                    var again = V25bisFrameReader()
                    check(again.messages(in: V25bisFrame.encoded(text)) == [message], "\(message) does not survive encode/decode")
                }
            }
            now = now + .milliseconds(Int64(step % 7) * 5)
            let received = dialer.receive(piece, now: now)
            check(!finished || received.isEmpty, "dialer acted after it connected or failed: \(received)")
            HayesResponsesTarget.checkDialer(received, finished: &finished)
            HayesResponsesTarget.checkDialer(dialer.tick(now: now), finished: &finished)
            if finished, step % 5 == 0 {
                finished = false
                HayesResponsesTarget.checkDialer(dialer.start(now: now), finished: &finished)
            }
            HayesResponsesTarget.checkModem(modem.fromDTE(piece, now: now), piece: piece)
            switch step % 11 {
            case 3: HayesResponsesTarget.checkModem(modem.incomingCall(from: "0312340001", now: now), piece: piece)
            case 5: HayesResponsesTarget.checkModem(modem.callProgress(step % 2 == 0 ? .connect(speed: nil) : .noAnswer, now: now), piece: piece)
            case 7: HayesResponsesTarget.checkModem(modem.remoteHungUp(now: now), piece: piece)
            case 9: HayesResponsesTarget.checkModem(modem.dtrDropped(now: now), piece: piece)
            default: HayesResponsesTarget.checkModem(modem.tick(now: now), piece: piece)
            }
            step += 1
        }
    }
}
