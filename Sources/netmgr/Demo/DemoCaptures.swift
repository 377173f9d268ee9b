import Foundation
import NetMgrCore
import NetMgrHarness
import NetMgrVerify
import PacketCapture
#if canImport(Glibc)
import Glibc
#endif

/// The demo's evidence on the wire: the host's TN3270 traffic captured on loopback (needs
/// CAP_NET_RAW, i.e. root) and the line switch's SDLC and X.25 traces and the exchange's recordings of the host's dial-up and ISDN lines, all checked afterwards with
/// the same verifier an operator runs on a capture from anywhere.
struct DemoCaptures {
    let cluster: LoopbackCluster
    var hostCapture: RunningLiveCapture?

    var hostCapturePath: String { cluster.workDirectory + "/host.pcap" }

    /// Starts capturing the host's TN3270 traffic; returns why not when it cannot.
    mutating func startHostCapture() async -> String? {
        guard let host = cluster.hostEndpoint else { return "no TnETOS host to capture" }
        let configuration = LiveCapture.Configuration(
            interface: "lo", snapshotLength: 4096, filter: "host \(host.host) and tcp port \(host.port)", bufferSize: 8 << 20)
        do {
            hostCapture = try await LiveCapture.start(configuration, writeTo: hostCapturePath)
            return nil
        } catch {
            return "\(error)"
        }
    }

    func stopHostCapture() async -> LiveCapture.Statistics? {
        guard let hostCapture else { return nil }
        hostCapture.stop()
        return try? await hostCapture.statistics()
    }

    /// Verifies each capture there is against the definitions; returns the lines to print
    /// and whether every promise was kept.
    func verify() -> (lines: [String], kept: Bool) {
        var lines: [String] = []
        var kept = true
        var options = VerifyOptions()
        options.definitions = cluster.definitions
        options.definitionsDirectory = cluster.definitionsDirectory
        for (title, path) in [
            ("host TN3270 capture", hostCapturePath), ("line capture (SDLC)", cluster.lineCapturePath),
            ("line capture (X.25)", cluster.x25LineCapturePath), ("line capture (BDLC)", cluster.bdlcCapturePath),
            ("host's dial-up line (exchange)", cluster.dialupCapturePath), ("host's ISDN line (exchange)", cluster.isdnCapturePath),
        ]
        where FileManager.default.fileExists(atPath: path) {
            do {
                let report = try Verifier(options: options).verify(path: path)
                let judged = report.terminals.flatMap { terminal in terminal.boundaries.map { (terminal, $0) } }
                lines.append("  \(title), \(path):")
                for (terminal, boundary) in judged {
                    let symbol = terminal.promise?.symbol ?? " "
                    lines.append("    \(symbol) \(terminal.name): \(boundary.before) → \(boundary.after): \(boundary.verdict.rawValue)")
                }
                lines.append("    netmgr verify: \(report.summary.message)")
                kept = kept && report.summary.exitCode == 0
            } catch {
                lines.append("  \(title): cannot verify \(path): \(error)")
                kept = false
            }
        }
        return (lines, kept)
    }
}
