import ArgumentParser

/// `netmgr-bench`: performance figures for netmgr, printed as medians (and ratios against
/// a peer measured in the same run where there is one). Build it in release mode:
///
///     swift build -c release --product netmgr-bench && .build/release/netmgr-bench --help
@main
struct NetMgrBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netmgr-bench",
        abstract: "Measure netmgr: codecs, relay throughput, failover time, verifier throughput.",
        subcommands: NetMgrBench.benchmarks
    )
}
