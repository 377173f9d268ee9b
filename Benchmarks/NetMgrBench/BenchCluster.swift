import NetMgrHarness

extension HostBehaviour {
    /// The host simulator under a load benchmark: keep-alive probes seldom enough that they
    /// are no part of what is measured, and patient enough that a loaded machine does not
    /// drop connections.
    static var underLoad: HostBehaviour {
        var behaviour = HostBehaviour()
        behaviour.probeIntervalMilliseconds = 5_000
        behaviour.probeTimeoutMilliseconds = 10_000
        return behaviour
    }
}

extension LoopbackCluster {
    /// Runs `body`, then stops every process of this cluster, however `body` ended.
    func stoppingAfter<T>(_ body: (LoopbackCluster) async throws -> T) async throws -> T {
        do {
            let result = try await body(self)
            await stopAll()
            return result
        } catch {
            await stopAll()
            throw error
        }
    }
}
