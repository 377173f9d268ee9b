import Foundation
import NetMgrCore

/// Diagnostics go to standard error so that standard output stays parseable.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Loads definitions a command needs to be valid: unreadable or invalid ones are
/// reported (every diagnostic) and the command exits 2.
func loadValidDefinitions(_ directory: String, for purpose: String) throws -> Definitions {
    let loaded: LoadedDefinitions
    do {
        loaded = try DefinitionsLoader.load(directory: directory)
    } catch {
        printError("error: \(error)")
        throw Exit.unreadable
    }
    guard loaded.isValid else {
        for diagnostic in loaded.diagnostics { printError(diagnostic.description) }
        printError("error: \(directory): \(loaded.diagnostics.count) error(s); \(purpose) needs valid definitions (see netmgr check \(directory))")
        throw Exit.unreadable
    }
    return loaded.definitions
}
