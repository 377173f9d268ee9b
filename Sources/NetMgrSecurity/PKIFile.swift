import Glibc

/// A PKI file that could not be written.
public struct PKIFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}

/// Writing PKI files whole: to a temporary file beside the target, synced, then renamed
/// over it, so a reader sees the old file or the new one, never half of one.
public enum PKIFile {
    /// Mode of private keys and secrets.
    public static let secretMode: mode_t = 0o600
    /// Mode of certificates.
    public static let publicMode: mode_t = 0o644

    /// Writes `bytes` to `path` with exactly `mode` (not reduced by the umask), creating
    /// missing parent directories (0755).
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(PKIFileError) {
        let directory = parent(of: path)
        try makeDirectories(directory)
        let base = path.split(separator: "/").last.map(String.init) ?? path
        let temporary = "\(directory)/.\(base).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw PKIFileError(path: path, problem: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var done = false
        defer {
            if !done { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            guard fchmod(fd, mode) == 0 else { throw PKIFileError(path: path, problem: "cannot set the mode: \(String(cString: strerror(errno)))") }
            var written = 0
            while written < bytes.count {
                let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { throw PKIFileError(path: path, problem: "cannot write: \(String(cString: strerror(errno)))") }
                written += count
            }
            guard fsync(fd) == 0 else { throw PKIFileError(path: path, problem: "cannot sync: \(String(cString: strerror(errno)))") }
        }
        guard rename(temporary, path) == 0 else {
            throw PKIFileError(path: path, problem: "cannot rename \(temporary) to it: \(String(cString: strerror(errno)))")
        }
        done = true
        // The rename itself survives a crash once the directory is synced.
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// Writes text (a PEM file).
    public static func write(_ text: String, to path: String, mode: mode_t) throws(PKIFileError) {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    /// Whether something exists at `path` (a dangling symlink counts).
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let head = String(path[..<slash])
        return head.isEmpty ? "/" : head
    }

    static func makeDirectories(_ path: String) throws(PKIFileError) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw PKIFileError(path: path, problem: "is not a directory") }
            return
        }
        let up = parent(of: path)
        if up != path { try makeDirectories(up) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw PKIFileError(path: path, problem: "cannot create the directory: \(String(cString: strerror(errno)))")
        }
    }
}
