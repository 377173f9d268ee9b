import ArgumentParser
import Foundation
import NetMgrProtocol

/// CLUSTERPRO's start and stop scripts call this: it reads ARMS_EVENT/CLP_EVENT and
/// ARMS_SERVER/CLP_SERVER and activates or deactivates the group, and on RECOVER does
/// nothing, as the seed's sample scripts (IF %ARMS_EVENT% == "RECOVER" GOTO SKIP).
struct ClusterEventCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster-event",
        abstract: "Act on a CLUSTERPRO start/stop script event (ARMS_EVENT or CLP_EVENT).",
        discussion: """
            In START.BAT/start.sh:  netmgr cluster-event start GROUP
            In STOP.BAT/stop.sh:    netmgr cluster-event stop GROUP
            START and FAILOVER activate (start) or deactivate (stop) the group on this node; \
            RECOVER does nothing, so the running resources are not restarted. ARMS_SERVER or \
            CLP_SERVER (HOME or OTHER) is reported. Exit codes: 0 done (or nothing to do), \
            1 the daemon refused or failed, 2 the event is missing or unknown, or the daemon \
            cannot be reached.
            """
    )

    enum Phase: String, ExpressibleByArgument, CaseIterable {
        case start, stop
    }

    @Argument(help: "Which script calls: start or stop.") var phase: Phase
    @Argument(help: "Failover groups or resources.") var targets: [String]
    @OptionGroup var admin: AdminOptions
    @Option(help: "Activation epoch, if the engine provides one.") var epoch: UInt64?
    @Option(help: "Seconds to wait for the state to be reached.") var timeout: Double = 60

    func validate() throws {
        try AdminOptionChecks.epoch(epoch)
        try AdminOptionChecks.timeout(timeout)
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let rawEvent = environment["ARMS_EVENT"] ?? environment["CLP_EVENT"] else {
            printError("error: neither ARMS_EVENT nor CLP_EVENT is set; run this from a CLUSTERPRO start or stop script")
            throw Exit.unreadable
        }
        let event = Self.clean(rawEvent)
        let server = (environment["ARMS_SERVER"] ?? environment["CLP_SERVER"]).map(Self.clean) ?? "unknown"
        guard ["START", "FAILOVER", "RECOVER"].contains(event) else {
            printError("error: ARMS_EVENT/CLP_EVENT is \"\(rawEvent)\"; expected START, FAILOVER or RECOVER")
            throw Exit.unreadable
        }
        if event == "RECOVER" {
            print("cluster-event \(phase.rawValue): RECOVER on the \(server) server: nothing to do, the resources keep running")
            return
        }
        print("cluster-event \(phase.rawValue): \(event) on the \(server) server: \(phase == .start ? "activating" : "deactivating") \(targets.joined(separator: " "))")
        let request = phase == .start
            ? AdminRequest(command: .activate, targets: targets, epoch: epoch, timeoutSeconds: timeout)
            : AdminRequest(command: .deactivate, targets: targets, timeoutSeconds: timeout)
        try AdminClient.run(request, options: admin, json: false)
    }

    /// CLUSTERPRO values may carry quotes and spaces (`"START"`, ` START`).
    static func clean(_ value: String) -> String {
        value.trimmingCharacters(in: CharacterSet(charactersIn: "\" '\t")).uppercased()
    }
}
