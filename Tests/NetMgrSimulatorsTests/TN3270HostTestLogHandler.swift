import Logging

/// Sends log lines ("level message") to a test log, so tests can wait for the line that
/// explains why the host closed a connection.
struct TN3270HostTestLogHandler: LogHandler {
    let lines: TN3270HostTestLog<String>
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.append("\(event.level) \(event.message)")
    }
}
