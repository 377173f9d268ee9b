import Foundation
import NIOCore
import NetMgrProtocol

/// One admin connection: JSON requests, one per line, each answered by one JSON line.
/// The peer's uid is checked first (`AdminAccess`): a refused peer gets one error reply to
/// its first request and the connection is closed.
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let router: Router
    private let metricsText: () -> String
    private var pending = ByteBuffer()
    private static let maximumLine = 64 * 1024
    /// Who is asking (nil: SO_PEERCRED could not be read) and whether they may.
    private let peer: AdminPeer?
    private let refusal: String?

    init(router: Router, metricsText: @escaping () -> String, peer: AdminPeer? = nil, refusal: String? = nil) {
        self.router = router
        self.metricsText = metricsText
        self.peer = peer
        self.refusal = refusal
    }

    /// Reads the peer's credentials of a new admin connection, decides, logs a refusal and
    /// installs the handler. Runs on the channel's loop (the child channel initializer).
    static func install(on channel: any Channel, router: Router, access: AdminAccess, metricsText: @escaping () -> String) -> EventLoopFuture<Void> {
        AdminPeer.read(from: channel).assumeIsolated().map { peer -> (AdminPeer?, String?) in
            switch access.decide(peer, supplementaryGroups: peer.uid == access.daemonUID ? nil : peer.supplementaryGroups()) {
            case .allowed(let reason):
                router.logger.debug("admin connection from \(peer): allowed (\(reason))")
                return (peer, nil)
            case .refused(let reason):
                router.logger.warning("admin connection from \(peer) refused: \(reason)")
                return (peer, reason)
            }
        }.recover { error in
            router.logger.warning("admin connection refused: \(error)")
            return (nil, "not permitted: \(error)")
        }.flatMapThrowing { decided in
            try channel.pipeline.syncOperations.addHandler(AdminHandler(router: router, metricsText: metricsText, peer: decided.0, refusal: decided.1))
        }.nonisolated()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let refusal {
            // One answer, whatever was asked, then the connection goes.
            reply(AdminResponse(ok: false, error: refusal, node: router.node.name), context: context)
            context.close(promise: nil)
            return
        }
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
        let asker = peer?.description ?? "an unknown peer"
        let changes = request.command == .activate || request.command == .deactivate
        let what = "\(request.command.rawValue) \(request.targets.joined(separator: " "))\(request.epoch.map { " epoch \($0)" } ?? "")"
        if changes {
            router.logger.notice("admin: \(what) requested by \(asker)")
        } else {
            router.logger.debug("admin: \(what) requested by \(asker)")
        }
        // Answered on this channel's loop, where this handler and its context live.
        let logger = router.logger
        router.handle(request, metricsText: metricsText).hop(to: context.eventLoop).assumeIsolated().whenSuccess { response in
            if changes {
                logger.notice("admin: \(what) by \(asker): \(response.ok ? "done" : "failed: \(response.error ?? "?")")")
            }
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
