import ArgumentParser

extension SimCommand {
    /// The simulators, one subcommand each (`netmgr sim host`, `netmgr sim line-switch`, `netmgr sim app`).
    static let equipment: [ParsableCommand.Type] = [SimHostCommand.self, SimAppCommand.self]
}
