import Foundation
import NetMgrHarness
import NetMgrTestSupport
import Testing

/// Integrations/grafana/netmgr.json as Grafana would load it: its panels, their PromQL, and
/// the dashboard variables' queries.
struct GrafanaDashboard {
    struct Query {
        var panel: String
        var expression: String
        var instant: Bool
    }

    static let path = BuiltProducts.packageRoot.appendingPathComponent("Integrations/grafana/netmgr.json").path

    let document: [String: Any]
    /// Every panel, those inside collapsed rows included.
    let panels: [[String: Any]]
    let queries: [Query]
    /// Variable name → its query (`label_values(...)`), for query variables.
    let variableQueries: [String: String]

    init(path: String = Self.path) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(path) is not a JSON object")
        var panels: [[String: Any]] = []
        for panel in document["panels"] as? [[String: Any]] ?? [] {
            panels.append(panel)
            panels += panel["panels"] as? [[String: Any]] ?? []
        }
        self.panels = panels.filter { $0["type"] as? String != "row" }
        queries = self.panels.flatMap { panel in
            (panel["targets"] as? [[String: Any]] ?? []).compactMap { target in
                (target["expr"] as? String).map {
                    Query(panel: panel["title"] as? String ?? "?", expression: $0, instant: target["instant"] as? Bool ?? false)
                }
            }
        }
        var variableQueries: [String: String] = [:]
        for variable in (document["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? [] where variable["type"] as? String == "query" {
            let query = (variable["query"] as? [String: Any])?["query"] as? String ?? variable["query"] as? String ?? variable["definition"] as? String
            if let name = variable["name"] as? String, let query { variableQueries[name] = query }
        }
        self.variableQueries = variableQueries
    }

    /// Every metric name the dashboard reads: in panels' queries and variables' queries.
    var metricNames: Set<String> {
        queries.reduce(into: Set<String>()) { $0.formUnion(PromQLNames.metrics(in: $1.expression)) }
            .union(variableQueries.values.flatMap { PromQLNames.metrics(inVariableQuery: $0) })
    }
}

/// Metric names in PromQL, by elimination: strings, label matchers, ranges and grouping
/// label lists removed, what is left that is a name and not a call or keyword is a metric.
enum PromQLNames {
    static let keywords: Set<String> = ["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
                                        "group_left", "group_right", "inf", "nan", "atan2"]

    static func metrics(in expression: String) -> Set<String> {
        var text = expression
        for (pattern, replacement) in [
            (#""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'"#, "\"\""),  // strings: label values, $variables
            (#"\{[^}]*\}"#, " "),                           // label matchers
            (#"\[[^\]]*\]"#, " "),                          // ranges and subqueries
            (#"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"#, " "),  // label lists
        ] {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        let name = try! NSRegularExpression(pattern: #"(?<![A-Za-z0-9_:$.])([A-Za-z_:][A-Za-z0-9_:]*)(?![A-Za-z0-9_:])(?!\s*\()"#)
        let range = NSRange(text.startIndex..., in: text)
        return Set(name.matches(in: text, range: range).compactMap { Range($0.range(at: 1), in: text).map { String(text[$0]) } }
            .filter { !keywords.contains($0.lowercased()) })
    }

    /// Grafana's Prometheus variable queries: `label_values(METRIC, label)`, `label_values(label)`,
    /// `query_result(PROMQL)`, `metrics(regex)`, or plain PromQL.
    static func metrics(inVariableQuery query: String) -> Set<String> {
        let trimmed = query.trimmingCharacters(in: .whitespaces)
        if let match = trimmed.range(of: #"^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$"#, options: .regularExpression) {
            let inner = trimmed[match].dropFirst("label_values(".count).dropLast()
            return metrics(in: String(inner[..<inner.lastIndex(of: ",")!]))
        }
        if trimmed.hasPrefix("label_values(") || trimmed.hasPrefix("metrics(") { return [] }
        if trimmed.hasPrefix("query_result("), trimmed.hasSuffix(")") {
            return metrics(in: String(trimmed.dropFirst("query_result(".count).dropLast()))
        }
        return metrics(in: trimmed)
    }

    /// The metric each rate()/increase()/irate()/delta() reads: these need counters.
    static func counterArguments(in expression: String) -> [String] {
        let call = try! NSRegularExpression(pattern: #"\b(?:rate|irate|increase)\s*\(\s*([A-Za-z_:][A-Za-z0-9_:]*)"#)
        let range = NSRange(expression.startIndex..., in: expression)
        return call.matches(in: expression, range: range).compactMap { Range($0.range(at: 1), in: expression).map { String(expression[$0]) } }
    }

    /// A histogram's series names end in _bucket, _sum and _count; the metric is the stem.
    static func family(of name: String) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) { return String(name.dropLast(suffix.count)) }
        return name
    }
}

/// What a scrape (Prometheus text format 0.0.4) exports: sample names and each family's TYPE.
struct Exposition {
    var sampleNames: Set<String> = []
    var types: [String: String] = [:]

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let words = line.split(separator: " ")
                if words.count == 4 { types[String(words[2])] = String(words[3]) }
            } else if !line.hasPrefix("#"), let end = line.firstIndex(where: { $0 == "{" || $0 == " " }) {
                sampleNames.insert(String(line[..<end]))
            }
        }
    }

    mutating func merge(_ other: Exposition) {
        sampleNames.formUnion(other.sampleNames)
        types.merge(other.types) { first, _ in first }
    }

    /// The metric's type: its own TYPE line, or its histogram's (for _bucket, _sum, _count).
    func type(of name: String) -> String? {
        types[name] ?? types[PromQLNames.family(of: name)].flatMap { $0 == "histogram" || $0 == "summary" ? $0 : nil }
    }
}

@Suite("Grafana dashboard (Integrations/grafana/netmgr.json)")
struct GrafanaDashboardTests {
    @Test("netmgr.json is a dashboard Grafana imports: a Prometheus data source input and variable, a node variable from netmgr_node_info, and every panel with a data source, a place and queries")
    func structure() throws {
        let dashboard = try GrafanaDashboard()
        let document = dashboard.document
        #expect(document["title"] as? String == "netmgr")
        #expect((document["schemaVersion"] as? Int).map { (36...41).contains($0) } == true, "schemaVersion \(String(describing: document["schemaVersion"]))")
        #expect(document["uid"] as? String != nil)
        let inputs = document["__inputs"] as? [[String: Any]] ?? []
        #expect(inputs.contains { $0["name"] as? String == "DS_PROMETHEUS" && $0["pluginId"] as? String == "prometheus" })
        let variables = (document["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        #expect(variables.contains { $0["type"] as? String == "datasource" && $0["query"] as? String == "prometheus" && $0["name"] as? String == "DS_PROMETHEUS" })
        #expect(dashboard.variableQueries["node"] == "label_values(netmgr_node_info, node)")

        #expect(dashboard.panels.count >= 10)
        var ids: Set<Int> = []
        for panel in dashboard.panels {
            let title = panel["title"] as? String ?? "?"
            let id = try #require(panel["id"] as? Int, "panel \(title) has no id")
            #expect(ids.insert(id).inserted, "panel id \(id) twice")
            let grid = try #require(panel["gridPos"] as? [String: Int], "panel \(title) has no gridPos")
            #expect((grid["x"] ?? -1) >= 0 && (grid["x"] ?? 0) + (grid["w"] ?? 0) <= 24 && (grid["h"] ?? 0) > 0, "panel \(title) gridPos \(grid)")
            let source = panel["datasource"] as? [String: Any]
            #expect(source?["type"] as? String == "prometheus" && source?["uid"] as? String == "${DS_PROMETHEUS}", "panel \(title) data source")
            let targets = panel["targets"] as? [[String: Any]] ?? []
            #expect(!targets.isEmpty, "panel \(title) has no queries")
            for target in targets {
                #expect((target["expr"] as? String).map { !$0.isEmpty } == true, "panel \(title) query \(target["refId"] ?? "?") has no expr")
                #expect((target["datasource"] as? [String: Any])?["uid"] as? String == "${DS_PROMETHEUS}", "panel \(title) query data source")
            }
        }
        // No two panels overlap in the 24-column grid.
        let boxes = dashboard.panels.compactMap { $0["gridPos"] as? [String: Int] }
        for (index, a) in boxes.enumerated() {
            for b in boxes[(index + 1)...] {
                let apart = a["x"]! + a["w"]! <= b["x"]! || b["x"]! + b["w"]! <= a["x"]! || a["y"]! + a["h"]! <= b["y"]! || b["y"]! + b["h"]! <= a["y"]!
                #expect(apart, "panels at \(a) and \(b) overlap")
            }
        }
        // The resource state's value mappings say what the numbers mean.
        let states = try #require(dashboard.panels.first { $0["title"] as? String == "Resources by node and state" })
        let mappings = ((states["fieldConfig"] as? [String: Any])?["defaults"] as? [String: Any])?["mappings"] as? [[String: Any]]
        let options = mappings?.first?["options"] as? [String: [String: Any]]
        #expect(["0", "1", "2", "3"].map { options?[$0]?["text"] as? String } == ["standby", "activating", "active", "deactivating"])
    }

    /// Grafana's variables as a dashboard with every node and resource selected substitutes them.
    static func substitutingVariables(_ expression: String) -> String {
        [("$__rate_interval", "20s"), ("$__interval", "5s"), ("$__range", "1h"), ("$node", ".*"), ("$resource", ".*")]
            .reduce(expression) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }

    @Test("Every query is PromQL that Prometheus' own parser accepts (promtool check rules), once Grafana's variables are substituted")
    func promtoolParsesEveryQuery() async throws {
        let dashboard = try GrafanaDashboard()
        let directory = try TemporaryDirectory(prefix: "netmgr-dashboard-rules")
        // A recording rule per query; JSON strings are valid YAML scalars.
        var rules = "groups:\n  - name: netmgr-dashboard\n    rules:\n"
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes  // "\/" is JSON, not YAML
        for (index, query) in dashboard.queries.enumerated() {
            let expression = String(decoding: try encoder.encode(Self.substitutingVariables(query.expression)), as: UTF8.self)
            rules += "      - record: dashboard_query_\(index)\n        expr: \(expression)\n"
        }
        try rules.write(toFile: directory.file("rules.yml"), atomically: true, encoding: .utf8)
        let result = try await runProcess("promtool", ["check", "rules", directory.file("rules.yml")])
        #expect(result.status == 0, "promtool check rules: \(result.standardOutput)\(result.standardError)\n\(rules)")
        #expect(result.standardOutput.contains("SUCCESS: \(dashboard.queries.count) rules found"), "\(result.standardOutput)")
    }

    @Test("Metric names come out of PromQL: selectors, not functions, keywords, labels, grouping or variables")
    func extraction() {
        #expect(PromQLNames.metrics(in: #"sum by (node) (rate(netmgr_messages_sent_total{instance=~"$i"}[$__rate_interval]) * on(instance) group_left(node) netmgr_node_info{node=~"$node"})"#)
                == ["netmgr_messages_sent_total", "netmgr_node_info"])
        #expect(PromQLNames.metrics(in: #"histogram_quantile(0.95, sum(increase(a_seconds_bucket[5m])) by (le)) / on() group_left b offset 5m"#)
                == ["a_seconds_bucket", "b"])
        #expect(PromQLNames.metrics(in: #"(netmgr_clients_limit > 0) and bool 1e3 > x_total"#) == ["netmgr_clients_limit", "x_total"])
        #expect(PromQLNames.metrics(inVariableQuery: "label_values(netmgr_node_info, node)") == ["netmgr_node_info"])
        #expect(PromQLNames.metrics(inVariableQuery: "label_values(netmgr_resource_state{node=\"a,b\"}, resource)") == ["netmgr_resource_state"])
        #expect(PromQLNames.metrics(inVariableQuery: "label_values(instance)").isEmpty)
        #expect(PromQLNames.counterArguments(in: "rate(a_total[1m]) + increase( b_bucket{x=\"y\"}[2m])") == ["a_total", "b_bucket"])
        #expect(PromQLNames.family(of: "netmgr_activation_to_all_bound_seconds_bucket") == "netmgr_activation_to_all_bound_seconds")
        let exposition = Exposition("# HELP h x\n# TYPE h histogram\nh_bucket{le=\"0.5\"} 0\nh_sum 0\nh_count 0\n# TYPE c_total counter\nc_total 3\n")
        #expect(exposition.sampleNames == ["h_bucket", "h_sum", "h_count", "c_total"])
        #expect(exposition.type(of: "h_bucket") == "histogram" && exposition.type(of: "c_total") == "counter")
    }

    @Test("Every metric the dashboard queries is one a running netmgrd exports, rate() reads counters only, and the preview draws every panel from those scrapes",
          .timeLimit(.minutes(3)))
    func againstRunningDaemons() async throws {
        let dashboard = try GrafanaDashboard()
        let scraper = try DaemonScraper(block: 95)
        let world = scraper.world
        // Scraped every half second throughout, as Prometheus would, so that the rate()
        // windows of the preview see the counters move during the failover.
        let scraping = scraper.scrapeContinuously()
        do {
            try await world.start()
            try await scraper.waitForRounds(4)
            // A failover, as the dashboard is for: node-a dies, node-b takes the group over.
            await world.cluster.kill("node-a")
            try await world.cluster.activate(["hostlink"], on: "node-b")
            try await waitUntil(.seconds(30), what: "node-b to have TNVIP's LUs bound") {
                let resource = try? await world.cluster.status(of: "node-b", brief: true).resources.first { $0.name == "TNVIP" }
                return resource.map { $0.luCount > 0 && $0.boundCount == $0.luCount } ?? false
            }
            try await scraper.waitForRounds(scraper.rounds + 5)
        } catch {
            scraping.cancel()
            _ = await scraping.result
            await world.stop()
            throw error
        }
        scraping.cancel()
        _ = await scraping.result
        await world.stop()
        #expect(scraper.rounds >= 9)

        let exported = try scraper.exposition()
        let missing = dashboard.metricNames.subtracting(exported.sampleNames).sorted()
        #expect(missing.isEmpty, "the dashboard queries metrics netmgrd does not export: \(missing); exported: \(exported.sampleNames.sorted())")
        #expect(dashboard.metricNames.count >= 20, "\(dashboard.metricNames.sorted())")
        for query in dashboard.queries {
            for name in PromQLNames.counterArguments(in: query.expression) {
                let type = exported.type(of: name)
                #expect(type == "counter" || (type == "histogram" && ["_bucket", "_sum", "_count"].contains { name.hasSuffix($0) }),
                        "panel \(query.panel): rate/increase over \(name), a \(type ?? "metric of no TYPE")")
            }
            for name in PromQLNames.metrics(in: query.expression) where PromQLNames.family(of: name) != name {
                #expect(exported.type(of: name) == "histogram", "panel \(query.panel): \(name) is not a histogram's series")
            }
        }

        // The preview evaluates every query over these scrapes: each panel shows something.
        let output = scraper.directory.file("preview.html")
        let preview = try await runProcess("python3", [
            BuiltProducts.packageRoot.appendingPathComponent("Integrations/grafana/preview.py").path,
            GrafanaDashboard.path, scraper.scrapes, output,
        ])
        #expect(preview.status == 0, "preview.py: \(preview.standardError)")
        let page = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        let empty = dashboard.panels.compactMap { $0["title"] as? String }.filter { title in
            let escaped = title.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: ">", with: "&gt;")
            return page.range(of: #"data-title="\#(NSRegularExpression.escapedPattern(for: escaped))" data-series="[1-9]"#, options: .regularExpression) == nil
        }
        #expect(empty.isEmpty, "panels with no data in the preview of real scrapes: \(empty)")
    }
}

/// A loopback cluster on 127.0.N.0/24 whose nodes serve `GET /metrics` on their own
/// address, port 9301 (`metrics:` in the definitions), scraped with curl as Prometheus
/// would into `scrapes/<instance>/<unix-ms>.prom`, the layout Integrations/grafana/preview.py
/// reads; a node that does not answer leaves an empty file, as a failed scrape.
final class DaemonScraper: @unchecked Sendable {
    static let port = 9301
    let world: IntegrationWorld
    let directory: TemporaryDirectory
    var scrapes: String { directory.path + "/scrapes" }

    init(block: Int) throws {
        world = try IntegrationWorld(block: block) { file, text in
            guard file == "cluster.yaml" else { return text }
            // After each node's `lan:` line, the same address with the metrics port.
            return text.replacingOccurrences(
                of: #"(?m)^( +)lan: (127\.0\.\#(block)\.[0-9]+):7301(.*)$"#,
                with: "$0\n$1metrics: $2:\(Self.port)", options: .regularExpression)
        }
        directory = try TemporaryDirectory(prefix: "netmgr-dashboard")
    }

    /// Each node and its scrape target (`instance`, as Prometheus labels it).
    func targets() -> [(node: String, instance: String)] {
        world.cluster.definitions.cluster.nodes.map { ($0.name, "\($0.address):\(Self.port)") }
    }

    func scrapeOnce(instance: String) async throws -> String? {
        let result = try await runProcess("curl", ["-sf", "--max-time", "5", "http://\(instance)/metrics"], timeout: .seconds(10))
        return result.status == 0 ? result.standardOutput : nil
    }

    private let completedRounds = LockedBox(0)
    /// Rounds in which at least one node answered.
    var rounds: Int { completedRounds.get() }

    /// Scrapes every node every half second (Prometheus' interval in the preview) until cancelled.
    func scrapeContinuously() -> Task<Void, Error> {
        Task {
            while !Task.isCancelled {
                try await round()
                try await Task.sleep(for: .milliseconds(500))  // the scrape interval, not synchronisation
            }
        }
    }

    func waitForRounds(_ count: Int) async throws {
        try await waitUntil(.seconds(30), what: "\(count) scrape rounds answered") { self.rounds >= count }
    }

    /// One scrape of every node; nothing is written while no node answers yet (the cluster starting).
    func round() async throws {
        var texts: [(instance: String, text: String)] = []
        for (_, instance) in targets() {
            texts.append((instance, try await scrapeOnce(instance: instance) ?? ""))
        }
        guard texts.contains(where: { !$0.text.isEmpty }) || rounds > 0 else { return }
        let milliseconds = Int(Date().timeIntervalSince1970 * 1000)
        for (instance, text) in texts {
            let folder = scrapes + "/" + instance
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try text.write(toFile: "\(folder)/\(milliseconds).prom", atomically: true, encoding: .utf8)
        }
        if texts.contains(where: { !$0.text.isEmpty }) { completedRounds.update { $0 += 1 } }
    }

    /// Everything the scrapes exported, over every node and round.
    func exposition() throws -> Exposition {
        var all = Exposition("")
        for instance in try FileManager.default.contentsOfDirectory(atPath: scrapes) {
            for file in try FileManager.default.contentsOfDirectory(atPath: scrapes + "/" + instance) {
                all.merge(Exposition(try String(contentsOfFile: "\(scrapes)/\(instance)/\(file)", encoding: .utf8)))
            }
        }
        return all
    }
}
