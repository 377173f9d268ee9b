import NIOConcurrencyHelpers
import NIOCore
import SDLC

extension RawLineConnection {
    /// Switches this line from raw bytes to HDLC framing on the same channel: the raw
    /// handlers are removed and the HDLC handlers installed, so from now on `events` gets
    /// frames, framing errors and the close, and the raw `events` closure gets nothing more.
    /// A dial-up line uses it after CONNECT: the modem dialogue runs raw, then SDLC runs in
    /// HDLC framing. `pending` is what the dialogue's reader already took off the line after
    /// the CONNECT (the first bytes of data mode); it is decoded first.
    ///
    /// On a `tty:` line with modem lines, a DCD drop from then on closes the line with
    /// `LineCarrierLost` (the call is gone). Fails with `LineOpenError` if the line is closed.
    public func upgradeToHDLC(
        events: @escaping @Sendable (LineEvent) -> Void, pending: ByteBuffer? = nil
    ) -> EventLoopFuture<LineConnection> {
        let channel = self.channel
        let device = self.device
        let logger = self.logger
        let modemLines = self.modemLineBox
        return channel.eventLoop.submit {
            guard channel.isActive else { throw LineOpenError(device: device, reason: "the line closed before it could switch to HDLC framing") }
            let sync = channel.pipeline.syncOperations
            // Both are plain removable handlers: removal completes at once, before the next read.
            _ = sync.removeHandler(name: RawLineHandlers.receiverName)
            _ = sync.removeHandler(name: RawLineHandlers.counterName)
            let counters = NIOLockedValueBox(LineCounters())
            try HDLCLineHandlers.install(on: channel, device: device, counters: counters, logger: logger, events: events)
            let connection = LineConnection(device: device, channel: channel, counters: counters, modemLines: modemLines)
            modemLines?.carrierLossClosesLine()
            if let pending, pending.readableBytes > 0 {
                sync.fireChannelRead(NIOAny(pending))
                sync.fireChannelReadComplete()
            }
            return connection
        }
    }
}
