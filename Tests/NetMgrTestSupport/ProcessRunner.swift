import Foundation

public struct ProcessResult: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String
    /// The deadline passed and the process was killed.
    public var timedOut: Bool
}

public enum ProcessRunnerError: Error, CustomStringConvertible {
    case notFound(String)

    public var description: String {
        switch self {
        case .notFound(let name): return "\(name): program not found"
        }
    }
}

/// Runs a program to completion or until `timeout`, then SIGKILLs it. Output goes to
/// temporary files (no pipe can fill up and stall the child).
public func runProcess(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(60),
                       environment: [String: String]? = nil) async throws -> ProcessResult {
    let path = executable.contains("/") ? executable : try findExecutable(executable)
    let dir = try TemporaryDirectory(prefix: "netmgr-proc")
    let outPath = dir.file("stdout"), errPath = dir.file("stderr")
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    let (exits, exited) = AsyncStream<Int32>.makeStream()
    process.terminationHandler = { p in
        exited.yield(p.terminationStatus)
        exited.finish()
    }
    try process.run()
    let pid = process.processIdentifier
    let status: Int32? = await withTaskGroup(of: Int32?.self) { group in
        group.addTask {
            for await status in exits { return status }
            return nil
        }
        group.addTask {
            try? await Task.sleep(for: timeout)  // a deadline, not synchronisation
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
    var timedOut = false
    var finalStatus = status ?? -1
    if status == nil {
        timedOut = true
        kill(pid, SIGKILL)
        process.waitUntilExit()
        finalStatus = process.terminationStatus
    }
    try out.close()
    try err.close()
    return ProcessResult(
        status: finalStatus,
        standardOutput: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
        standardError: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
        timedOut: timedOut)
}

/// Looks `name` up in PATH.
public func findExecutable(_ name: String) throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw ProcessRunnerError.notFound(name)
}
