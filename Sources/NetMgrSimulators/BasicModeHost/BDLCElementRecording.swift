import Logging

/// Where the BDLC control station records every element it sends and receives, for the
/// LINKTYPE_USER0 capture. `BasicModeLineRecorder` (Sources/NetMgrSimulators/BasicModeHost/
/// BasicModeLineRecorder.swift, branch bdlc-proof) has exactly this API.
///
/// INTEGRATION(bdlc-proof): once BasicModeLineRecorder is in the tree, add
/// `extension BasicModeLineRecorder: BDLCElementRecording {}` and make
/// `makeBDLCLineRecorder` below return `try BasicModeLineRecorder(path: path, logger: logger)`.
public protocol BDLCElementRecording: AnyObject, Sendable {
    /// One transmission element, bytes as on the wire without leading SYNs; `line` is the
    /// host's line number (1-based); `fromTributary` true for what the station sent.
    func record(_ element: [UInt8], line: Int, fromTributary: Bool)
    func close()
}

/// Whether `makeBDLCLineRecorder` can make a recorder in this build (the demo records the
/// BDLC capture only then). INTEGRATION(bdlc-proof): true once BasicModeLineRecorder is in.
public let bdlcLineRecorderAvailable = false

/// The recorder `--bdlc-capture PATH` uses.
public func makeBDLCLineRecorder(path: String, logger: Logger) throws -> any BDLCElementRecording {
    // INTEGRATION(bdlc-proof): return try BasicModeLineRecorder(path: path, logger: logger)
    throw BDLCHostOptionsError("--bdlc-capture \(path): this build has no BDLC line recorder (BasicModeLineRecorder)")
}
