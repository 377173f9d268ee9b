import Foundation
import NIOCore
import NIOPosix
import NetMgrHarness
@testable import NetMgrServer
import NetMgrTestSupport
import Testing
import Synchronization

/// The /metrics listener's bounds (issue 18), with a fixed text and curl as the client:
/// the request size, the connection cap, the idle deadline, bodies and HTTP/1.0.
/// Loopback block 127.0.93.0/24 (.50 and up; the integration world uses .10-.200 of 93 but
/// not port 9400+).
@Suite("Metrics endpoint limits", .serialized)
struct MetricsEndpointLimitsTests {
    static let text = "# HELP netmgr_test_total A test counter.\n# TYPE netmgr_test_total counter\nnetmgr_test_total 3\n"

    final class Renders: Sendable {
        let count = Mutex(0)
    }

    final class Server: Sendable {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel: Channel
        let renders: Renders
        var url: String { "http://127.0.93.50:\(channel.localAddress!.port!)/metrics" }

        init(limits: MetricsEndpointLimits) async throws {
            let renders = Renders()
            self.renders = renders
            let loop = group.next()
            channel = try await MetricsEndpoint.bind(host: "127.0.93.50", port: 0, group: group, limits: limits) {
                renders.count.withLock { $0 += 1 }
                return loop.makeSucceededFuture(MetricsEndpointLimitsTests.text)
            }
        }

        func stop() async {
            try? await channel.close()
            try? await group.shutdownGracefully()
        }

        /// An idle TCP connection to the endpoint.
        func connect() async throws -> Channel {
            try await ClientBootstrap(group: group).connect(to: channel.localAddress!).get()
        }
    }

    static func curl(_ arguments: [String]) async throws -> ProcessResult {
        try await runProcess("curl", ["-sS", "--max-time", "5"] + arguments)
    }

    @Test("GET answers the text with the Prometheus content type; HTTP/1.0 and a request with a body close the connection")
    func answers() async throws {
        let server = try await Server(limits: MetricsEndpointLimits())
        do {
            let get = try await Self.curl(["-D", "-", server.url])
            #expect(get.status == 0, "\(get.standardError)")
            #expect(get.standardOutput.hasSuffix(Self.text))
            #expect(get.standardOutput.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8"))
            let old = try await Self.curl(["-0", "-D", "-", server.url])
            #expect(old.standardOutput.hasPrefix("HTTP/1.0 200"), "\(old.standardOutput)")
            #expect(old.standardOutput.lowercased().contains("connection: close"))
            let post = try await Self.curl(["-D", "-", "-o", "/dev/null", "--data", "x=1", server.url])
            #expect(post.standardOutput.hasPrefix("HTTP/1.1 405"), "\(post.standardOutput)")
            #expect(post.standardOutput.lowercased().contains("connection: close"))
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test("a request head over the limit closes the connection unanswered")
    func requestSize() async throws {
        var limits = MetricsEndpointLimits()
        limits.maximumRequestBytes = 1024
        let server = try await Server(limits: limits)
        do {
            let big = try await Self.curl(["-w", "%{http_code}", "-o", "/dev/null", "-H", "X-Padding: " + String(repeating: "a", count: 4096), server.url])
            // Closed unanswered, or answered 400 by the HTTP decoder's own limit: never rendered.
            #expect(big.status != 0 || big.standardOutput.contains("400"), "\(big.standardOutput)")
            #expect(server.renders.count.withLock { $0 } == 0)
            let small = try await Self.curl([server.url])
            #expect(small.status == 0 && small.standardOutput == Self.text)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test("connections past the cap are closed; a freed slot serves again")
    func connectionCap() async throws {
        var limits = MetricsEndpointLimits()
        limits.maximumConnections = 2
        let server = try await Server(limits: limits)
        do {
            let first = try await server.connect()
            let second = try await server.connect()
            let refused = try await Self.curl([server.url])
            #expect(refused.status != 0, "a third connection should be closed: \(refused.standardOutput)")
            try await first.close()
            try await waitUntil(.seconds(10), what: "a scrape once a slot is free") {
                ((try? await Self.curl([server.url]))?.standardOutput ?? "") == Self.text
            }
            try? await second.close()
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test("a connection that sends no request head within the idle timeout is closed")
    func idleDeadline() async throws {
        var limits = MetricsEndpointLimits()
        limits.idleTimeout = .milliseconds(300)
        let server = try await Server(limits: limits)
        do {
            let idle = try await server.connect()
            try await withDeadline(.seconds(10), what: "the idle connection to be closed by the endpoint") {
                try await idle.closeFuture.get()
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
