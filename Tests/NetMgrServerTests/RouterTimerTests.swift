import Logging
import NIOCore
import NIOEmbedded
import NetMgrCore
import NetMgrProtocol
@testable import NetMgrServer
import NetMgrTestSupport
import Testing

/// The router's timers end with it: freed early they do nothing, shutdown cancels them.
@Suite("Router: timers")
struct RouterTimerTests {
    func makeRouter(_ loop: EmbeddedEventLoop) throws -> Router {
        let definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        var limits = LANLimits()
        limits.logBurst = 1
        return Router(loop: loop, definitions: definitions, node: definitions.cluster.nodes[0], epochs: nil, logger: Logger(label: "test"),
                      metrics: DaemonMetrics(), lanLimits: limits, makeAttachment: { runtime, _, _ in FakeAttachment(resourceName: runtime.name) })
    }

    @Test("a router freed while its log summary is scheduled does not trap when the loop runs on")
    func freedWithSummaryPending() throws {
        let loop = EmbeddedEventLoop()
        weak var freed: Router?
        do {
            let router = try makeRouter(loop)
            router.epochStoreThreads = nil
            for _ in 1...3 { router.logLimited(\.badFrameLog, "bad frame", summary: "bad frames") }
            #expect(router.lan.logSummaries.count == 1)
            freed = router
        }
        #expect(freed == nil)
        loop.advanceTime(by: .seconds(60))
    }

    @Test("shutdown cancels the HELLO sweep and the log summaries")
    func shutdownCancels() throws {
        let harness = try RouterHarness()
        let channel = EmbeddedChannel(loop: harness.loop)
        try LANListener.addHandlers(to: channel, router: harness.router)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.50", port: 40000)).wait()
        harness.loop.run()
        for _ in 1...20 { harness.router.logLimited(\.badFrameLog, "bad frame", summary: "bad frames") }
        #expect(harness.router.lan.handshakeSweep != nil && !harness.router.lan.logSummaries.isEmpty)
        let done = harness.router.shutdown(timeout: .seconds(1))
        harness.loop.run()
        try done.wait()
        #expect(harness.router.lan.handshakeSweep == nil && harness.router.lan.logSummaries.isEmpty)
    }
}
