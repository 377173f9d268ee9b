import CNetMgrSerial
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// DTR and DCD of an open tty (TIOCMBIS/TIOCMBIC/TIOCMGET through `CNetMgrSerial`). DCD is
/// polled on the line's event loop every `pollInterval` while the line is open; a change is
/// reported as `RawLineEvent.carrier` on a raw line, and after `upgradeToHDLC` a drop closes
/// the line with `LineCarrierLost`. All descriptor use happens on the loop while the channel
/// is active, so a closed (and perhaps reused) descriptor number is never touched.
final class TTYModemLines: ModemLineControl {
    static let pollInterval: TimeAmount = .milliseconds(50)
    /// TIOCM_CD.
    static let carrierDetectBit = NM_SERIAL_CD

    let device: LineDevice
    let descriptor: CInt
    let channel: any Channel
    /// TIOCMGET: the modem-line bits, or -errno. Replaceable so the DCD logic can be tested
    /// without a port that has modem lines (a pty has none).
    let readBits: @Sendable (CInt) -> (bits: CInt, error: CInt)
    private let state: NIOLockedValueBox<State>

    private struct State {
        var carrier: Bool
        var rawEvents: (@Sendable (RawLineEvent) -> Void)?
        var closeOnCarrierLoss = false
        var poll: RepeatedTask?
    }

    /// DCD now, or nil when the descriptor has no modem lines (a pty: ENOTTY or EINVAL).
    static func probe(descriptor: CInt) -> Bool? {
        var bits: CInt = 0
        guard nm_serial_modem_bits(descriptor, &bits) == 0 else { return nil }
        return bits & NM_SERIAL_CD != 0
    }

    static let ioctlBits: @Sendable (CInt) -> (bits: CInt, error: CInt) = { descriptor in
        var bits: CInt = 0
        let rc = nm_serial_modem_bits(descriptor, &bits)
        return (bits, rc)
    }

    init(device: LineDevice, descriptor: CInt, channel: any Channel, carrier: Bool, readBits: @escaping @Sendable (CInt) -> (bits: CInt, error: CInt) = TTYModemLines.ioctlBits) {
        self.device = device
        self.descriptor = descriptor
        self.channel = channel
        self.readBits = readBits
        self.state = NIOLockedValueBox(State(carrier: carrier))
    }

    /// Starts polling DCD (call on the loop); changes go to `rawEvents`.
    func startMonitoring(rawEvents: (@Sendable (RawLineEvent) -> Void)?) {
        let task = channel.eventLoop.scheduleRepeatedTask(initialDelay: Self.pollInterval, delay: Self.pollInterval) { [self] task in
            pollCarrier(task)
        }
        state.withLockedValue {
            $0.rawEvents = rawEvents
            $0.poll = task
        }
        channel.closeFuture.whenComplete { _ in task.cancel() }
    }

    /// From now on a DCD drop closes the line (the HDLC handlers report it); raw events stop.
    func carrierLossClosesLine() {
        state.withLockedValue {
            $0.rawEvents = nil
            $0.closeOnCarrierLoss = true
        }
    }

    private func pollCarrier(_ task: RepeatedTask) {
        guard channel.isActive else {
            task.cancel()
            return
        }
        let (bits, error) = readBits(descriptor)
        guard error == 0 else { return }
        let carrier = bits & NM_SERIAL_CD != 0
        let (changed, rawEvents, closes) = state.withLockedValue { state in
            let changed = state.carrier != carrier
            state.carrier = carrier
            return (changed, state.rawEvents, state.closeOnCarrierLoss)
        }
        guard changed else { return }
        if closes {
            if !carrier { channel.pipeline.fireErrorCaught(LineCarrierLost(device: device)) }
        } else {
            rawEvents?(.carrier(carrier))
        }
    }

    func setDataTerminalReady(_ on: Bool) -> EventLoopFuture<Void> {
        let (channel, descriptor, device) = (self.channel, self.descriptor, self.device)
        return channel.eventLoop.submit {
            guard channel.isActive else { throw ModemLineError(device: device, reason: "the line is closed") }
            let rc = on ? nm_serial_modem_set(descriptor, NM_SERIAL_DTR) : nm_serial_modem_clear(descriptor, NM_SERIAL_DTR)
            guard rc == 0 else { throw ModemLineError(device: device, reason: "cannot \(on ? "raise" : "drop") DTR: \(String(cString: strerror(-rc)))") }
        }
    }

    func readCarrierDetect() -> EventLoopFuture<Bool> {
        let (channel, descriptor, device, readBits) = (self.channel, self.descriptor, self.device, self.readBits)
        return channel.eventLoop.submit {
            guard channel.isActive else { throw ModemLineError(device: device, reason: "the line is closed") }
            let (bits, rc) = readBits(descriptor)
            guard rc == 0 else { throw ModemLineError(device: device, reason: "cannot read DCD: \(String(cString: strerror(-rc)))") }
            return bits & NM_SERIAL_CD != 0
        }
    }
}
