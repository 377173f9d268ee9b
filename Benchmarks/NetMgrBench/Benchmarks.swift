import ArgumentParser

extension NetMgrBench {
    /// Every benchmark, one subcommand each.
    static let benchmarks: [ParsableCommand.Type] = [
        RelayBenchmark.self, TNRelayBenchmark.self, FailoverBenchmark.self, SDLCBenchmark.self, X25Benchmark.self, BasicModeBenchmark.self, VerifyThroughputBenchmark.self,
        DirectLoadCommand.self,
    ]
}
