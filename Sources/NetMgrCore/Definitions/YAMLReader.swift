import Foundation

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
