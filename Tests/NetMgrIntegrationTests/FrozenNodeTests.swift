import Foundation
import NetMgrAdminClient
import NetMgrHarness
import NetMgrProtocol
import NetMgrSimulators
import NetMgrTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 16 part 5: a frozen node must not leave a lie in `status`. node-a binds the LUs, is
/// frozen (SIGSTOP) and node-b is activated. The host does not probe (a long probe interval),
/// so it still holds node-a's connections and refuses node-b's binds: DEVICE-IN-USE (TN3270E),
/// or a close (basic TN3270), or, as Hercules does, a screen-level refusal after the
/// negotiation (`--refuse-held-at-screen`). Meanwhile node-b's status must not call a refused
/// LU `bound`, nor count it in the bound LUs. Then node-a is thawed (SIGCONT, older epoch): it
/// steps down, which frees the LUs, and node-b binds them. Loopback blocks 127.0.110.0/24 and
/// 127.0.111.0/24.
@Suite("Frozen node", .serialized)
struct FrozenNodeTests {
    static let block = 110

    static func makeCluster(in directory: TemporaryDirectory, block: Int = block, extraHostArguments: [String] = []) throws -> LoopbackCluster {
        let definitions = directory.path + "/definitions"
        // Only the TnETOS world, both dialects through the VIP (the testbed's TNEMU is basic).
        try relocateTnETOSPhonebook(to: definitions, block: block, resources: [
            #"{ name: TNVIP, line: LAN1, host: "127.0.\#(block).100:2323", own-address: VIP1, terminal-type: IBM-3278-2, dialect: tn3270e }"#,
            #"{ name: TNBASIC, line: LAN1, host: "127.0.\#(block).100:2323", own-address: VIP1, terminal-type: IBM-3278-2, dialect: tn3270 }"#,
        ], lus: ["{ name: VIPLU01, address: 2, resource: TNVIP }", "{ name: EMU01, address: 2, resource: TNBASIC }"]) { text in
            clusterYAMLWithoutTLS(text)
                .split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("  line-switch:") }.joined(separator: "\n")
                .replacingOccurrences(of: "resources: [TNVIP, TNREAL, SDLC1, BDLC1, X25R1, PSTN1, ISDNR1]", with: "resources: [TNVIP, TNBASIC]")
        }
        var behaviour = HostBehaviour()
        // A host that does not notice the frozen node: it holds its LUs until the node's connections close.
        behaviour.probeIntervalMilliseconds = 600_000
        behaviour.probeTimeoutMilliseconds = 600_000
        behaviour.extraArguments = extraHostArguments
        return try LoopbackCluster(definitionsDirectory: definitions, workDirectory: directory.path + "/work",
                                   binaries: HarnessBinaries(directory: BuiltProducts.directory.path), behaviour: behaviour)
    }

    /// One look at a node's LUs: name → (state, detail), and the resources' bound counts.
    struct Look: CustomStringConvertible {
        var at: Double
        var lus: [String: (state: String, detail: String, rejection: String?)]
        var bound: [String: Int]
        var description: String {
            String(format: "%.3f ", at) + lus.keys.sorted().map { "\($0)=\(lus[$0]!.state) [\(lus[$0]!.detail)]\(lus[$0]!.rejection.map { " rejection: \($0)" } ?? "")" }.joined(separator: ", ")
                + " bound " + bound.keys.sorted().map { "\($0) \(bound[$0]!)" }.joined(separator: ", ")
        }
    }

    /// Looks taken inside a polling closure.
    final class Looks: @unchecked Sendable {
        private let lock = NSLock()
        private var looks: [Look] = []
        func append(_ look: Look) { lock.withLock { looks.append(look) } }
        var all: [Look] { lock.withLock { looks } }
    }

    /// Metrics texts taken inside a polling closure, with the time.
    final class Metrics: @unchecked Sendable {
        private let lock = NSLock()
        private var samples: [(at: Double, text: String)] = []
        func append(_ at: Double, _ text: String) { lock.withLock { samples.append((at, text)) } }
        var all: [(at: Double, text: String)] { lock.withLock { samples } }
    }

    static func look(_ cluster: LoopbackCluster, _ node: String) async throws -> Look {
        let status = try await cluster.status(of: node)
        var lus: [String: (state: String, detail: String, rejection: String?)] = [:]
        var bound: [String: Int] = [:]
        for resource in status.resources {
            bound[resource.name] = resource.boundCount
            for lu in resource.lus { lus[lu.name] = (lu.state, lu.detail, lu.rejection) }
        }
        return Look(at: Date().timeIntervalSince1970, lus: lus, bound: bound)
    }

    /// `refuseHeldAtScreen` 0: the host refuses a held LU with DEVICE-IN-USE (TN3270E) or by
    /// closing (basic TN3270), which status always showed truthfully. 300: it refuses a basic
    /// request at screen level as Hercules does (negotiate, paint, close 300 ms later), the
    /// variant that said `bound`; its first refusal looks like a grant until the close.
    @Test("a frozen node's LUs, still held by the host, are not bound on the node activated meanwhile, and the thawed node steps down",
          arguments: [0, 300])
    func frozenNode(refuseHeldAtScreen: Int) async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-frozen110")
        let cluster = try Self.makeCluster(in: directory, extraHostArguments: refuseHeldAtScreen > 0 ? ["--refuse-held-at-screen", String(refuseHeldAtScreen)] : [])
        var frozen: ChildProcess?
        do {
            try await cluster.startHost()
            try await cluster.startNode("node-a")
            try await cluster.startNode("node-b")
            try await cluster.activate(["hostlink"], on: "node-a")
            try await waitUntil(.seconds(10), what: "node-a to bind both LUs") {
                guard let look = try? await Self.look(cluster, "node-a") else { return false }
                return look.lus.values.allSatisfy { $0.state.hasPrefix("bound") }
            }

            let nodeA = try #require(cluster.nodes["node-a"])
            nodeA.signal(SIGSTOP)
            frozen = nodeA
            let activated = Date().timeIntervalSince1970
            try await cluster.activate(["hostlink"], on: "node-b")
            // The host refuses each LU to node-b at least twice (a screen-level refusal is seen
            // on the session negotiated after it); node-b is looked at all along.
            let looksB = Looks()
            try await waitUntil(.seconds(5), what: "the host to refuse both LUs to node-b twice", every: .milliseconds(10)) {
                guard let look = try? await Self.look(cluster, "node-b") else { return false }
                looksB.append(look)
                let refusals = ((try? cluster.journal()) ?? []).filter { $0.time > activated && $0.event == .reject }
                let twice = ["VIPLU01", "EMU01"].allSatisfy { lu in refusals.filter { $0.lu == lu }.count >= 2 }
                // At screen level: looked at for 100 ms of the session negotiated after the second refusal.
                let second = refusals.filter { $0.lu == "EMU01" }.dropFirst().first?.time ?? .infinity
                return twice && (refuseHeldAtScreen == 0 || look.at > second + 0.1)
            }
            let all = looksB.all
            let story = all.map(\.description).joined(separator: "\n")
            // From an LU's first refusal on, neither it nor its resource's bound count may say bound.
            let lies = all.enumerated().filter { index, look in
                [("VIPLU01", "TNVIP"), ("EMU01", "TNBASIC")].contains { lu, resource in
                    let refusedBefore = all[...index].contains { $0.lus[lu]?.state == "rejected" || ($0.lus[lu]?.detail.contains("retry") ?? false) }
                    return refusedBefore && ((look.lus[lu]?.state.hasPrefix("bound") ?? false) || (look.bound[resource] ?? 0) > 0)
                }
            }
            #expect(lies.isEmpty, "node-b said bound while the host refused:\n\(story)")
            #expect(!all.contains { $0.lus["VIPLU01"]?.state.hasPrefix("bound") == true }, "DEVICE-IN-USE never looks bound:\n\(story)")
            #expect(all.contains { $0.lus["VIPLU01"]?.detail.contains("DEVICE-IN-USE") == true }, "the host's reason is in the detail:\n\(story)")
            // Brief status (what `netmgr status` prints) names the refused LU and why.
            let brief = try await cluster.status(of: "node-b", brief: true).resources.flatMap(\.lus).first { $0.name == "VIPLU01" }
            #expect(brief?.state == "rejected" && brief?.rejection?.contains("DEVICE-IN-USE") == true, "\(String(describing: brief))")
            if refuseHeldAtScreen > 0 {
                #expect(all.contains { $0.lus["EMU01"]?.rejection?.contains("NO AVAILABLE 3270 DEVICES") == true }, "\(story)")
                #expect(all.contains { $0.lus["EMU01"]?.detail.contains("not bound until the host takes the LU") == true }, "\(story)")
            } else {
                #expect(!all.contains { $0.lus["EMU01"]?.state.hasPrefix("bound") == true }, "a close during negotiation never looks bound:\n\(story)")
            }

            // Thawed, with the older epoch: node-a learns of node-b's activation and steps down,
            // which frees the LUs at the host; node-b binds them.
            nodeA.signal(SIGCONT)
            frozen = nil
            try await waitUntil(.seconds(5), what: "node-a to step down", every: .milliseconds(10)) {
                (try? await cluster.status(of: "node-a"))?.resources.allSatisfy { $0.state == "standby" } ?? false
            }
            let thawed = try await Self.look(cluster, "node-a")
            #expect(!thawed.lus.values.contains { $0.state.hasPrefix("bound") } && thawed.bound.values.allSatisfy { $0 == 0 }, "\(thawed)")
            try await waitUntil(.seconds(8), what: "node-b to bind both LUs") {
                guard let look = try? await Self.look(cluster, "node-b") else { return false }
                return look.lus.values.allSatisfy { $0.state.hasPrefix("bound") } && look.bound.values.allSatisfy { $0 == 1 }
            }
        } catch {
            frozen?.signal(SIGCONT)
            await cluster.stopAll()
            throw error
        }
        frozen?.signal(SIGCONT)
        await cluster.stopAll()
    }

    /// The variant that lied: a host that refuses at screen level, as Hercules does when the
    /// device is still held (it negotiates, paints "no available 3270 devices" and closes
    /// about 5 s later). Before the fix every retry said `bound`: the LU's state, the bound
    /// count of `netmgr status` and netmgr_lus_bound. The first refusal cannot be told from a
    /// grant until the host closes; from then on, no look may say bound.
    @Test("a host that refuses at screen level again and again: after the first refusal no look says bound, and netmgr_lus_bound agrees")
    func screenRefusal() async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-frozen111")
        let cluster = try Self.makeCluster(in: directory, block: 111, extraHostArguments: ["--reject-at-screen", "300"])
        do {
            try await cluster.startHost()
            try await cluster.startNode("node-a")
            try await cluster.activate(["hostlink"], on: "node-a")
            let looks = Looks()
            let metrics = Metrics()
            let socket = cluster.adminSocket("node-a")
            // Two refusals of each LU (the retry detail counts them): the second session was negotiated after the first refusal.
            try await waitUntil(.seconds(8), what: "two screen-level refusals of each LU", every: .milliseconds(10)) {
                guard let look = try? await Self.look(cluster, "node-a") else { return false }
                looks.append(look)
                if let text = (try? await onOwnThread { try AdminConnection.exchange(AdminRequest(command: .metrics), socket: socket) })?.metrics {
                    metrics.append(look.at, text)
                }
                return look.lus.values.allSatisfy { $0.detail.contains("retry 2 ") }
            }
            let all = looks.all
            let firstRefused = try #require(all.firstIndex { look in look.lus.values.allSatisfy { $0.state == "rejected" } })
            let after = all[firstRefused...]
            let lies = after.filter { look in look.lus.values.contains { $0.state.hasPrefix("bound") } || look.bound.values.contains { $0 > 0 } }
            #expect(lies.isEmpty, "said bound while the host refused at screen level: \(lies.prefix(5))\nall looks:\n\(all.map(\.description).joined(separator: "\n"))")
            #expect(after.contains { look in look.lus.values.contains { $0.detail.contains("not bound until the host takes the LU") } },
                    "no look caught a session negotiated after the refusal:\n\(all.map(\.description).joined(separator: "\n"))")
            let boundGauges = metrics.all.filter { $0.at >= all[firstRefused].at }.flatMap { sample in
                sample.text.split(separator: "\n").filter { $0.hasPrefix("netmgr_lus_bound{") && !$0.hasSuffix(" 0") && !$0.hasSuffix(" 0.0") }
            }
            #expect(boundGauges.isEmpty, "netmgr_lus_bound counted a refused LU: \(boundGauges.prefix(5))")
        } catch {
            await cluster.stopAll()
            throw error
        }
        await cluster.stopAll()
    }
}
