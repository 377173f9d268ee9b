import Logging
import NIOCore
import NetMgrCore

extension NetMgrDaemon {
    /// The node's `metrics:` endpoint (issue 18), or nil when the definitions give none.
    /// Each scrape refreshes the read-at-scrape gauges on the router's loop, then renders.
    static func serveMetrics(node: ClusterNode, loop: EventLoop, router: NIOLoopBound<Router>,
                             metricsText: @escaping @Sendable () -> String, logger: Logger) async throws -> Channel? {
        guard let endpoint = node.metrics else { return nil }
        let channel: Channel
        do {
            channel = try await MetricsEndpoint.bind(host: endpoint.host, port: endpoint.port, group: loop) {
                loop.submit {
                    router.value.refreshMetrics()
                    return metricsText()
                }
            }
        } catch {
            throw DaemonError("cannot serve metrics on \(endpoint) (cluster.nodes[\(node.name)].metrics): \(error)")
        }
        logger.info("netmgrd \(node.name) serving Prometheus metrics on http://\(endpoint)/metrics (plain HTTP: keep it on a management address)")
        return channel
    }
}
