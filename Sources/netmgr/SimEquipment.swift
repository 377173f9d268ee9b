import ArgumentParser

extension SimCommand {
    /// The simulators, one subcommand each (`netmgr sim host`, `netmgr sim line-switch`).
    static let equipment: [ParsableCommand.Type] = [SimLineSwitchCommand.self, SimSDLCHostCommand.self]
}
