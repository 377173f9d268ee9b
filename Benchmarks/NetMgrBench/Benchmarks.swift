import ArgumentParser

extension NetMgrBench {
    /// Every benchmark, one subcommand each.
    static let benchmarks: [ParsableCommand.Type] = [
        RelayBenchmark.self, FailoverBenchmark.self, SDLCBenchmark.self, BasicModeBenchmark.self, VerifyThroughputBenchmark.self,
    ]
}
