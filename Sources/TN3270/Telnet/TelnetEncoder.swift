import NIOCore

/// Pipeline encoder for `TelnetEvent`s, the inverse of `TelnetDecoder`.
public struct TelnetEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = TelnetEvent

    public init() {}

    public func encode(data: TelnetEvent, out: inout ByteBuffer) throws {
        out.writeTelnetEvent(data)
    }
}
