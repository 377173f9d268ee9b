import ArgumentParser
import NetMgrCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a definitions directory and report every error in one run.",
        discussion: """
            Exit codes: 0 valid (and, with --against, identical where the nodes must agree), \
            1 invalid or different, 2 unreadable (missing directory, permission, not text).
            """
    )

    @OptionGroup var definitions: DefinitionsOption

    @Flag(help: "Print, for every resource, what the host will see after a failover (○ same terminal, △ different).")
    var explain = false

    @Option(help: ArgumentHelp("Compare with another node's copy of the definitions.", valueName: "other-dir"))
    var against: String?

    func run() throws {
        let loaded = try load(definitions.directory)
        var failed = !loaded.isValid
        report(loaded)
        failed = reportTLSFiles(loaded, directory: definitions.directory) || failed
        if let against {
            let other = try load(against)
            report(other)
            failed = failed || !other.isValid
            let differences = DefinitionsComparison.compare(loaded.definitions, other.definitions)
            for difference in differences { printError("difference: \(difference)") }
            if differences.isEmpty {
                print("\(definitions.directory) and \(against) agree on resources, LUs, line procedures, host addresses, clients, max-clients and the TN server's map, pools, printers, keep-lu, STARTTLS and VIP")
            } else {
                printError("\(differences.count) difference(s) between \(definitions.directory) and \(against): the seed requires these to be identical on both nodes")
                failed = true
            }
        }
        if explain, loaded.isValid { print(Self.explanation(of: loaded.definitions)) }
        if failed { throw Exit.failed }
    }

    private func load(_ directory: String) throws -> LoadedDefinitions {
        do {
            return try DefinitionsLoader.load(directory: directory)
        } catch {
            printError("error: \(error)")
            throw Exit.unreadable
        }
    }

    private func report(_ loaded: LoadedDefinitions) {
        for diagnostic in loaded.diagnostics + loaded.warnings { printError(diagnostic.description) }
        let d = loaded.definitions
        if loaded.isValid {
            print("\(loaded.files.count) file(s) valid: cluster \(d.cluster.name), \(d.cluster.nodes.count) nodes, \(d.cluster.groups.count) group(s), \(d.lines.count) line(s), \(d.resources.count) resource(s), \(d.lus.count) LU(s)")
        } else {
            printError("\(loaded.diagnostics.count) error(s) in \(loaded.files.joined(separator: ", "))")
        }
    }

    static func explanation(of definitions: Definitions) -> String {
        let nodes = definitions.cluster.nodes
        var table = TextTable(["", "RESOURCE", "PROCEDURE", "GROUP", "HOST", "LUS"] + nodes.map { "HOST SEES FROM \($0.name)" } + ["WHY"])
        for resource in definitions.resources {
            let promise = definitions.promise(for: resource)
            let seen = nodes.map { node in promise.addressByNode.first { $0.node == node.name }?.address ?? "?" }
            table.add([
                promise.promise.symbol, resource.name, promise.procedure.rawValue,
                definitions.group(carrying: resource.name)?.name ?? "-",
                promise.procedure == .bdlc && resource.host == .line ? "(each node's own line)" : resource.host.description,
                String(definitions.lus(of: resource.name).count),
            ] + seen + [promise.reason])
        }
        return """

            After a failover the host sees (○ the same terminal, △ a different terminal):

            \(table.render(indent: "  "))
            """
    }
}

