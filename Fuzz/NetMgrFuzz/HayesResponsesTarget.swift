import Dialup
import NIOCore

/// Arbitrary bytes as a Hayes modem's output (first byte: piece size; second: dialer settings)
/// to `HayesLineAssembler`, `ModemResult.hayesLine` and a `ModemDialer`; the same bytes as a
/// DTE's input to a Hayes `ModemEmulator` (the AT command parser), with time moving on.
enum HayesResponsesTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let stride = Int(input.byte()) + 1
        let settings = input.byte()
        let configuration = ModemDialer.Configuration(
            protocol: .hayes, direction: settings & 1 == 0 ? .callOut : .callIn, number: "0300001111",
            answerAfterRings: Int(settings >> 1 & 3), callerID: settings & 8 != 0,
            commandTimeout: .milliseconds(50), connectTimeout: .milliseconds(200))
        var assembler = HayesLineAssembler(maximumLineLength: 64)
        var dialer = ModemDialer(configuration: configuration)
        var modem = ModemEmulator(protocol: .hayes, configuration: .init(ringInterval: .milliseconds(20), escapeGuardTime: .milliseconds(10)))
        var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var finished = false
        checkDialer(dialer.start(now: now), finished: &finished)
        var step = 0
        while !input.isAtEnd {
            let piece = input.piece(stride)
            for line in assembler.lines(in: piece) {
                check(line.utf8.count <= 64 * 3 && !line.contains("\r") && !line.contains("\n"), "line too long or not split: \(line.debugDescription)")
                _ = ModemResult.hayesLine(line)
            }
            now = now + .milliseconds(Int64(step % 7) * 5)
            let received = dialer.receive(piece, now: now)
            check(!finished || received.isEmpty, "dialer acted after it connected or failed: \(received)")
            checkDialer(received, finished: &finished)
            checkDialer(dialer.tick(now: now), finished: &finished)
            if finished, step % 5 == 0 {
                finished = false
                checkDialer(dialer.start(now: now), finished: &finished)
            }
            checkModem(modem.isDataMode ? modem.fromDTEInDataMode(piece, now: now) : modem.fromDTE(piece, now: now), piece: piece)
            switch step % 11 {
            case 3: checkModem(modem.incomingCall(from: "0312340001", now: now), piece: piece)
            case 5: checkModem(modem.callProgress(step % 2 == 0 ? .connect(speed: nil) : .busy, now: now), piece: piece)
            case 7: checkModem(modem.remoteHungUp(now: now), piece: piece)
            case 9: checkModem(modem.dtrDropped(now: now), piece: piece)
            default: checkModem(modem.tick(now: now), piece: piece)
            }
            step += 1
        }
        // Connected, then the carrier goes: that ends the call, a second ending by design.
        if dialer.isConnected { finished = false }
        let lost = dialer.carrierLost(now: now)
        check(lost.isEmpty || finished == false, "carrier loss after the attempt ended: \(lost)")
        checkDialer(lost, finished: &finished)
    }

    static func checkDialer(_ actions: [ModemDialer.Action], finished: inout Bool) {
        for action in actions {
            switch action {
            case .send(let bytes):
                check(bytes.readableBytes <= 256, "dialer sent \(bytes.readableBytes) bytes at once")
            case .connected, .failed:
                check(!finished, "dialer ended twice")
                finished = true
            case .dataModeBytes, .setTimer:
                break
            }
        }
    }

    static func checkModem(_ actions: [ModemEmulator.Action], piece: ByteBuffer) {
        for case .toDTE(let bytes) in actions {
            // Echo of the piece plus a few results per command line.
            check(bytes.readableBytes <= piece.readableBytes * 40 + 512, "modem answered \(bytes.readableBytes) bytes to \(piece.readableBytes)")
        }
    }
}
