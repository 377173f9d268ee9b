/// Counts a line connection keeps, for status and metrics.
public struct LineCounters: Hashable, Sendable {
    public var framesReceived = 0
    public var framesSent = 0
    public var bytesReceived = 0
    public var bytesSent = 0
    /// Frames dropped by the HDLC decoder (bad FCS, runt, aborted, too long, unterminated).
    public var framingErrors = 0

    public init() {}
}
