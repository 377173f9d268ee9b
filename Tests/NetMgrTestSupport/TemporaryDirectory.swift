import Foundation

/// A fresh directory under the system temp dir, removed with everything in it on deinit.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "netmgr-test") throws {
        var template = Array((NSTemporaryDirectory() + "/\(prefix).XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public var url: URL { URL(fileURLWithPath: path) }

    /// `path/name`.
    public func file(_ name: String) -> String { path + "/" + name }
}

/// Runs `body` with a temporary directory that is removed afterwards.
public func withTemporaryDirectory<R>(_ body: (TemporaryDirectory) async throws -> R) async throws -> R {
    let dir = try TemporaryDirectory()
    return try await body(dir)
}
