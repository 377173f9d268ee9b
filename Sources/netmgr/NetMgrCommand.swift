import ArgumentParser

@main
struct NetMgrCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netmgr",
        abstract: "Operate netmgr: check definitions, drive activation, capture and verify host traffic.",
        discussion: """
            Exit codes: 0 success, 1 the check or verification found a problem, 2 the input could \
            not be read or used, 64 bad command line.
            """,
        subcommands: [
            CheckCommand.self, StatusCommand.self, ActivateCommand.self, DeactivateCommand.self, ClusterEventCommand.self,
            CaptureCommand.self, VerifyCommand.self, DemoCommand.self, SimCommand.self,
            PKICommand.self, TestbedCommand.self,
        ]
    )
}

/// Exit codes shared by every subcommand.
enum Exit {
    /// The input was read and found wrong (invalid definitions, a broken promise).
    static let failed = ExitCode(1)
    /// The input could not be read or used at all.
    static let unreadable = ExitCode(2)
}

/// Where definitions live unless a directory is given.
struct DefinitionsOption: ParsableArguments {
    @Argument(help: ArgumentHelp("The definitions directory (*.yaml).", valueName: "dir"))
    var directory: String = ProcessEnvironment.definitionsDirectory
}

enum ProcessEnvironment {
    static var definitionsDirectory: String {
        if let value = getenv("NETMGR_DEFINITIONS") { return String(cString: value) }
        return "/etc/netmgr"
    }
}

#if canImport(Glibc)
import Glibc
#endif
