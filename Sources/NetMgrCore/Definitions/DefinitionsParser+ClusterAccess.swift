import Foundation
import Yams

/// Who may drive a node and its line switch (issue 14): `cluster.admin-group` and
/// `cluster.line-switch` in either form,
///
///     line-switch: 127.0.0.200:7400                  # unauthenticated (netmgrd warns)
///     line-switch: {address: 127.0.0.200:7400, key: pki/line-switch.key}
///
/// A relative key path is relative to the definitions directory (the directory of the file
/// that names it). The key itself is read by netmgrd and the simulator (SecretFile.read),
/// which refuse a file readable by group or others.
struct ClusterAccess {
    var lineSwitch: Endpoint?
    var lineSwitchKey: String?
    var adminGroup: String?
    var fields: [String: SourceLocation] = [:]

    func apply(to cluster: inout Cluster) {
        cluster.lineSwitch = lineSwitch
        cluster.lineSwitchKey = lineSwitchKey
        cluster.adminGroup = adminGroup
        cluster.fields.merge(fields) { _, new in new }
    }

    /// POSIX portable group names (and what shadow-utils accept): letters, digits, `.`, `_`,
    /// `-`, not starting with `-`, an optional trailing `$`, at most 32 characters.
    static func isGroupName(_ text: String) -> Bool {
        guard (1...32).contains(text.utf8.count), !text.hasPrefix("-") else { return false }
        var body = Substring(text)
        if body.hasSuffix("$") { body = body.dropLast() }
        return !body.isEmpty && body.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
    }
}

extension DefinitionsParser {
    static let lineSwitchExpected = "the line switch device's control address HOST:PORT, or a mapping {address: HOST:PORT, key: FILE}"

    func parseClusterAccess(_ entry: inout MappingReader, _ reader: YAMLReader) -> ClusterAccess {
        var access = ClusterAccess()
        if let group = entry.string("admin-group", expected: "the name of a Unix group whose members may use the admin socket") {
            if ClusterAccess.isGroupName(group) {
                access.adminGroup = group
            } else {
                reader.report(at: entry.fields["admin-group"]!, key: "cluster.admin-group", "\"\(group)\" is not a Unix group name",
                              expected: "a group name: letters, digits, . _ - (at most 32 characters), e.g. netmgr")
            }
        }
        guard let node = entry.value("line-switch", expected: Self.lineSwitchExpected) else { return access }
        switch node {
        case .scalar:
            if let text = entry.string("line-switch", expected: Self.lineSwitchExpected) {
                access.lineSwitch = Self.controlEndpoint(text, at: entry.fields["line-switch"]!, key: "cluster.line-switch", reader)
            }
        case .mapping:
            guard var mapping = MappingReader(reader, node, path: "cluster.line-switch", what: Self.lineSwitchExpected) else { return access }
            if let text = mapping.string("address", required: true, expected: "the line switch device's control address HOST:PORT") {
                access.lineSwitch = Self.controlEndpoint(text, at: mapping.fields["address"]!, key: "cluster.line-switch.address", reader)
            }
            if let path = mapping.string("key", expected: "the file holding the line switch's shared HMAC key (mode 0600, at least 32 bytes)") {
                access.lineSwitchKey = path.hasPrefix("/") ? path : ((reader.file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(path)
            }
            mapping.finish()
            for (key, location) in mapping.fields { access.fields["line-switch.\(key)"] = location }
        default:
            reader.report(node, key: "cluster.line-switch", "is \(YAMLReader.describe(node))", expected: Self.lineSwitchExpected)
        }
        return access
    }

    private static func controlEndpoint(_ text: String, at location: SourceLocation, key: String, _ reader: YAMLReader) -> Endpoint? {
        let what = "the line switch device's control address"
        switch Endpoint.parse(text) {
        case .success(let endpoint): return endpoint
        case .failure(.missingPort): reader.report(at: location, key: key, "\"\(text)\" has no port", expected: "\(what), HOST:PORT")
        case .failure(.badPort(let port)): reader.report(at: location, key: key, "port \"\(port)\" is not valid", expected: "a port from 1 to 65535")
        case .failure(.badHost(let host)): reader.report(at: location, key: key, "\"\(host)\" is not a host name or address", expected: what)
        }
        return nil
    }
}
