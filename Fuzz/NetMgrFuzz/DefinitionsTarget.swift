import Foundation
import NetMgrCore

/// YAML text as one definitions file, loaded, validated and explained as `netmgr check
/// --explain` does.
enum DefinitionsTarget {
    static let directory: String = {
        let path = NSTemporaryDirectory() + "netmgr-fuzz-definitions-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    static func run(_ data: UnsafeRawBufferPointer) {
        // Foundation's FileManager.contents(atPath:) leaks 4 KiB reading an empty file
        // (swift-foundation's readBytesFromFile); not netmgr's leak, so not fuzzed.
        guard !data.isEmpty else { return }
        guard FileManager.default.createFile(atPath: directory + "/fuzz.yaml", contents: Data(data)) else {
            fatalError("cannot write \(directory)/fuzz.yaml")
        }
        guard let loaded = try? DefinitionsLoader.load(directory: directory) else { return }
        for diagnostic in loaded.diagnostics { _ = "\(diagnostic)" }
        for resource in loaded.definitions.resources { _ = loaded.definitions.promise(for: resource) }
    }
}
