import NIOCore

/// Collects the data events between two IAC EORs. A record that arrives in
/// one read stays the slice the decoder produced; only split records copy.
struct RecordAssembler: Sendable {
    var maximumLength: Int
    private var pending: ByteBuffer?

    init(maximumLength: Int) {
        self.maximumLength = maximumLength
    }

    var isEmpty: Bool { (self.pending?.readableBytes ?? 0) == 0 }

    /// False when the record would exceed `maximumLength`.
    mutating func append(_ data: ByteBuffer) -> Bool {
        guard var pending = self.pending else {
            self.pending = data
            return data.readableBytes <= self.maximumLength
        }
        self.pending = nil
        guard pending.readableBytes + data.readableBytes <= self.maximumLength else { return false }
        var data = data
        pending.writeBuffer(&data)
        self.pending = pending
        return true
    }

    mutating func take() -> ByteBuffer {
        defer { self.pending = nil }
        return self.pending ?? ByteBuffer()
    }
}
