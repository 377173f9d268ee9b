import Logging

/// Where the BDLC control station records every element it sends and receives, for the
/// LINKTYPE_USER0 capture: `BasicModeLineRecorder` (BasicModeLineRecorder.swift here).
public protocol BDLCElementRecording: AnyObject, Sendable {
    /// One transmission element, bytes as on the wire without leading SYNs; `line` is the
    /// host's line number (1-based); `fromTributary` true for what the station sent.
    func record(_ element: [UInt8], line: Int, fromTributary: Bool)
    func close()
}

extension BasicModeLineRecorder: BDLCElementRecording {}

/// Whether `makeBDLCLineRecorder` can make a recorder in this build (the demo records the
/// BDLC capture only then).
public let bdlcLineRecorderAvailable = true

/// The recorder `--bdlc-capture PATH` uses.
public func makeBDLCLineRecorder(path: String, logger: Logger) throws -> any BDLCElementRecording {
    try BasicModeLineRecorder(path: path, logger: logger)
}
