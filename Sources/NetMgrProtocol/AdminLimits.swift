extension AdminRequest {
    /// How long an admin request may ask netmgrd to wait: from 1 ms to a day. Longer
    /// is a mistake (and 1e300 s overflows every clock), so `netmgr` and netmgrd refuse it.
    public static let timeoutRange: ClosedRange<Double> = 0.001...86_400

    /// What is wrong with `seconds` as a timeout, or nil when it is usable.
    public static func timeoutProblem(_ seconds: Double) -> String? {
        guard seconds.isFinite, timeoutRange.contains(seconds) else {
            return "\(seconds) is not a number of seconds from \(timeoutRange.lowerBound) to \(Int(timeoutRange.upperBound))"
        }
        return nil
    }

    /// The timeout in milliseconds (30 s when none was given), or why it cannot be used.
    public func timeoutMilliseconds() -> Result<Int64, AdminRequestProblem> {
        let seconds = timeoutSeconds ?? 30
        if let problem = Self.timeoutProblem(seconds) { return .failure(AdminRequestProblem(description: "timeoutSeconds: \(problem)")) }
        return .success(Int64((seconds * 1000).rounded(.up)))
    }
}

public struct AdminRequestProblem: Error, Sendable, CustomStringConvertible {
    public var description: String
}
