import Foundation
import NetMgrTestSupport

/// What tshark decodes from a capture, for cross-checking the verifier.
enum Tshark {
    /// One row per displayed packet, one column per field (empty when absent).
    static func fields(_ path: String, _ fields: [String], filter: String, telnetPort: Int? = nil, options: [String] = []) async throws -> [[String]] {
        // Out-of-order segments are reassembled, as the verifier does.
        var arguments = ["-r", path, "-n", "-o", "tcp.reassemble_out_of_order:TRUE", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f", "-Y", filter]
        if let telnetPort { arguments += ["-d", "tcp.port==\(telnetPort),telnet"] }
        arguments += options
        for field in fields { arguments += ["-e", field] }
        let result = try await runProcess("tshark", arguments, timeout: .seconds(120))
        guard result.status == 0 else { throw TsharkFailure(description: "tshark \(arguments.joined(separator: " ")): \(result.standardError)") }
        return result.standardOutput.split(separator: "\n", omittingEmptySubsequences: true)
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    struct TsharkFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// An LU name as tshark 4.0 prints it: its TN3270E CONNECT field runs on over the
    /// IAC that ends the sub-negotiation (shown as U+FFFD), and its REQUEST string holds
    /// the device type, the CONNECT byte 0x01 and the name. Keeps the name's characters.
    static func luName(_ text: Substring) -> String {
        String(text.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || "@#$".contains($0)) })
    }

    /// Per TN3270 connection (client endpoint): the LU requested, the LU granted and the
    /// REJECT reason codes, as tshark decodes them.
    struct TelnetFacts: Hashable, CustomStringConvertible {
        var client: String
        var host: String
        var requested: String?
        var granted: String?
        var rejects: [Int] = []

        var description: String { "\(client)→\(host) req \(requested ?? "-") got \(granted ?? "-") rejects \(rejects)" }
    }

    static func telnetFacts(_ path: String, hostPort: Int) async throws -> [TelnetFacts] {
        let rows = try await fields(
            path, ["ip.src", "tcp.srcport", "ip.dst", "tcp.dstport", "telnet.tn3270.request_string", "telnet.tn3270.connect", "telnet.tn3270.reason", "telnet.string_subopt.value"],
            filter: "telnet.tn3270.subopt || telnet.string_subopt.value", telnetPort: hostPort)
        var order: [String] = []
        var facts: [String: TelnetFacts] = [:]
        for row in rows where row.count == 8 {
            let fromHost = Int(row[1]) == hostPort
            let client = fromHost ? "\(row[2]):\(row[3])" : "\(row[0]):\(row[1])"
            let host = fromHost ? "\(row[0]):\(row[1])" : "\(row[2]):\(row[3])"
            if facts[client] == nil {
                order.append(client)
                facts[client] = TelnetFacts(client: client, host: host)
            }
            if !row[4].isEmpty, let separator = row[4].firstIndex(of: "\u{01}") {
                facts[client]!.requested = luName(row[4][row[4].index(after: separator)...])
            }
            if !row[5].isEmpty { facts[client]!.granted = luName(row[5][...]) }
            if let reason = Int(row[6]) { facts[client]!.rejects.append(reason) }
            if !fromHost, let at = row[7].firstIndex(of: "@") { facts[client]!.requested = luName(row[7][row[7].index(after: at)...]) }
        }
        return order.map { facts[$0]! }
    }

    /// Per XID that carries a node id (a new establishment): the station address, the
    /// node id (8 hex digits) and the LU addresses that answered ACTLU positively after it.
    struct LinkFacts: Hashable, CustomStringConvertible {
        var station: Int
        var nodeID: String
        var lus: [Int] = []

        var description: String { "station \(station) XID \(nodeID) LUs \(lus)" }
    }

    static func sdlcFacts(_ path: String) async throws -> [LinkFacts] {
        let rows = try await fields(path, ["sdlc.address", "sna.th.oaf", "sna.rh.rri", "sna.rh.ru_category", "data.data"], filter: "sdlc")
        var links: [LinkFacts] = []
        for row in rows where row.count == 5 {
            let station = Int(row[0].dropFirst(2), radix: 16) ?? -1
            let data = row[4]
            if row[1].isEmpty, data.count >= 12 {  // an XID information field (no TH)
                let link = LinkFacts(station: station, nodeID: String(data.dropFirst(4).prefix(8)).uppercased())
                // A switched host's XID to the broadcast address, then to the station: one contact.
                if let last = links.last, last.lus.isEmpty, last == link { continue }
                links.append(link)
            } else if row[2] == "1", row[3] == "0x03", data.hasPrefix("0d"), !links.isEmpty, let lu = Int(row[1].dropFirst(2), radix: 16) {
                links[links.count - 1].lus.append(lu)
            }
        }
        return links
    }
}
