import Foundation

/// Repeated timings of one piece of work, summarised the way the README quotes them.
struct Samples {
    var values: [Double] = []

    init(values: [Double] = []) {
        self.values = values
    }

    mutating func add(_ value: Double) { values.append(value) }

    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = max(0, min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[rank]
    }

    var median: Double { percentile(50) }
    var p99: Double { percentile(99) }
}

/// Runs `body` `runs` times after one warm-up and returns each run's wall time in seconds.
func timeRuns(_ runs: Int, _ body: () throws -> Void) rethrows -> Samples {
    try body()
    var samples = Samples()
    for _ in 0..<runs {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        samples.add(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
    return samples
}

func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

/// A progress line on standard output, written at once (not buffered behind the results).
func progress(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
