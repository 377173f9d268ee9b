import ArgumentParser

extension NetMgrBench {
    /// Every benchmark, one subcommand each.
    static let benchmarks: [ParsableCommand.Type] = [VerifyThroughputBenchmark.self]
}
