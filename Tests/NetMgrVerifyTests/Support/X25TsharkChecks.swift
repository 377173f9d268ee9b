import NetMgrTestSupport
import Testing

/// What tshark 4.0 decodes from a LINKTYPE_SITA capture of an X.25 line, with QLLC and SNA
/// switched on (`-o x25.payload_is_qllc_sna:TRUE`): one row per frame, by field name.
enum X25TsharkChecks {
    static let options = ["-o", "x25.payload_is_qllc_sna:TRUE"]
    static let fields = [
        "frame.number", "_ws.malformed", "_ws.expert.severity", "frame.protocols", "sita.flags.flags", "lapb.address",
        "x25.calling_address", "x25.called_address", "x25.clear_cause", "x25.diagnostic", "qllc.control",
        "sna.th.daf", "sna.th.oaf", "sna.rh.rri", "sna.rh.ru_category", "data.data",
    ]

    struct Row {
        var values: [String: String]
        subscript(_ field: String) -> String { values[field] ?? "" }
    }

    static func rows(_ path: String) async throws -> [Row] {
        let table = try await Tshark.fields(path, fields, filter: "frame", options: options)
        return table.map { cells in
            Row(values: Dictionary(uniqueKeysWithValues: zip(fields, cells + Array(repeating: "", count: max(0, fields.count - cells.count)))))
        }
    }

    static func number(_ text: String) -> Int? {
        text.hasPrefix("0x") ? Int(text.dropFirst(2), radix: 16) : Int(text)
    }

    /// Calling addresses of the call packets, in capture order.
    static func callingAddresses(_ rows: [Row]) -> [String] {
        rows.map { $0["x25.calling_address"] }.filter { !$0.isEmpty }
    }

    /// Nothing malformed, no expert error, every frame SITA → LAPB, and QLLC and SNA decoded.
    static func expectClean(_ rows: [Row], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(rows.count > 10, "tshark read only \(rows.count) frames", sourceLocation: sourceLocation)
        let malformed = rows.filter { !$0["_ws.malformed"].isEmpty }.map { $0["frame.number"] }
        #expect(malformed.isEmpty, "malformed frames: \(malformed)", sourceLocation: sourceLocation)
        let errors = rows.filter { (number($0["_ws.expert.severity"]) ?? 0) >= 0x0080_0000 }.map { $0["frame.number"] }
        #expect(errors.isEmpty, "expert errors in frames \(errors)", sourceLocation: sourceLocation)
        #expect(rows.allSatisfy { $0["frame.protocols"].hasPrefix("sita:lapb") }, sourceLocation: sourceLocation)
        #expect(rows.contains { $0["frame.protocols"].contains("x25:qllc:sna") }, sourceLocation: sourceLocation)
    }

    /// LU addresses of ACTLU requests (RU 0x0D, session control, SSCP to LU).
    static func actluRequests(_ rows: [Row]) -> [Int] {
        rows.filter { $0["sna.rh.ru_category"] == "0x03" && $0["sna.rh.rri"] == "0" && $0["data.data"].hasPrefix("0d") && number($0["sna.th.oaf"]) == 0 }
            .compactMap { number($0["sna.th.daf"]) }
    }
}
