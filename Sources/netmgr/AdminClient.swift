import ArgumentParser
import Foundation
import NetMgrAdminClient
import NetMgrCore
import NetMgrProtocol
#if canImport(Glibc)
import Glibc
#endif

/// How `netmgr` finds a node's admin socket.
struct AdminOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The netmgrd admin socket (default: $NETMGR_SOCKET, or the node's from the definitions).", valueName: "path"))
    var socket: String?

    @Option(help: "The node whose netmgrd to talk to; its admin socket comes from the definitions.")
    var node: String?

    @Option(help: ArgumentHelp("The definitions directory, to find --node's socket.", valueName: "dir"))
    var definitions: String = ProcessEnvironment.definitionsDirectory

    func socketPath() throws -> String {
        if let socket { return socket }
        if node == nil, let environment = ProcessInfo.processInfo.environment["NETMGR_SOCKET"] { return environment }
        guard let node else {
            throw ValidationError("say which netmgrd: --socket PATH, --node NAME, or NETMGR_SOCKET")
        }
        let loaded: LoadedDefinitions
        do {
            loaded = try DefinitionsLoader.load(directory: definitions)
        } catch {
            printError("error: \(error)")
            throw Exit.unreadable
        }
        guard let entry = loaded.definitions.node(named: node) else {
            printError("error: node \"\(node)\" is not defined in \(definitions)")
            throw Exit.failed
        }
        return entry.adminSocket ?? "/run/netmgr/\(node).sock"
    }
}

/// Prints admin replies for the operator commands.
enum AdminClient {
    /// Sends a request, prints the outcome, and maps it to the command's exit code.
    static func run(_ request: AdminRequest, options: AdminOptions, json: Bool, everyLU: Bool = false) throws {
        let path = try options.socketPath()
        let response: AdminResponse
        do {
            response = try AdminConnection.exchange(request, socket: path)
        } catch {
            printError("error: \(error)")
            throw Exit.unreadable
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(response), as: UTF8.self))
        } else if let metrics = response.metrics {
            print(metrics, terminator: "")
        } else if !response.resources.isEmpty {
            print(render(response, everyLU: everyLU))
        }
        if !response.ok {
            printError("error: \(response.error ?? "request failed")")
            throw Exit.failed
        }
    }

    /// The resource table; then the LUs the host refuses or whose acks stall (every LU with `everyLU`).
    static func render(_ response: AdminResponse, everyLU: Bool = false) -> String {
        var table = TextTable(["RESOURCE", "GROUP", "PROCEDURE", "STATE", "EPOCH", "HOST SEES", "LUS BOUND"])
        for resource in response.resources {
            table.add([resource.name, resource.group, resource.procedure, resource.state, String(resource.epoch),
                       resource.hostAddress.isEmpty ? "-" : resource.hostAddress, "\(resource.boundCount)/\(resource.luCount)"])
        }
        var text = "node \(response.node)" + (response.clients.map { clients in
            ", clients \(clients.inUse)" + (clients.limit.map { " of \($0) (max-clients)" } ?? " (no max-clients)")
        } ?? "") + "\n" + table.render()
        // LUs the host refuses, or whose messages wait long for the host's ack.
        let attention = response.resources.flatMap { resource in
            resource.lus.filter { everyLU || $0.rejection != nil || ($0.oldestUnackedMilliseconds ?? 0) >= AdminResponse.LUStatus.stalledAfterMilliseconds }.map { (resource.name, $0) }
        }
        if !attention.isEmpty {
            var lus = TextTable(["RESOURCE", "LU", "STATE", "UNACKED", "OLDEST", "BIND", "DETAIL"])
            for (resource, lu) in attention {
                var detail = lu.rejection ?? lu.detail
                if lu.rejection == nil, (lu.oldestUnackedMilliseconds ?? 0) >= AdminResponse.LUStatus.stalledAfterMilliseconds, let screen = lu.hostScreen {
                    detail += "; host screen: \(screen)"
                }
                lus.add([resource, lu.name, lu.state, lu.unacked.map(String.init) ?? "-",
                         lu.oldestUnackedMilliseconds.map { $0 < 10_000 ? "\($0) ms" : "\($0 / 1000) s" } ?? "-",
                         lu.timeToBindMilliseconds.map { "\($0) ms" } ?? "-", detail])
            }
            text += "\n" + lus.render()
        }
        return text
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a node's resources, their state, epoch and bound LUs.",
        discussion: "Exit codes: 0 shown, 1 the daemon refused, 2 the daemon cannot be reached.")
    @OptionGroup var admin: AdminOptions
    @Flag(help: "Print the full status as JSON, with every LU.") var json = false
    @Flag(help: "List every LU with its unacked messages, the oldest one's age and its time to bind (without it, only LUs the host refuses or whose acks stall).")
    var lus = false
    @Flag(help: "Print the daemon's metrics in Prometheus text format.") var metrics = false
    @Flag(help: "Print one word for the targets together: active, standby, activating, deactivating or mixed (for scripts and resource agents).")
    var summary = false
    @Argument(help: "Resources or groups (default: all).") var targets: [String] = []

    func run() throws {
        if summary {
            let path = try admin.socketPath()
            do {
                let response = try AdminConnection.exchange(AdminRequest(command: .status, targets: targets, brief: true), socket: path)
                guard response.ok else {
                    printError("error: \(response.error ?? "status failed")")
                    throw Exit.failed
                }
                let states = Set(response.resources.map(\.state))
                print(states.count == 1 ? states.first! : "mixed")
            } catch let error as AdminConnection.Unreachable {
                printError("error: \(error)")
                throw Exit.unreadable
            }
            return
        }
        try AdminClient.run(AdminRequest(command: metrics ? .metrics : .status, targets: targets, brief: !json && !lus), options: admin, json: json,
                            everyLU: lus)
    }
}

struct ActivateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate", abstract: "Activate resources or failover groups on a node, as a cluster engine does.",
        discussion: "Waits until the resources are active. Exit codes: 0 active, 1 refused or failed (e.g. a stale epoch), 2 the daemon cannot be reached.")
    @OptionGroup var admin: AdminOptions
    @Option(help: "The activation epoch, when the cluster engine provides one (default: the next in the state directory).") var epoch: UInt64?
    @Option(help: "Seconds to wait for the resources to become active.") var timeout: Double = 30
    @Flag(help: "Print the result as JSON.") var json = false
    @Argument(help: "Resource or failover group names.") var targets: [String]

    func validate() throws {
        try AdminOptionChecks.epoch(epoch)
        try AdminOptionChecks.timeout(timeout)
    }

    func run() throws {
        try AdminClient.run(AdminRequest(command: .activate, targets: targets, epoch: epoch, timeoutSeconds: timeout), options: admin, json: json)
    }
}

struct DeactivateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deactivate", abstract: "Deactivate resources or failover groups on a node, closing host sessions cleanly.",
        discussion: "Waits until the resources are standby. Exit codes: 0 standby, 1 refused or failed, 2 the daemon cannot be reached.")
    @OptionGroup var admin: AdminOptions
    @Option(help: "Seconds to wait for the resources to reach standby.") var timeout: Double = 30
    @Flag(help: "Print the result as JSON.") var json = false
    @Argument(help: "Resource or failover group names.") var targets: [String]

    func validate() throws {
        try AdminOptionChecks.timeout(timeout)
    }

    func run() throws {
        try AdminClient.run(AdminRequest(command: .deactivate, targets: targets, timeoutSeconds: timeout), options: admin, json: json)
    }
}

/// Checks of the options that end up in an admin request, shared by the commands that send them.
enum AdminOptionChecks {
    static func epoch(_ epoch: UInt64?) throws {
        guard let epoch else { return }
        guard epoch != 0 else {
            throw ValidationError("--epoch 0: epoch 0 means \"never activated\"; give 1 or more, or leave --epoch out to take the next one")
        }
        do {
            _ = try Epoch(validating: epoch)
        } catch {
            throw ValidationError("--epoch \(epoch): \(error)")
        }
    }

    static func timeout(_ seconds: Double) throws {
        if let problem = AdminRequest.timeoutProblem(seconds) { throw ValidationError("--timeout: \(problem)") }
    }
}
