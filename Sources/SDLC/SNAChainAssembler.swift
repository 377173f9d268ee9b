import NIOCore

/// Puts the RUs of an SNA chain back together: a host sends a 3270 screen larger than the
/// BIND's maximum RU size as a chain, first RU with BC (begin chain), last with EC (end
/// chain), the ones between with neither; the terminal (here: the emulator behind the TN
/// server) wants it as one record. One assembler per half-session and direction; a value
/// type, bounded by `limit` bytes per chain.
///
/// Errors follow SNA's receive checks: an RU without BC outside a chain, or with BC inside
/// one, is a chaining error (sense 2002), a chain longer than `limit` an RU length error
/// (1002). After an error the rest of that chain, up to its EC, is discarded without
/// further errors, so one broken chain costs one negative response.
public struct SNAChainAssembler: Sendable {
    public enum Outcome: Hashable, Sendable {
        /// The RU was taken; the chain goes on.
        case incomplete
        /// The RU ended the chain: the whole chain's data.
        case complete(ByteBuffer)
        /// The RU broke the rules; what was assembled is dropped (sense says why).
        case rejected(SNASenseCode, String)
        /// The RU belongs to a chain that was already rejected: dropped quietly.
        case discarded
    }

    enum State: Hashable, Sendable {
        case idle
        case assembling(ByteBuffer, rus: Int)
        /// A chain was rejected; its remaining RUs are dropped until its EC.
        case discarding
    }

    public let limit: Int
    private(set) var state: State = .idle

    /// `limit`: the longest chain taken, in bytes (at least 1).
    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Whether a chain is being assembled (BC seen, EC not yet).
    public var isInChain: Bool {
        if case .assembling = state { return true }
        return false
    }

    /// Takes one RU of a chain with its RH's BC and EC.
    public mutating func add(_ ru: ByteBuffer, beginChain: Bool, endChain: Bool) -> Outcome {
        switch (state, beginChain) {
        case (.idle, true), (.discarding, true):
            return start(ru, endChain: endChain)
        case (.idle, false):
            // A middle or last RU with no chain begun: nothing to add it to.
            if !endChain { state = .discarding }
            return .rejected(.chainingError, "an RU without begin-chain (BC) outside a chain")
        case (.discarding, false):
            if endChain { state = .idle }
            return .discarded
        case (.assembling(_, let rus), true):
            state = endChain ? .idle : .discarding
            return .rejected(.chainingError, "an RU with begin-chain (BC) inside a chain of \(rus) RU\(rus == 1 ? "" : "s") that had no end-chain (EC); the chain is dropped")
        case (.assembling(var buffer, let rus), false):
            guard buffer.readableBytes <= limit - ru.readableBytes else {
                state = endChain ? .idle : .discarding
                return .rejected(.requestUnitLengthError, "a chain longer than \(limit) bytes (\(rus + 1) RUs)")
            }
            state = .idle  // drop the buffer's reference before appending: no copy-on-write
            var part = ru
            buffer.writeBuffer(&part)
            if endChain { return .complete(buffer) }
            state = .assembling(buffer, rus: rus + 1)
            return .incomplete
        }
    }

    /// Forgets any chain in progress (session ended).
    public mutating func reset() {
        state = .idle
    }

    private mutating func start(_ ru: ByteBuffer, endChain: Bool) -> Outcome {
        guard ru.readableBytes <= limit else {
            state = endChain ? .idle : .discarding
            return .rejected(.requestUnitLengthError, "an RU of \(ru.readableBytes) bytes, more than the \(limit)-byte chain limit")
        }
        if endChain {
            state = .idle
            return .complete(ru)
        }
        var buffer = ByteBufferAllocator().buffer(capacity: min(limit, ru.readableBytes * 4))
        var part = ru
        buffer.writeBuffer(&part)
        state = .assembling(buffer, rus: 1)
        return .incomplete
    }
}

extension SNASenseCode {
    /// 2002: chaining error (an RU's BC/EC do not fit the chain state).
    public static let chainingError = Self(rawValue: 0x2002_0000)
    /// 1002: RU length error (here: a chain longer than the receiver takes).
    public static let requestUnitLengthError = Self(rawValue: 0x1002_0000)
}
