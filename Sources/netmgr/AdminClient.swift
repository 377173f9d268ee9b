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
    static func run(_ request: AdminRequest, options: AdminOptions, json: Bool) throws {
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
            print(render(response))
        }
        if !response.ok {
            printError("error: \(response.error ?? "request failed")")
            throw Exit.failed
        }
    }

    static func render(_ response: AdminResponse) -> String {
        var table = TextTable(["RESOURCE", "GROUP", "PROCEDURE", "STATE", "EPOCH", "HOST SEES", "LUS BOUND"])
        for resource in response.resources {
            table.add([resource.name, resource.group, resource.procedure, resource.state, String(resource.epoch),
                       resource.hostAddress.isEmpty ? "-" : resource.hostAddress, "\(resource.boundCount)/\(resource.luCount)"])
        }
        return "node \(response.node)\n" + table.render()
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a node's resources, their state, epoch and bound LUs.",
        discussion: "Exit codes: 0 shown, 1 the daemon refused, 2 the daemon cannot be reached.")
    @OptionGroup var admin: AdminOptions
    @Flag(help: "Print the full status as JSON, with every LU.") var json = false
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
        try AdminClient.run(AdminRequest(command: metrics ? .metrics : .status, targets: targets, brief: !json), options: admin, json: json)
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

    func run() throws {
        try AdminClient.run(AdminRequest(command: .deactivate, targets: targets, timeoutSeconds: timeout), options: admin, json: json)
    }
}
