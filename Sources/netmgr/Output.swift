import Foundation

/// Diagnostics go to standard error so that standard output stays parseable.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
