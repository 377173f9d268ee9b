#if canImport(Glibc)
import Glibc
#endif

/// Why a report file could not be written; names the file and the reason.
public struct ReportFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// A report written whole or not at all: the text goes to a hidden temporary file in the
/// same directory (so the rename cannot cross file systems), is flushed, and is renamed
/// over `path` in one step. Open it before the long work, so an unwritable place fails
/// fast; an instance dropped without `commit` removes its temporary file.
public final class AtomicReportFile {
    public let path: String
    public let temporaryPath: String
    private var fd: Int32

    public init(path: String) throws(ReportFileError) {
        guard !path.isEmpty else { throw ReportFileError(path: path, reason: "empty path") }
        self.path = path
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty else { throw ReportFileError(path: path, reason: "names a directory, not a file") }
        var template = ((directory == "/" ? "/" : directory + "/") + "." + name + ".XXXXXX").utf8CString
        let opened = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard opened >= 0 else {
            let code = errno
            throw ReportFileError(path: path, reason: "cannot create a file in \(directory): \(String(cString: strerror(code)))")
        }
        fd = opened
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        // mkstemp makes it 0600; a report is as readable as any new file (0666 less umask).
        let mask = umask(0)
        umask(mask)
        fchmod(fd, 0o666 & ~mask)
    }

    deinit { discard() }

    /// Writes `text`, flushes it and renames the file into place.
    public func commit(_ text: String) throws(ReportFileError) {
        guard fd >= 0 else { throw ReportFileError(path: path, reason: "already written or discarded") }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("cannot write")
            }
            bytes = bytes.dropFirst(written)
        }
        if fsync(fd) != 0 { throw failure("cannot flush") }
        let closed = close(fd)
        fd = -1
        if closed != 0 { throw failure("cannot write (close)") }
        if rename(temporaryPath, path) != 0 { throw failure("cannot replace") }
    }

    /// Removes the temporary file (nothing happens after `commit`).
    public func discard() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(temporaryPath)
    }

    private func failure(_ what: String) -> ReportFileError {
        let code = errno
        if fd >= 0 { close(fd) }
        fd = -1
        unlink(temporaryPath)
        return ReportFileError(path: path, reason: "\(what): \(String(cString: strerror(code)))")
    }
}
