import Foundation
import NetMgrTestSupport

/// What Wireshark, with netmgr's Lua dissector, decodes from a BDLC (LINKTYPE_USER0) capture.
extension Tshark {
    static var basicModeScript: String {
        BuiltProducts.packageRoot.appendingPathComponent("Integrations/wireshark/basic-mode.lua").path
    }

    /// One row per record, one column per field (empty when absent). Fails on a Lua problem.
    static func basicModeFields(_ path: String, _ fields: [String], preferences: [String] = []) async throws -> [[String]] {
        var arguments = ["-X", "lua_script:\(basicModeScript)", "-r", path, "-n", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
        for preference in preferences { arguments += ["-o", preference] }
        for field in fields { arguments += ["-e", field] }
        let result = try await runProcess("tshark", arguments, timeout: .seconds(120))
        guard result.status == 0, !result.standardError.contains("Lua") else {
            throw TsharkFailure(description: "tshark \(arguments.joined(separator: " ")): \(result.standardError)")
        }
        return result.standardOutput.split(separator: "\n", omittingEmptySubsequences: true)
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Per host line and station, in order of the first poll or selection: what tshark saw.
    /// Elements from a tributary are the station's the host last polled or selected on that
    /// line (as the verifier attributes them).
    struct BasicModeStation: Hashable, CustomStringConvertible {
        var line: Int
        var station: Int
        var polls = 0
        var selects = 0
        var blocksFromStation = 0
        var blocksToStation = 0
        var badBlocks = 0
        var lus: Set<Int> = []

        var description: String {
            "line \(line) station \(station) polls \(polls) selects \(selects) blocks S→H \(blocksFromStation) H→S \(blocksToStation) bad \(badBlocks) LUs \(lus.sorted())"
        }
    }

    static func basicModeStations(_ path: String) async throws -> (stations: [BasicModeStation], unreadable: Int) {
        let rows = try await basicModeFields(path, ["bdlc.direction", "bdlc.line", "bdlc.element", "bdlc.station", "bdlc.lu", "bdlc.bcc_valid", "bdlc.malformed"])
        var stations: [BasicModeStation] = []
        var current: [Int: Int] = [:]  // line -> index in stations
        var unreadable = 0
        for row in rows where row.count == 7 {
            guard let line = Int(row[1]) else { continue }
            let fromStation = row[0] == "1"
            if row[2] == "UNKNOWN" || !row[6].isEmpty {
                unreadable += 1
                continue
            }
            if row[2] == "POLL" || row[2] == "SELECT", let station = Int(row[3].dropFirst(2), radix: 16) {
                let index = stations.firstIndex { $0.line == line && $0.station == station } ?? {
                    stations.append(BasicModeStation(line: line, station: station))
                    return stations.count - 1
                }()
                current[line] = index
                if row[2] == "POLL" { stations[index].polls += 1 } else { stations[index].selects += 1 }
                continue
            }
            guard row[2] == "TEXT", let index = current[line] else { continue }
            if row[5] == "1" || row[5].lowercased() == "true" {
                if fromStation { stations[index].blocksFromStation += 1 } else { stations[index].blocksToStation += 1 }
                if let lu = Int(row[4]) { stations[index].lus.insert(lu) }
            } else {
                stations[index].badBlocks += 1
            }
        }
        return (stations, unreadable)
    }
}
