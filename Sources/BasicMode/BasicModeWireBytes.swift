import NIOCore

/// Keeps the bytes a `BasicModeDecoder` is reading, so that each element it yields can be
/// had exactly as it was on the wire (without leading SYNs), e.g. for a line capture, rather
/// than re-encoded. Feed every chunk with `append` before decoding it, ask `element(decodedBy:)`
/// right after an `.element` output, and `trim(decodedBy:)` after the chunk. Bounded: beyond
/// `limit` bytes of one unfinished element the oldest bytes are dropped and that element's
/// bytes are not available (`nil`).
public struct BasicModeWireBytes: Sendable {
    /// Room for the largest block a default decoder takes, with every text byte DLE-doubled.
    public static let defaultLimit = 2 * (BasicModeDecoder.defaultMaximumTextLength + BasicModeDecoder.maximumHeadingLength) + 64

    public let limit: Int
    private var bytes: [UInt8] = []
    /// Stream offset of `bytes[0]`.
    private var base = 0

    public init(limit: Int = BasicModeWireBytes.defaultLimit) {
        self.limit = max(1, limit)
    }

    /// A chunk the decoder is about to read.
    public mutating func append(_ chunk: ByteBuffer) {
        bytes.append(contentsOf: chunk.readableBytesView)
        if bytes.count > limit {
            let drop = bytes.count - limit
            bytes.removeFirst(drop)
            base += drop
        }
    }

    /// The bytes of the element `decoder` has just yielded, or nil when they are no longer held.
    public func element(decodedBy decoder: BasicModeDecoder) -> [UInt8]? {
        let start = decoder.elementStreamStart - base
        let end = decoder.streamPosition - base
        guard start >= 0, start < end, end <= bytes.count else { return nil }
        return Array(bytes[start..<end])
    }

    /// Forgets the bytes of elements already yielded.
    public mutating func trim(decodedBy decoder: BasicModeDecoder) {
        let keepFrom = decoder.isBetweenElements ? decoder.streamPosition : decoder.elementStreamStart
        let drop = min(bytes.count, max(0, keepFrom - base))
        bytes.removeFirst(drop)
        base += drop
    }
}
