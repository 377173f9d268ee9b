import Foundation

extension VerificationReport {
    /// The `--json` form: pretty-printed, keys sorted, so that reports diff cleanly and a
    /// committed expected report compares byte for byte.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    public static func decode(json: Data) throws -> VerificationReport {
        try JSONDecoder().decode(VerificationReport.self, from: json)
    }
}
