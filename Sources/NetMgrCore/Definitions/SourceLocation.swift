/// Where a value came from in a definitions file, for messages an operator can act on.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }
}

/// One problem found in a definitions set. `key` is the dotted path an operator would
/// look for, with list entries named by their `name:` where they have one
/// (`resources[TNVIP].own-address`).
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    public var key: String
    public var problem: String
    public var expected: String?
    /// A warning does not make the definitions invalid (`LoadedDefinitions.warnings`).
    public var isWarning = false

    public init(_ location: SourceLocation, key: String, problem: String, expected: String? = nil) {
        self.location = location
        self.key = key
        self.problem = problem
        self.expected = expected
    }

    public var description: String {
        var text = "\(location): \(isWarning ? "warning" : "error"): \(key): \(problem)"
        if let expected { text += "; expected \(expected)" }
        return text
    }
}

/// A definitions entry that knows where it and each of its keys were written.
public protocol Located {
    var location: SourceLocation { get }
    /// Locations of the values of the entry's keys, by key.
    var fields: [String: SourceLocation] { get }
}

extension Located {
    /// Where the value of `key` was written, or the entry itself when the key was absent.
    public func location(of key: String) -> SourceLocation { fields[key] ?? location }
}
