import Foundation
import NetMgrCore
import NetMgrTestSupport

/// Definitions a test writes out: loaded from a `defs.yaml` in a fresh temporary directory,
/// and searched for the line a message should name. The X.25 and switched definitions tests
/// share it.
enum DefinitionsTestText {
    static func load(_ text: String, prefix: String) throws -> LoadedDefinitions {
        let directory = try TemporaryDirectory(prefix: prefix)
        try text.write(toFile: directory.file("defs.yaml"), atomically: false, encoding: .utf8)
        return try DefinitionsLoader.load(directory: directory.path)
    }

    /// The 1-based line of the first line of `text` that contains `needle`.
    static func lineNumber(of needle: String, in text: String) -> Int? {
        text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(needle) }.map { $0 + 1 }
    }
}
