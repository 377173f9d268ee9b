import Foundation
import NetMgrHarness
import NetMgrTestSupport
import Testing

/// `GET /metrics` of real netmgrd processes (issue 18): scraped with curl, checked by
/// `promtool check metrics` (Debian's prometheus package), and read for values.
/// Blocks 127.0.93.0/24 and 127.0.94.0/24.
@Suite("Prometheus endpoint", .serialized)
struct MetricsEndpointTests {
    /// cluster.yaml with `metrics:` on both nodes, port 9301 on each node's address.
    static func edit(block: Int) -> (String, String) -> String {
        { file, text in
            guard file == "cluster.yaml" else { return text }
            var text = text
            for node in [11, 12] {
                let lan = "lan: 127.0.\(block).\(node):7301"
                text = text.replacingOccurrences(of: lan, with: "\(lan)\n      metrics: 127.0.\(block).\(node):9301")
            }
            return text
        }
    }

    struct Scrape {
        var status: Int
        var contentType: String
        var headers: String
        var body: String
    }

    /// One request with curl (a real HTTP client, in its own process).
    static func curl(_ url: String, _ options: [String] = []) async throws -> Scrape {
        let directory = try TemporaryDirectory(prefix: "netmgr-scrape")
        let body = directory.file("body"), headers = directory.file("headers")
        let result = try await runProcess("curl", ["-sS", "--max-time", "10", "-o", body, "-D", headers,
                                                   "-w", "%{http_code} %{content_type}"] + options + [url])
        #expect(result.status == 0, "curl \(url): exit \(result.status): \(result.standardError)")
        let parts = result.standardOutput.split(separator: " ", maxSplits: 1).map(String.init)
        return Scrape(status: Int(parts.first ?? "") ?? 0, contentType: parts.count > 1 ? parts[1] : "",
                      headers: (try? String(contentsOfFile: headers, encoding: .utf8)) ?? "",
                      body: (try? String(contentsOfFile: body, encoding: .utf8)) ?? "")
    }

    /// `promtool check metrics` on the text (it reads standard input only).
    static func promtool(_ text: String) async throws -> ProcessResult {
        let promtool = try findExecutable("promtool")
        let directory = try TemporaryDirectory(prefix: "netmgr-promtool")
        let file = directory.file("metrics.txt")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return try await runProcess("/bin/sh", ["-c", "exec \"$0\" check metrics < \"$1\"", promtool, file])
    }

    /// Samples by series (`name{label="value",…}` as written), values as numbers.
    static func samples(_ text: String) -> [String: Double] {
        var found: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            found[String(line[..<space])] = value
        }
        return found
    }

    /// The value of `name` with exactly `labels`, whatever order the labels were written in.
    static func value(_ samples: [String: Double], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        for (series, value) in samples {
            let open = series.firstIndex(of: "{")
            guard series[..<(open ?? series.endIndex)] == name else { continue }
            var found: [String: String] = [:]
            if let open {
                let inner = series[series.index(after: open)..<series.index(before: series.endIndex)]
                for pair in inner.split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    found[String(parts[0])] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
            }
            if found == labels { return value }
        }
        return nil
    }

    /// Waits until every LU of `resource` is bound on `node`, as its scrape says.
    static func waitForAllBound(_ url: String, resource: String, lus: Int) async throws {
        try await waitUntil(.seconds(30), what: "\(lus) LUs of \(resource) bound, as \(url) says") {
            guard let scrape = try? await curl(url), scrape.status == 200 else { return false }
            return value(samples(scrape.body), "netmgr_lus_bound", ["resource": resource]) == Double(lus)
        }
    }

    @Test("the active node's scrape: promtool accepts it; state, epoch, LUs bound, activation time; 404, 405, HEAD, keep-alive")
    func activeNode() async throws {
        let world = try IntegrationWorld(block: 93, edit: Self.edit(block: 93))
        do {
            try await world.start()
            let url = "http://\(world.address(11)):9301/metrics"
            let status = try await world.cluster.status(of: "node-a")
            let tnvip = try #require(status.resources.first { $0.name == "TNVIP" })
            try await Self.waitForAllBound(url, resource: "TNVIP", lus: tnvip.luCount)

            let scrape = try await Self.curl(url)
            #expect(scrape.status == 200)
            #expect(scrape.contentType == "text/plain; version=0.0.4; charset=utf-8")
            let check = try await Self.promtool(scrape.body)
            #expect(check.status == 0 && check.standardError.isEmpty, "promtool: exit \(check.status): \(check.standardError)")

            let samples = Self.samples(scrape.body)
            #expect(Self.value(samples, "netmgr_node_info", ["node": "node-a"]) == 1)
            #expect(Self.value(samples, "netmgr_resource_state", ["resource": "TNVIP"]) == 2)
            #expect(Self.value(samples, "netmgr_resource_epoch", ["resource": "TNVIP"]) == Double(tnvip.epoch))
            #expect(tnvip.epoch > 0)
            #expect(Self.value(samples, "netmgr_lus_bound", ["resource": "TNVIP"]) == Double(tnvip.luCount))
            #expect(Self.value(samples, "netmgr_lu_bound", ["resource": "TNVIP", "lu": "VIPLU01"]) == 1)
            #expect((Self.value(samples, "netmgr_activation_to_all_bound_seconds_count", ["resource": "TNVIP"]) ?? 0) >= 1)
            #expect(Self.value(samples, "netmgr_activation_to_all_bound_seconds_bucket", ["resource": "TNVIP", "le": "+Inf"]) != nil)
            #expect(Self.value(samples, "netmgr_activation_to_all_bound_seconds_bucket", ["resource": "TNVIP", "le": "0.5"]) != nil)
            #expect((Self.value(samples, "netmgr_host_connects_total", ["resource": "TNVIP"]) ?? 0) >= Double(tnvip.luCount))
            #expect(Self.value(samples, "netmgr_failovers_total", ["resource": "TNVIP"]) == 0)
            #expect(Self.value(samples, "netmgr_messages_sent_total") != nil)
            #expect(Self.value(samples, "netmgr_messages_duplicated_total") != nil)

            // The same metrics as `netmgr status --metrics` (through the admin socket).
            let admin = try await runProcess(BuiltProducts.path("netmgr"), ["status", "--metrics", "--socket", world.cluster.adminSocket("node-a")])
            #expect(admin.status == 0, "\(admin.standardError)")
            func types(_ text: String) -> Set<Substring> { Set(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }) }
            #expect(!types(scrape.body).isEmpty && types(admin.standardOutput) == types(scrape.body))

            // A message through node-a counts as sent and acked.
            let session = try await world.client.openSession(resource: "TNVIP", lu: "VIPLU01")
            try await session.send(Array("counted".utf8))
            let after = Self.samples(try await Self.curl(url).body)
            #expect((Self.value(after, "netmgr_messages_sent_total") ?? 0) >= 1)
            #expect((Self.value(after, "netmgr_messages_acked_total") ?? 0) >= 1)

            let notFound = try await Self.curl("http://\(world.address(11)):9301/other")
            #expect(notFound.status == 404)
            let put = try await Self.curl(url, ["-X", "PUT"])
            #expect(put.status == 405)
            #expect(put.headers.lowercased().contains("allow: get, head"), "\(put.headers)")
            let head = try await Self.curl(url, ["-I"])  // -I: curl writes the headers where the body would go
            #expect(head.status == 200 && !head.body.contains("netmgr_"), "\(head.body)")
            #expect(head.contentType == "text/plain; version=0.0.4; charset=utf-8")
            // Two scrapes on one connection: curl reuses it (keep-alive).
            let twice = try await runProcess("curl", ["-sS", "--max-time", "10", "-o", "/dev/null", "-o", "/dev/null",
                                                      "-w", "%{http_code}:%{num_connects}\n", url, url])
            #expect(twice.standardOutput.split(separator: "\n") == ["200:1", "200:0"], "\(twice.standardOutput) \(twice.standardError)")
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    @Test("after a failover, node-b's scrape shows the resource active there and one failover")
    func failover() async throws {
        let world = try IntegrationWorld(block: 94, edit: Self.edit(block: 94))
        do {
            try await world.start()
            let urlA = "http://\(world.address(11)):9301/metrics"
            let urlB = "http://\(world.address(12)):9301/metrics"
            let lus = try #require(try await world.cluster.status(of: "node-a").resources.first { $0.name == "TNVIP" }).luCount
            try await Self.waitForAllBound(urlA, resource: "TNVIP", lus: lus)
            let before = Self.samples(try await Self.curl(urlB).body)
            #expect(Self.value(before, "netmgr_resource_state", ["resource": "TNVIP"]) == 0)
            #expect(Self.value(before, "netmgr_node_info", ["node": "node-b"]) == 1)

            await world.cluster.kill("node-a")
            try await world.cluster.activate(["hostlink"], on: "node-b")
            try await Self.waitForAllBound(urlB, resource: "TNVIP", lus: lus)
            let scrape = try await Self.curl(urlB)
            let check = try await Self.promtool(scrape.body)
            #expect(check.status == 0, "promtool: \(check.standardError)")
            let after = Self.samples(scrape.body)
            #expect(Self.value(after, "netmgr_resource_state", ["resource": "TNVIP"]) == 2)
            #expect(Self.value(after, "netmgr_failovers_total", ["resource": "TNVIP"]) == 1)
            #expect((Self.value(after, "netmgr_activation_to_all_bound_seconds_count", ["resource": "TNVIP"]) ?? 0) >= 1)
            let epochB = try #require(try await world.cluster.status(of: "node-b").resources.first { $0.name == "TNVIP" }).epoch
            #expect(Self.value(after, "netmgr_resource_epoch", ["resource": "TNVIP"]) == Double(epochB))
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }
}
