import NIOCore

/// A record ready for the wire, and the sequence number the machine gave it
/// (TN3270E only) so the owner can match the RESPONSE later.
public struct TN3270OutboundRecord: Hashable, Sendable {
    public var bytes: ByteBuffer
    public var sequenceNumber: UInt16?
    /// Whether a RESPONSE is expected for it (TN3270E with RESPONSES and ALWAYS-RESPONSE).
    public var expectsResponse: Bool
}
