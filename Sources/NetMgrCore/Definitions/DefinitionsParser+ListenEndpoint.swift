import Yams

extension DefinitionsParser {
    /// A listen endpoint, `ADDRESS:PORT` with an IP address literal (`[::1]:PORT` for IPv6), at
    /// `field` of `entry`: nil when absent or invalid (then reported, naming `owner`, such as
    /// "metrics of node node-a", and the key). Node `metrics:`, `tn-server:`, `tn-server-tls:`
    /// and `cluster.tn-server.vip` are read by it.
    func parseListenEndpoint(_ entry: inout MappingReader, field: String, owner: String, expected: String, example: String,
                             _ reader: YAMLReader) -> Endpoint? {
        guard let text = entry.string(field, expected: expected), let location = entry.fields[field] else { return nil }
        let key = entry.keyPath(field)
        switch Endpoint.parse(text) {
        case .success(let endpoint):
            guard IPAddress(endpoint.host) != nil else {
                reader.report(at: location, key: key, "\"\(endpoint.host)\" is not an IP address (\(owner))",
                              expected: "an IPv4 or IPv6 literal to listen on, e.g. \(example)")
                return nil
            }
            return endpoint
        case .failure(.missingPort):
            reader.report(at: location, key: key, "\"\(text)\" has no port (\(owner))", expected: expected)
        case .failure(.badPort(let port)):
            reader.report(at: location, key: key, "port \"\(port)\" is not valid (\(owner))", expected: "a port from 1 to 65535")
        case .failure(.badHost(let host)):
            reader.report(at: location, key: key, "\"\(host)\" is not an IP address (\(owner))", expected: expected)
        }
        return nil
    }
}
