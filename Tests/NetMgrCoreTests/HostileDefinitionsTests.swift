import Foundation
import NetMgrCore
import NetMgrTestSupport
import Testing

/// Definitions an attacker or a careless operator might write: each is refused quickly,
/// with a message that names the file and the line.
@Suite("Hostile definitions")
struct HostileDefinitionsTests {
    /// A copy of Phonebook/ with `file` replaced by `text`.
    func phonebook(with file: String, _ text: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "netmgr-hostile")
        let source = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path
        for name in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: directory.file(name))
        }
        try? FileManager.default.removeItem(atPath: directory.file(file))
        try text.write(toFile: directory.file(file), atomically: false, encoding: .utf8)
        return directory
    }

    /// Nine levels of ten: 10^9 leaves once expanded, used as a mapping key.
    static let aliasBomb: String = {
        var text = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for (previous, name) in zip(names, names.dropFirst()) {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ",") + "]\n"
        }
        return text + "? *i\n: boom\n"
    }()

    @Test("an alias bomb used as a mapping key is refused at its first anchor, at once")
    func aliasBomb() throws {
        let directory = try phonebook(with: "bomb.yaml", Self.aliasBomb)
        let started = ContinuousClock.now
        let loaded = try DefinitionsLoader.load(directory: directory.path)
        #expect(ContinuousClock.now - started < .seconds(5))
        let diagnostic = try #require(loaded.diagnostics.first { $0.location.file.hasSuffix("bomb.yaml") })
        #expect(diagnostic.location.line == 1)
        #expect(diagnostic.problem.contains("anchor &a"))
        #expect(diagnostic.problem.contains("not allowed"))
    }

    @Test("an alias to an anchor is refused where the alias is")
    func alias() throws {
        let text = "lines:\n  - name: LAN2\n    procedure: tnetos\n  - *other\n"
        let directory = try phonebook(with: "more.yaml", text)
        let loaded = try DefinitionsLoader.load(directory: directory.path)
        let diagnostic = try #require(loaded.diagnostics.first { $0.location.file.hasSuffix("more.yaml") })
        #expect(diagnostic.location.line == 4)
        #expect(diagnostic.problem.contains("alias *other"))
    }

    @Test("more LUs than the limit are refused at the first one too many")
    func tooManyLUs() throws {
        var text = "lus:\n"
        for index in 0..<30 { text += "  - { name: X\(index), address: \(index + 10), resource: TNVIP }\n" }
        let directory = try phonebook(with: "zz-many.yaml", text)
        var limits = DefinitionsLimits()
        limits.entriesPerSection = 25  // Phonebook/lus.yaml has 16 already
        let loaded = try DefinitionsLoader.load(directory: directory.path, limits: limits)
        let diagnostic = try #require(loaded.diagnostics.first { $0.key == "lus" })
        #expect(diagnostic.location.file.hasSuffix("zz-many.yaml"))
        #expect(diagnostic.location.line == 1 + 10)
        #expect(diagnostic.problem.contains("more than 25 entries"))
        #expect(!loaded.isValid)
    }

    @Test("too deep nesting is refused")
    func tooDeep() throws {
        let text = "lines: " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "\n"
        let directory = try phonebook(with: "deep.yaml", text)
        let loaded = try DefinitionsLoader.load(directory: directory.path)
        let diagnostic = try #require(loaded.diagnostics.first { $0.location.file.hasSuffix("deep.yaml") })
        #expect(diagnostic.problem.contains("more than 32 deep"))
    }

    @Test("a file larger than the limit is refused before it is read")
    func tooLarge() throws {
        let directory = try phonebook(with: "big.yaml", "# " + String(repeating: "x", count: 5000) + "\n")
        var limits = DefinitionsLimits()
        limits.fileBytes = 4096
        #expect {
            try DefinitionsLoader.load(directory: directory.path, limits: limits)
        } throws: { error in
            "\(error)".contains("big.yaml") && "\(error)".contains("larger than")
        }
    }

    @Test("files that are small one by one but large together are refused")
    func tooLargeTogether() throws {
        let directory = try phonebook(with: "big1.yaml", "# " + String(repeating: "x", count: 3000) + "\n")
        try ("# " + String(repeating: "y", count: 3000) + "\n").write(toFile: directory.file("big2.yaml"), atomically: false, encoding: .utf8)
        var limits = DefinitionsLimits()
        limits.totalBytes = 5000
        #expect {
            try DefinitionsLoader.load(directory: directory.path, limits: limits)
        } throws: { error in
            "\(error)".contains("big2.yaml: takes the definitions past")
        }
        limits.files = 3
        #expect {
            try DefinitionsLoader.load(directory: directory.path, limits: limits)
        } throws: { error in
            "\(error)".contains("holds 6 *.yaml files, more than the 3")
        }
    }

    @Test("a YAML syntax error points at the broken line, not the one after it", arguments: [
        ("lines:\n  - name: LAN2\n    procedure: [tnetos\n  - name: LAN3\n", 3),
        ("lines:\n  - name: LAN2\n    procedure: \"tnetos\n  - name: LAN3\n", 3),
        ("lines:\n  - name: LAN2\n    procedure: tnetos\n   oops: 1\n", 4),
        ("lines:\n  - name: LAN2\n    procedure tnetos\n    switch: COM1 Unit1 Line1\n", 3),
    ])
    func syntaxErrorLine(text: String, line: Int) throws {
        let directory = try phonebook(with: "broken.yaml", text)
        let loaded = try DefinitionsLoader.load(directory: directory.path)
        let diagnostic = try #require(loaded.diagnostics.first { $0.location.file.hasSuffix("broken.yaml") })
        #expect(diagnostic.problem.hasPrefix("YAML syntax"))
        #expect(diagnostic.location.line == line, "\(diagnostic)")
    }

    func readError(_ setUp: (TemporaryDirectory) throws -> Void) throws -> String {
        let directory = try phonebook(with: "cluster.yaml", try String(contentsOfFile: BuiltProducts.packageRoot.appendingPathComponent("Phonebook/cluster.yaml").path, encoding: .utf8))
        try setUp(directory)
        do {
            _ = try DefinitionsLoader.load(directory: directory.path)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test("a symbolic link loop says so")
    func symlinkLoop() throws {
        let message = try readError { directory in
            try FileManager.default.createSymbolicLink(atPath: directory.file("loop.yaml"), withDestinationPath: directory.file("loop.yaml"))
        }
        #expect(message.contains("loop.yaml: is a symbolic link loop"), "\(message)")
    }

    @Test("a dangling symbolic link says so")
    func danglingLink() throws {
        let message = try readError { directory in
            try FileManager.default.createSymbolicLink(atPath: directory.file("gone.yaml"), withDestinationPath: directory.file("nowhere.yaml"))
        }
        #expect(message.contains("gone.yaml: is a dangling symbolic link"), "\(message)")
        #expect(message.contains("nowhere.yaml"))
    }

    @Test("a directory named *.yaml is not a regular file")
    func directoryNamedYAML() throws {
        let message = try readError { directory in
            try FileManager.default.createDirectory(atPath: directory.file("dir.yaml"), withIntermediateDirectories: false)
        }
        #expect(message.contains("dir.yaml: is a directory, not a regular file"), "\(message)")
    }

    @Test("a FIFO named *.yaml is refused without waiting for a writer")
    func fifo() throws {
        let message = try readError { directory in
            #expect(mkfifo(directory.file("pipe.yaml"), 0o600) == 0)
        }
        #expect(message.contains("pipe.yaml: is a FIFO, not a regular file"), "\(message)")
    }

    @Test("/dev/zero behind a *.yaml name is refused, not read forever")
    func devZero() throws {
        let message = try readError { directory in
            try FileManager.default.createSymbolicLink(atPath: directory.file("zero.yaml"), withDestinationPath: "/dev/zero")
        }
        #expect(message.contains("zero.yaml: is a character device, not a regular file"), "\(message)")
    }

    @Test("a definitions directory that is a symbolic link loop says so")
    func directoryLoop() throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-hostile")
        try FileManager.default.createSymbolicLink(atPath: directory.file("defs"), withDestinationPath: directory.file("defs"))
        #expect {
            try DefinitionsLoader.load(directory: directory.file("defs"))
        } throws: { error in
            "\(error)".contains("is a symbolic link loop")
        }
    }
}
