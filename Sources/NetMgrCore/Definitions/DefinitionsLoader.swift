import Foundation

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

    public var isValid: Bool { diagnostics.isEmpty }
}

public enum DefinitionsLoader {
    /// Reads every `*.yaml`/`*.yml` file of `directory`, in name order.
    /// Throws only when something cannot be read; mistakes inside the files are returned.
    public static func load(directory: String) throws(DefinitionsReadError) -> LoadedDefinitions {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw DefinitionsReadError(path: directory, problem: "no such directory")
        }
        guard isDirectory.boolValue else {
            throw DefinitionsReadError(path: directory, problem: "is a file, not a directory; give the directory that holds the *.yaml definitions")
        }
        guard manager.isReadableFile(atPath: directory), let names = try? manager.contentsOfDirectory(atPath: directory) else {
            throw DefinitionsReadError(path: directory, problem: "permission denied: cannot list the directory")
        }
        let files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        guard !files.isEmpty else {
            throw DefinitionsReadError(path: directory, problem: "holds no *.yaml definitions files")
        }
        var parser = DefinitionsParser()
        var shown: [String] = []
        for name in files {
            let full = (directory as NSString).appendingPathComponent(name)
            let display = full
            guard manager.isReadableFile(atPath: full) else {
                throw DefinitionsReadError(path: display, problem: "permission denied: cannot read the file")
            }
            guard let data = manager.contents(atPath: full) else {
                throw DefinitionsReadError(path: display, problem: "cannot be read")
            }
            if data.contains(0) {
                throw DefinitionsReadError(path: display, problem: "is not text (it contains NUL bytes); definitions are UTF-8 YAML")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw DefinitionsReadError(path: display, problem: "is not UTF-8 text; definitions are UTF-8 YAML")
            }
            shown.append(display)
            parser.parse(file: display, text: text)
        }
        var validator = DefinitionsValidator(parser)
        validator.validate()
        let cluster = parser.clusters.first
            ?? Cluster(name: "", nodes: [], groups: [], lineSwitch: nil, location: SourceLocation(file: shown[0], line: 1, column: 1))
        let definitions = Definitions(cluster: cluster, lines: parser.lines, resources: parser.resources, lus: parser.lus)
        let diagnostics = (parser.diagnostics + validator.diagnostics).sorted { $0.location < $1.location }
        return LoadedDefinitions(definitions: definitions, diagnostics: diagnostics, files: shown)
    }
}
