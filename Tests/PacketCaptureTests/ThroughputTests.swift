import Foundation
import NetMgrTestSupport
import PacketCapture
import Testing

/// Not a unit test: opt in with NETMGR_PCAP_THROUGHPUT=<megabytes> (200 for the standard
/// figure). Debug builds are far slower; for the real number run it in release:
///
///     swift build -c release --build-tests
///     NETMGR_PCAP_THROUGHPUT=200 swift test -c release --skip-build --filter ThroughputTests
///
/// Add NETMGR_PCAP_THROUGHPUT_TSHARK=1 to time `tshark -r FILE` on the same file.
@Suite struct ThroughputTests {
    static let megabytes = ProcessInfo.processInfo.environment["NETMGR_PCAP_THROUGHPUT"].flatMap(Int.init)

    @Test(.enabled(if: megabytes != nil, "set NETMGR_PCAP_THROUGHPUT=<MB> to measure"))
    func readDecodeReassembleThroughput() async throws {
        let dir = try TemporaryDirectory(prefix: "pcap-throughput")
        let path = dir.file("traffic.pcap")
        let generated = try ThroughputHarness.generate(path: path, megabytes: Self.megabytes ?? 200)
        let size = Int64(try FileManager.default.attributesOfItem(atPath: path)[.size] as! UInt64)
        print("generated \(size) bytes, \(generated.packets) packets, \(generated.connections) connections; RSS \(ThroughputHarness.maxResidentMiB()) MiB")
        _ = try ThroughputHarness.measureRead(path, size: size)  // warm the page cache
        print(try ThroughputHarness.measureRead(path, size: size))
        print(try ThroughputHarness.measureDecode(path, size: size))
        let (full, consumer, stats) = try ThroughputHarness.measureReassembly(path, size: size, interest: .both)
        print(full)
        let (declined, _, _) = try ThroughputHarness.measureReassembly(path, size: size, interest: .none)
        print(declined)
        print("peak RSS \(ThroughputHarness.maxResidentMiB()) MiB; stats \(stats)")
        #expect(stats.gaps == 0)
        #expect(consumer.opened == generated.connections && consumer.closed == generated.connections)
        #expect(stats.bytesDelivered + stats.duplicateBytes == generated.payloadBytes)
        if ProcessInfo.processInfo.environment["NETMGR_PCAP_THROUGHPUT_TSHARK"] != nil {
            let started = ContinuousClock.now
            let result = try await runProcess("tshark", ["-n", "-r", path], timeout: .seconds(1800))
            let elapsed = ContinuousClock.now - started
            let (s, atto) = elapsed.components
            let secondsTaken = Double(s) + Double(atto) / 1e18
            print("tshark -n -r: \((Double(size) / 1e6 / secondsTaken * 10).rounded() / 10) MB/s (\(secondsTaken) s, status \(result.status))")
        }
    }
}
