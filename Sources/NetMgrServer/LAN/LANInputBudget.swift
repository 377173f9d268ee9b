import NIOCore
import NetMgrProtocol

/// The bytes of incomplete frames netmgrd holds for all its clients together. Each
/// connection may buffer one frame of up to 1 MiB, but a few hundred connections that
/// each send all but the last byte of one (HELLO first, which costs nothing) must not
/// make netmgrd hold hundreds of MiB: past `limit` a connection whose incomplete frame
/// would grow further is refused. Confined to the router's event loop.
final class LANInputBudget {
    let limit: Int
    private(set) var held = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// This connection now holds `bytes` of an incomplete frame, where it held `accounted`.
    func hold(_ bytes: Int, accounted: inout Int, frameLength: Int) throws(LANProtocolError) {
        if bytes > accounted, held - accounted + bytes > limit {
            throw LANProtocolError("netmgrd already holds \(held) bytes of its clients' incomplete frames (its limit is \(limit)); a frame of \(frameLength) bytes cannot be taken now")
        }
        held += bytes - accounted
        accounted = bytes
    }

    func release(_ accounted: inout Int) {
        held -= accounted
        accounted = 0
    }
}

/// `LANFrameDecoder` that accounts the incomplete frame it holds against the shared budget.
struct BudgetedLANFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    private var frames: LANFrameDecoder
    private let budget: LANInputBudget
    private var accounted = 0

    init(_ frames: LANFrameDecoder, budget: LANInputBudget) {
        self.frames = frames
        self.budget = budget
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if let frame = try frames.decode(buffer: &buffer) {
            budget.release(&accounted)
            context.fireChannelRead(Self.wrapInboundOut(frame))
            return .continue
        }
        let frameLength = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self).map(Int.init) ?? 0
        try budget.hold(buffer.readableBytes, accounted: &accounted, frameLength: frameLength)
        return .needMoreData
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }

    mutating func decoderRemoved(context: ChannelHandlerContext) {
        budget.release(&accounted)
    }
}
