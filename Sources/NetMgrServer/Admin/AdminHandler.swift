import Foundation
import NIOCore
import NetMgrProtocol

/// One admin connection: JSON requests, one per line, each answered by one JSON line.
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let router: Router
    private let metricsText: () -> String
    private var pending = ByteBuffer()
    private static let maximumLine = 64 * 1024

    init(router: Router, metricsText: @escaping () -> String) {
        self.router = router
        self.metricsText = metricsText
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        pending.writeBuffer(&bytes)
        while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let line = pending.readSlice(length: newline - pending.readerIndex + 1)!
            handle(line: line, context: context)
        }
        if pending.readableBytes > Self.maximumLine {
            reply(AdminResponse(ok: false, error: "request longer than \(Self.maximumLine) bytes", node: router.node.name), context: context)
            context.close(promise: nil)
        }
    }

    private func handle(line: ByteBuffer, context: ChannelHandlerContext) {
        let request: AdminRequest
        do {
            request = try JSONDecoder().decode(AdminRequest.self, from: Data(line.readableBytesView))
        } catch {
            let problem = Self.describe(error, in: Data(line.readableBytesView))
            reply(AdminResponse(ok: false, error: "bad admin request: \(problem)", node: router.node.name), context: context)
            return
        }
        // Answered on this channel's loop, where this handler and its context live.
        router.handle(request, metricsText: metricsText).hop(to: context.eventLoop).assumeIsolated().whenSuccess { response in
            self.reply(response, context: context)
        }
    }

    /// A decoding error in an operator's words. Foundation calls valid JSON with a number
    /// that does not fit its field (an epoch of -1 or 1e300) "not valid JSON"; say which.
    static func describe(_ error: any Error, in line: Data) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, _)?:
            return "\"\(key.stringValue)\" is missing"
        case .typeMismatch(let type, let context)?, .valueNotFound(let type, let context)?:
            let expected = type == String.self ? "text" : "\(type)".hasPrefix("Array") ? "a list" : type == Bool.self ? "true or false" : "a number"
            return "\(path(context)): expected \(expected)"
        case .dataCorrupted(let context)? where !context.codingPath.isEmpty:
            return "\(path(context)): \(context.debugDescription)"
        case .dataCorrupted?:
            guard (try? JSONSerialization.jsonObject(with: line)) != nil else { return "not valid JSON (or a number beyond any range)" }
            return "a number is out of range or not whole (epoch: a whole number from 1 to \(Epoch.maximum); timeoutSeconds: seconds from 0.001 to 86400)"
        default:
            return "\(error)"
        }
    }

    private func reply(_ response: AdminResponse, context: ChannelHandlerContext) {
        guard context.channel.isActive, var data = try? JSONEncoder().encode(response) else { return }
        data.append(UInt8(ascii: "\n"))
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: data)), promise: nil)
    }
}
