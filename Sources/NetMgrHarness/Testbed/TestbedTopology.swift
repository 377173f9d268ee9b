import Foundation
import Yams
#if canImport(Glibc)
import Glibc
#endif

/// The namespace testbed's world, from `Testbed/topology.yaml`: the one place its addresses
/// live. The definitions beside it are templates naming them `{{host}}`, `{{node-a}}`,
/// `{{vip}}`, `{{subnet}}`, `{{line-switch}}`…; `renderDefinitions` fills them in.
public struct TestbedTopology: Sendable, Decodable {
    public struct Node: Sendable, Decodable {
        public var name: String
        public var address: String
    }
    public struct Keepalived: Sendable, Decodable {
        public var vrid: Int
    }

    /// `198.18.0.0/24`: every address must lie in it.
    public var subnet: String
    /// The definitions templates, relative to the topology file.
    public var definitions: String
    public var host: String
    public var client: String
    public var vip: String
    /// The line switch device's own machine (its namespace, its cable), where the leased
    /// lines' node ports, host ports and control interface listen; nil: no switched line.
    public var lineSwitch: String?
    public var nodes: [Node]
    public var keepalived: Keepalived
    /// The directory the topology file is in.
    public var directory = ""

    enum CodingKeys: String, CodingKey { case subnet, definitions, host, client, vip, nodes, keepalived
        case lineSwitch = "line-switch"
    }

    public var prefixLength: Int { Int(subnet.split(separator: "/").last ?? "") ?? 24 }
    public var definitionsTemplates: String { directory + "/" + definitions }

    public func address(of node: String) -> String? { nodes.first { $0.name == node }?.address }

    /// The fields the definitions templates may use.
    public var fields: [String: String] {
        var fields = ["host": host, "client": client, "vip": vip, "subnet": subnet]
        for node in nodes { fields[node.name] = node.address }
        if let lineSwitch { fields["line-switch"] = lineSwitch }
        return fields
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads and checks `path`: two nodes, every address an IPv4 address inside the subnet,
    /// no address twice.
    public static func load(path: String) throws -> TestbedTopology {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Invalid(description: "cannot read the testbed topology \(path): \(error.localizedDescription)")
        }
        var topology: TestbedTopology
        do {
            topology = try YAMLDecoder().decode(TestbedTopology.self, from: text)
        } catch {
            throw Invalid(description: "\(path): not a testbed topology: \(error)")
        }
        topology.directory = (path as NSString).deletingLastPathComponent
        try topology.check(path: path)
        return topology
    }

    func check(path: String) throws {
        let parts = subnet.split(separator: "/")
        guard parts.count == 2, let network = Self.ipv4(String(parts[0])), let prefix = Int(parts[1]), (8...30).contains(prefix) else {
            throw Invalid(description: "\(path): subnet \(subnet): expected an IPv4 network with a prefix of 8 to 30 bits, e.g. 198.18.0.0/24")
        }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
        guard nodes.count == 2 else { throw Invalid(description: "\(path): nodes: the testbed has exactly two nodes, found \(nodes.count)") }
        var seen: [String: String] = [:]
        let named = [("host", host), ("client", client), ("vip", vip)] + (lineSwitch.map { [("line-switch", $0)] } ?? [])
            + nodes.map { ("node \($0.name)", $0.address) }
        for (what, address) in named {
            guard let value = Self.ipv4(address) else { throw Invalid(description: "\(path): \(what) \(address): not an IPv4 address") }
            guard value & mask == network & mask, value & ~mask != 0, value & ~mask != ~mask else {
                throw Invalid(description: "\(path): \(what) \(address) is not a host address in the subnet \(subnet)")
            }
            if let other = seen[address] { throw Invalid(description: "\(path): \(what) and \(other) have the same address \(address)") }
            seen[address] = what
        }
        for node in nodes where node.name.isEmpty || node.name.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-") }) {
            throw Invalid(description: "\(path): node name '\(node.name)': use letters, digits and '-'")
        }
        guard (1...255).contains(keepalived.vrid) else { throw Invalid(description: "\(path): keepalived.vrid \(keepalived.vrid): expected 1 to 255") }
    }

    static func ipv4(_ text: String) -> UInt32? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return UInt32(bigEndian: address.s_addr)
    }

    /// Writes the definitions with every `{{field}}` filled in to `directory`; a field the
    /// topology does not have is an error naming the file.
    public func renderDefinitions(into directory: String) throws {
        let source = definitionsTemplates
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: source).filter { $0.hasSuffix(".yaml") }.sorted()
        } catch {
            throw Invalid(description: "cannot read the definitions templates in \(source): \(error.localizedDescription)")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fields = self.fields
        for file in files {
            var text = try String(contentsOfFile: source + "/" + file, encoding: .utf8)
            for (name, value) in fields { text = text.replacingOccurrences(of: "{{\(name)}}", with: value) }
            if let open = text.range(of: "{{"), let close = text.range(of: "}}", range: open.upperBound..<text.endIndex) {
                throw Invalid(description: "\(source)/\(file): \(text[open.lowerBound..<close.upperBound]) is not in the topology (it has \(fields.keys.sorted().joined(separator: ", ")))")
            }
            try text.write(toFile: directory + "/" + file, atomically: true, encoding: .utf8)
        }
    }
}
