import Foundation
import NetMgrTestSupport
import Testing

/// What tshark must read from a line capture: SDLC and SNA decoded, nothing malformed, no
/// expert errors, the station address and the LU addresses of ACTLU (request and response)
/// equal to the definitions, and the node id in the station's XID.
enum LineCaptureChecks {
    static let fields = [
        "frame.number", "_ws.malformed", "_ws.expert.severity", "frame.protocols", "sdlc.address",
        "sna.th.daf", "sna.th.oaf", "sna.rh.rri", "sna.rh.ru_category", "data.data",
    ]

    struct Row {
        var values: [String: String]
        subscript(_ field: String) -> String { values[field] ?? "" }
    }

    static func rows(_ path: String) async throws -> [Row] {
        var arguments = ["-r", path, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f"]
        for field in fields { arguments += ["-e", field] }
        let result = try await runProcess("tshark", arguments, timeout: .seconds(60))
        guard result.status == 0 else { throw TestFailure("tshark \(arguments.joined(separator: " ")): exit \(result.status): \(result.standardError)") }
        return result.standardOutput.split(separator: "\n").map { line in
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Row(values: Dictionary(uniqueKeysWithValues: zip(fields, cells + Array(repeating: "", count: max(0, fields.count - cells.count)))))
        }
    }

    static func number(_ text: String) -> Int? {
        text.hasPrefix("0x") ? Int(text.dropFirst(2), radix: 16) : Int(text)
    }

    static func expectCleanInTshark(_ path: String, station: UInt8, nodeID: String = "05d00001", luAddresses: Set<Int>,
                                    sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let rows = try await rows(path)
        #expect(rows.count > 20, "tshark read only \(rows.count) frames", sourceLocation: sourceLocation)

        // Nothing malformed, no expert error (severity "error" is 0x00800000).
        let malformed = rows.filter { !$0["_ws.malformed"].isEmpty }.map { $0["frame.number"] }
        #expect(malformed.isEmpty, "malformed frames: \(malformed)", sourceLocation: sourceLocation)
        let errors = rows.filter { (number($0["_ws.expert.severity"]) ?? 0) >= 0x0080_0000 }.map { $0["frame.number"] }
        #expect(errors.isEmpty, "expert errors in frames \(errors)", sourceLocation: sourceLocation)
        let expert = try await runProcess("tshark", ["-r", path, "-q", "-z", "expert,error"], timeout: .seconds(60))
        #expect(!expert.standardOutput.contains("Errors ("), "tshark -z expert: \(expert.standardOutput)", sourceLocation: sourceLocation)

        // SDLC everywhere, SNA on the I-frames, one station address.
        #expect(rows.allSatisfy { $0["frame.protocols"].hasPrefix("sdlc") }, sourceLocation: sourceLocation)
        #expect(rows.contains { $0["frame.protocols"].contains("sna") }, sourceLocation: sourceLocation)
        #expect(Set(rows.map { number($0["sdlc.address"]) }) == [Int(station)], sourceLocation: sourceLocation)

        // ACTLU (RU 0x0D, session control) from the SSCP to each LU, and each LU's response.
        let actlu = rows.filter { $0["sna.rh.ru_category"] == "0x03" && $0["data.data"].hasPrefix("0d") }
        let requested = Set(actlu.filter { $0["sna.rh.rri"] == "0" && number($0["sna.th.oaf"]) == 0 }.compactMap { number($0["sna.th.daf"]) })
        let answered = Set(actlu.filter { $0["sna.rh.rri"] == "1" && number($0["sna.th.daf"]) == 0 }.compactMap { number($0["sna.th.oaf"]) })
        #expect(requested == luAddresses, "ACTLU requests to \(requested.sorted())", sourceLocation: sourceLocation)
        #expect(answered == luAddresses, "ACTLU responses from \(answered.sorted())", sourceLocation: sourceLocation)

        // The station's XID format 0, PU type 2: 02 06 then the node id.
        #expect(rows.contains { $0["data.data"] == "0206" + nodeID.lowercased() }, "no XID with node id \(nodeID)", sourceLocation: sourceLocation)
    }
}
