import Foundation

import CYaml
import Yams

/// Reads typed values out of a Yams node tree and records, instead of throwing, every
/// problem with its file, line, column and key path, so that `netmgr check` can report
/// all mistakes in one run.
final class YAMLReader {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) {
        self.file = file
    }

    func location(_ node: Node?) -> SourceLocation {
        let mark = node?.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    func report(_ node: Node?, key: String, _ problem: String, expected: String? = nil) {
        diagnostics.append(Diagnostic(location(node), key: key, problem: problem, expected: expected))
    }

    func report(at location: SourceLocation, key: String, _ problem: String, expected: String? = nil) {
        diagnostics.append(Diagnostic(location, key: key, problem: problem, expected: expected))
    }

    enum ScalarKind { case string, int, bool, null, float }

    /// The resolved YAML type of a scalar (Yams keeps `Tag.Name` internal, so use the raw tag).
    static func kind(_ node: Node) -> ScalarKind {
        let tag = node.tag.rawValue
        if tag.hasSuffix(":int") { return .int }
        if tag.hasSuffix(":bool") { return .bool }
        if tag.hasSuffix(":null") { return .null }
        if tag.hasSuffix(":float") { return .float }
        return .string
    }

    /// A short phrase naming what kind of YAML value a node is, for "wrong type" messages.
    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            switch kind(node) {
            case .int: return "the number \(scalar.string)"
            case .bool: return "the boolean \(scalar.string)"
            case .null: return "empty"
            case .float: return "the number \(scalar.string)"
            case .string: return "the text \"\(scalar.string)\""
            }
        }
    }
}

/// A mapping being read: hands out its values by key and, when finished, reports every
/// key that nobody asked for as unknown (with a suggestion when one is close).
struct MappingReader {
    let reader: YAMLReader
    let node: Node
    private(set) var path: String
    private var pairs: [(key: Node, value: Node)]
    private var used: Set<String> = []
    private(set) var fields: [String: SourceLocation] = [:]

    /// Returns nil (and reports) when `node` is not a mapping.
    init?(_ reader: YAMLReader, _ node: Node, path: String, what: String) {
        guard case .mapping(let mapping) = node else {
            reader.report(node, key: path, "is \(YAMLReader.describe(node))", expected: what)
            return nil
        }
        self.reader = reader
        self.node = node
        self.path = path
        self.pairs = mapping.map { ($0.key, $0.value) }
    }

    var location: SourceLocation { reader.location(node) }

    mutating func rename(_ newPath: String) { path = newPath }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The raw node for `key`, marking it as known.
    mutating func value(_ key: String, required: Bool = false, expected: String = "a value") -> Node? {
        used.insert(key)
        guard let pair = pairs.first(where: { $0.key.string == key }) else {
            if required {
                reader.report(node, key: keyPath(key), "is missing", expected: expected)
            }
            return nil
        }
        // A block mapping or list starts on the line after its key: point at the key then.
        switch pair.value {
        case .mapping, .sequence: fields[key] = reader.location(pair.key)
        default: fields[key] = reader.location(pair.value)
        }
        if case .scalar = pair.value, YAMLReader.kind(pair.value) == .null {
            if required { reader.report(pair.value, key: keyPath(key), "is empty", expected: expected) }
            return nil
        }
        return pair.value
    }

    mutating func string(_ key: String, required: Bool = false, expected: String = "text") -> String? {
        guard let node = value(key, required: required, expected: expected) else { return nil }
        guard case .scalar(let scalar) = node, YAMLReader.kind(node) != .bool else {
            reader.report(node, key: keyPath(key), "is \(YAMLReader.describe(node))", expected: expected)
            return nil
        }
        let text = scalar.string.trimmingCharacters(in: .whitespaces)
        if text.isEmpty {
            reader.report(node, key: keyPath(key), "is empty", expected: expected)
            return nil
        }
        return text
    }

    /// A whole number in `range`; accepts YAML decimal and 0x hex.
    mutating func integer(_ key: String, in range: ClosedRange<Int>, required: Bool = false, what: String) -> Int? {
        let expected = "\(what), a whole number from \(range.lowerBound) to \(range.upperBound)"
        guard let node = value(key, required: required, expected: expected) else { return nil }
        guard case .scalar = node, YAMLReader.kind(node) == .int, let number = node.int else {
            reader.report(node, key: keyPath(key), "is \(YAMLReader.describe(node))", expected: expected)
            return nil
        }
        guard range.contains(number) else {
            reader.report(node, key: keyPath(key), "\(number) is out of range", expected: expected)
            return nil
        }
        return number
    }

    /// One of an enumeration's raw values.
    mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type, required: Bool = false) -> T?
    where T.RawValue == String {
        let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
        guard let text = string(key, required: required, expected: "one of \(allowed)") else { return nil }
        guard let value = T(rawValue: text.lowercased()) else {
            reader.report(at: fields[key] ?? location, key: keyPath(key), "\"\(text)\" is not known", expected: "one of \(allowed)")
            return nil
        }
        return value
    }

    /// A list; each element is handed to `body` with its key path.
    mutating func list(_ key: String, required: Bool = false, expected: String, _ body: (Node, Int) -> Void) {
        guard let node = value(key, required: required, expected: expected) else { return }
        guard case .sequence(let sequence) = node else {
            reader.report(node, key: keyPath(key), "is \(YAMLReader.describe(node))", expected: expected)
            return
        }
        for (index, element) in sequence.enumerated() { body(element, index) }
    }

    /// A list of strings (e.g. a group's resource names), each with its location.
    mutating func stringList(_ key: String, required: Bool = false, expected: String) -> [(String, SourceLocation)] {
        var result: [(String, SourceLocation)] = []
        let path = keyPath(key)
        let reader = self.reader
        list(key, required: required, expected: expected) { element, index in
            guard case .scalar(let scalar) = element, YAMLReader.kind(element) != .null else {
                reader.report(element, key: "\(path)[\(index)]", "is \(YAMLReader.describe(element))", expected: expected)
                return
            }
            result.append((scalar.string, reader.location(element)))
        }
        return result
    }

    /// Reports the keys nobody read.
    func finish() {
        for pair in pairs {
            guard let key = pair.key.string, case .scalar = pair.key else {
                reader.report(pair.key, key: path, "has a key that is \(YAMLReader.describe(pair.key))", expected: "a plain name")
                continue
            }
            if used.contains(key) { continue }
            let suggestion = used.min { editDistance($0, key) < editDistance($1, key) }
            var expected = "one of \(used.sorted().joined(separator: ", "))"
            if let suggestion, editDistance(suggestion, key) <= 2 { expected = "\"\(suggestion)\"" }
            reader.report(pair.key, key: keyPath(key), "is not a known key", expected: expected)
        }
    }
}

/// Levenshtein distance, for "did you mean" suggestions on short keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// How large a definitions set may be. Real sites have a few thousand LUs; the limits are
/// far above that and far below what would take minutes or gigabytes to reject.
public struct DefinitionsLimits: Sendable {
    /// Bytes in one file.
    public var fileBytes = 16 << 20
    /// Bytes in all files together, and how many files.
    public var totalBytes = 64 << 20
    public var files = 1_000
    /// Entries in each of the lines, resources and lus lists, over all files.
    public var entriesPerSection = 100_000
    /// YAML nodes (scalars, lists, mappings) over all files.
    public var nodes = 2_000_000
    /// Lists and mappings inside each other.
    public var depth = 32

    public init() {}
}

/// A first pass over a file's YAML events (libyaml's parser, before Yams builds a tree):
/// refuses anchors and aliases (definitions need none, and an alias bomb expands to
/// billions of nodes), too deep nesting and too many entries, and reports syntax errors
/// where the broken construct starts. Memory stays flat: no tree is built.
struct YAMLPrecheck {
    let limits: DefinitionsLimits
    /// Entries per top-level section and nodes so far, over the files checked.
    private(set) var entries: [String: Int] = [:]
    private(set) var nodes = 0

    init(limits: DefinitionsLimits) {
        self.limits = limits
    }

    static let sections: Set<String> = ["lines", "resources", "lus"]

    private struct Frame {
        var isMapping: Bool
        var expectingKey = true
        var key: String?
        /// The top-level section this list is, when it is one.
        var section: String?
    }

    /// The first problem in `text`, or nil when Yams may compose it.
    mutating func check(_ text: String, file: String) -> Diagnostic? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return Diagnostic(SourceLocation(file: file, line: 1, column: 1), key: "(document)", problem: "cannot start the YAML parser (out of memory)")
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var stack: [Frame] = []
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    return Self.syntaxError(parser, file: file, text: text)
                }
                defer { yaml_event_delete(&event) }
                let location = SourceLocation(file: file, line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
                var anchor: UnsafeMutablePointer<yaml_char_t>?
                var scalar: String?
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_ALIAS_EVENT:
                    let name = String(cString: event.data.alias.anchor)
                    return Diagnostic(location, key: "(document)", problem: "uses the alias *\(name); anchors and aliases are not allowed in definitions",
                                      expected: "each value written out where it is used")
                case YAML_SCALAR_EVENT:
                    anchor = event.data.scalar.anchor
                    scalar = String(decoding: UnsafeBufferPointer(start: event.data.scalar.value, count: event.data.scalar.length), as: UTF8.self)
                case YAML_SEQUENCE_START_EVENT:
                    anchor = event.data.sequence_start.anchor
                case YAML_MAPPING_START_EVENT:
                    anchor = event.data.mapping_start.anchor
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    stack.removeLast()
                    continue
                default:
                    continue
                }
                if let anchor {
                    return Diagnostic(location, key: "(document)", problem: "defines the anchor &\(String(cString: anchor)); anchors and aliases are not allowed in definitions",
                                      expected: "each value written out where it is used")
                }
                nodes += 1
                if nodes > limits.nodes {
                    return Diagnostic(location, key: "(document)", problem: "the definitions hold more than \(limits.nodes) YAML values; the limit is there so that a runaway file is refused quickly")
                }
                // Where this node sits: a key or value of a mapping, or an entry of a list.
                var parentKey: String?
                if var parent = stack.popLast() {
                    if parent.isMapping {
                        if parent.expectingKey { parent.key = scalar }
                        parentKey = parent.expectingKey ? nil : parent.key
                        parent.expectingKey.toggle()
                    } else if let section = parent.section {
                        let count = entries[section, default: 0] + 1
                        entries[section] = count
                        if count > limits.entriesPerSection {
                            return Diagnostic(location, key: section, problem: "has more than \(limits.entriesPerSection) entries over all files",
                                              expected: "at most \(limits.entriesPerSection) (split the cluster)")
                        }
                    }
                    stack.append(parent)
                }
                guard event.type != YAML_SCALAR_EVENT else { continue }
                if stack.count >= limits.depth {
                    return Diagnostic(location, key: "(document)", problem: "nests lists and mappings more than \(limits.depth) deep",
                                      expected: "the flat layout of cluster, lines, resources and lus")
                }
                let isTopLevelList = event.type == YAML_SEQUENCE_START_EVENT && stack.count == 1
                stack.append(Frame(isMapping: event.type == YAML_MAPPING_START_EVENT,
                                   section: isTopLevelList ? parentKey.flatMap { Self.sections.contains($0) ? $0 : nil } : nil))
            }
        }
    }

    /// libyaml's problem mark often lies past the mistake (a key without ':' or an
    /// unclosed '[' is noticed on the next line). The context mark is where the broken
    /// token or flow collection starts, so report that. A block mapping's context is
    /// where the whole mapping began, maybe far above; there the problem mark, the
    /// unexpected token, is the better line.
    private static func syntaxError(_ parser: yaml_parser_t, file: String, text source: String) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        let context = parser.context.map { String(cString: $0) }
        var mark = parser.problem_mark
        if let context, parser.error == YAML_SCANNER_ERROR || context.contains("flow") { mark = parser.context_mark }
        var text = "YAML syntax: \(problem)"
        if let context { text += " (\(context) at line \(parser.context_mark.line + 1))" }
        let problemAt = SourceLocation(file: file, line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1)
        let expected = DefinitionsParser.expectedYAML(source, at: problemAt)
        return Diagnostic(SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1),
                          key: "(document)", problem: text, expected: expected)
    }
}
