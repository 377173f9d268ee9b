/// A resource's `netmgr_host_connects_total`, `…_rejects_total` and `…_retries_total` as a
/// netmgrd reports them through `netmgr status --metrics` (the text /metrics serves).
/// nil: the series is not in the text.
public struct HostEventMetrics: Sendable, Equatable, CustomStringConvertible {
    public var connects: Double?
    public var rejects: Double?
    public var retries: Double?

    public init(connects: Double?, rejects: Double?, retries: Double?) {
        self.connects = connects
        self.rejects = rejects
        self.retries = retries
    }

    public var description: String {
        "connects \(connects.map { "\($0)" } ?? "-"), rejects \(rejects.map { "\($0)" } ?? "-"), retries \(retries.map { "\($0)" } ?? "-")"
    }

    /// The three counters of `resource` in Prometheus text (`name{resource="R"} value`).
    public static func parse(_ text: String, resource: String) -> HostEventMetrics {
        func value(_ name: String) -> Double? {
            let series = "\(name){resource=\"\(resource)\"}"
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), line[..<space] == series else { continue }
                return Double(line[line.index(after: space)...])
            }
            return nil
        }
        return HostEventMetrics(connects: value("netmgr_host_connects_total"), rejects: value("netmgr_host_rejects_total"),
                                retries: value("netmgr_host_retries_total"))
    }

    /// `netmgr status --metrics` of the netmgrd behind `socket`.
    public static func read(socket: String, resource: String) async throws -> HostEventMetrics {
        let result = try await runProcess(BuiltProducts.path("netmgr"), ["status", "--metrics", "--socket", socket], timeout: .seconds(20))
        return parse(result.standardOutput, resource: resource)
    }
}
