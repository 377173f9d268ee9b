import Foundation
import NetMgrCore

/// One `--lu NAME[=ADDR[,ADDR...]]` argument: an LU and the client addresses that may hold
/// it; without `=` any address may.
public struct TN3270HostLUSpec: Sendable, Hashable, CustomStringConvertible {
    public var entry: TN3270HostLUMap.Entry

    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var spec: String
        public var problem: String
        public var description: String { "\"\(spec)\": \(problem)" }
    }

    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let name = parts[0]
        guard Self.isLUName(name) else {
            throw ParseError(spec: text, problem: "LU name \"\(name)\" is not 1-8 of A-Z 0-9 @ # $; expected NAME or NAME=ADDR[,ADDR...]")
        }
        guard parts.count == 2 else {
            entry = TN3270HostLUMap.Entry(name: name, permittedClients: nil)
            return
        }
        var permitted = Set<String>()
        for address in parts[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = address.trimmingCharacters(in: .whitespaces)
            guard let canonical = TN3270HostClientAddress.normalize(trimmed) else {
                throw ParseError(spec: text, problem: "\"\(trimmed)\" is not an IP address; expected NAME=ADDR[,ADDR...]")
            }
            permitted.insert(canonical)
        }
        entry = TN3270HostLUMap.Entry(name: name, permittedClients: permitted)
    }

    /// VTAM's rule, as the definitions use it: 1-8 of A-Z 0-9 @ # $.
    public static func isLUName(_ name: String) -> Bool {
        (1...8).contains(name.count) && name.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "@" || $0 == "#" || $0 == "$"
        }
    }

    public var description: String {
        guard let permitted = entry.permittedClients else { return entry.name }
        return "\(entry.name)=\(permitted.sorted().joined(separator: ","))"
    }
}
