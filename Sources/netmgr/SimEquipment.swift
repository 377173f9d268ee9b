import ArgumentParser

extension SimCommand {
    /// The test equipment, one subcommand each.
    static let equipment: [ParsableCommand.Type] = [SimHostCommand.self, SimLineSwitchCommand.self, SimExchangeCommand.self, SimAppCommand.self]
}
