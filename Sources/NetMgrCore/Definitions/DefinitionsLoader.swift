import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a definitions directory could not be read at all (as opposed to being read and
/// found wrong). `netmgr check` exits 2 for these.
public struct DefinitionsReadError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}

/// The outcome of loading a definitions directory: the model and every problem found.
public struct LoadedDefinitions: Sendable {
    public var definitions: Definitions
    public var diagnostics: [Diagnostic]
    public var files: [String]
    /// What is valid but probably not meant; each `isWarning`.
    public var warnings: [Diagnostic] = []

    public var isValid: Bool { diagnostics.isEmpty }
}

public enum DefinitionsLoader {
    /// Reads every `*.yaml`/`*.yml` file of `directory`, in name order.
    /// Throws only when something cannot be read; mistakes inside the files are returned.
    public static func load(directory: String, limits: DefinitionsLimits = DefinitionsLimits()) throws(DefinitionsReadError) -> LoadedDefinitions {
        let manager = FileManager.default
        var info = stat()
        guard stat(directory, &info) == 0 else {
            throw DefinitionsReadError(path: directory, problem: pathProblem(directory, errno: errno, what: "directory"))
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw DefinitionsReadError(path: directory, problem: "is a file, not a directory; give the directory that holds the *.yaml definitions")
        }
        let names: [String]
        do {
            names = try manager.contentsOfDirectory(atPath: directory)
        } catch {
            throw DefinitionsReadError(path: directory, problem: "permission denied: cannot list the directory")
        }
        let files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        guard !files.isEmpty else {
            throw DefinitionsReadError(path: directory, problem: "holds no *.yaml definitions files")
        }
        guard files.count <= limits.files else {
            throw DefinitionsReadError(path: directory, problem: "holds \(files.count) *.yaml files, more than the \(limits.files) a definitions set may have")
        }
        var totalBytes = 0
        var parser = DefinitionsParser()
        var precheck = YAMLPrecheck(limits: limits)
        var shown: [String] = []
        for name in files {
            let display = (directory as NSString).appendingPathComponent(name)
            let data = try read(display, limit: limits.fileBytes)
            totalBytes += data.count
            guard totalBytes <= limits.totalBytes else {
                throw DefinitionsReadError(path: display, problem: "takes the definitions past \(limits.totalBytes >> 20) MiB in all, the most a definitions set may hold")
            }
            if data.contains(0) {
                throw DefinitionsReadError(path: display, problem: "is not text (it contains NUL bytes); definitions are UTF-8 YAML")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw DefinitionsReadError(path: display, problem: "is not UTF-8 text; definitions are UTF-8 YAML")
            }
            shown.append(display)
            if let problem = precheck.check(text, file: display) {
                // Not composed: names it defines stay unknown, as for any unparsable file.
                if parser.firstFile == nil { parser.firstFile = display }
                parser.unparsedFiles.append(display)
                parser.diagnostics.append(problem)
                continue
            }
            parser.parse(file: display, text: text)
        }
        var validator = DefinitionsValidator(parser)
        validator.validate()
        let cluster = parser.clusters.first
            ?? Cluster(name: "", nodes: [], groups: [], lineSwitch: nil, location: SourceLocation(file: shown[0], line: 1, column: 1))
        let definitions = Definitions(cluster: cluster, lines: parser.lines, resources: parser.resources, lus: parser.lus)
        let diagnostics = (parser.diagnostics + validator.diagnostics).sorted { $0.location < $1.location }
        var loaded = LoadedDefinitions(definitions: definitions, diagnostics: diagnostics, files: shown)
        loaded.warnings = validator.warnings.sorted { $0.location < $1.location }
        return loaded
    }

    /// Reads one definitions file, refusing what is not a regular file (a directory, a
    /// FIFO that would block, /dev/zero that never ends) and what is larger than `limit`.
    static func read(_ path: String, limit: Int) throws(DefinitionsReadError) -> Data {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw DefinitionsReadError(path: path, problem: pathProblem(path, errno: errno, what: "file"))
        }
        try requireRegular(path, info, limit: limit)
        // O_NONBLOCK: should the name be swapped for a FIFO after the stat, open does not wait for a writer.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw DefinitionsReadError(path: path, problem: pathProblem(path, errno: errno, what: "file"))
        }
        defer { close(fd) }
        guard fstat(fd, &info) == 0 else {
            throw DefinitionsReadError(path: path, problem: "cannot be read: \(String(cString: strerror(errno)))")
        }
        try requireRegular(path, info, limit: limit)
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else {
                throw DefinitionsReadError(path: path, problem: "cannot be read: \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            count += got
        }
        guard count <= limit else {
            throw DefinitionsReadError(path: path, problem: "is larger than \(limit >> 20) MiB, the most a definitions file may hold")
        }
        return Data(bytes.prefix(count))
    }

    private static func requireRegular(_ path: String, _ info: stat, limit: Int) throws(DefinitionsReadError) {
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            guard info.st_size <= limit else {
                throw DefinitionsReadError(path: path, problem: "is \(info.st_size) bytes, larger than \(limit >> 20) MiB, the most a definitions file may hold")
            }
            return
        case S_IFDIR: kind = "a directory"
        case S_IFIFO: kind = "a FIFO"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFSOCK: kind = "a socket"
        default: kind = "a special file"
        }
        throw DefinitionsReadError(path: path, problem: "is \(kind), not a regular file; definitions are *.yaml text files")
    }

    /// Why stat(2) failed on a path, in an operator's words: a symbolic link loop or a
    /// dangling link says so instead of "permission denied".
    static func pathProblem(_ path: String, errno code: Int32, what: String) -> String {
        switch code {
        case ELOOP:
            return "is a symbolic link loop (too many levels of symbolic links)"
        case ENOENT:
            var link = stat()
            if lstat(path, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
                return "is a dangling symbolic link: its target \(target) does not exist"
            }
            return "no such \(what)"
        case EACCES:
            return "permission denied: cannot read the \(what) or search a directory on its path"
        case ENOTDIR:
            return "no such \(what): a component of the path is not a directory"
        default:
            return "cannot be read: \(String(cString: strerror(code)))"
        }
    }
}
