import NIOCore

extension ModemDialer {
    /// Begins one attempt: Hayes `ATZ` … `ATDT`/`ATS0`, or V.25bis `CRN` (call-out) / waiting for `INC`.
    public mutating func start(now: NIODeadline) -> [Action] {
        []
    }

    /// Bytes from the modem (command mode).
    public mutating func receive(_ bytes: ByteBuffer, now: NIODeadline) -> [Action] {
        []
    }

    public mutating func tick(now: NIODeadline) -> [Action] {
        []
    }

    /// DCD dropped, or the owner's `CarrierLossScanner` found NO CARRIER in data mode.
    public mutating func carrierLost(now: NIODeadline) -> [Action] {
        []
    }
}
