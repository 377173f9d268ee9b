import NIOCore

/// Splits a modem's output into lines (CR or LF ends a line; empty lines are skipped). Lines
/// longer than `maximumLineLength` are dropped whole and counted; memory stays bounded.
public struct HayesLineAssembler: Sendable {
    public static let defaultMaximumLineLength = 256
    public let maximumLineLength: Int
    /// Lines dropped because they were longer than the maximum.
    public private(set) var droppedLines = 0

    var partial: [UInt8] = []
    var overlong = false

    public init(maximumLineLength: Int = HayesLineAssembler.defaultMaximumLineLength) {
        self.maximumLineLength = max(1, maximumLineLength)
    }
}
