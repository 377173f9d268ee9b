import ArgumentParser

/// Test equipment on the command line: the host and the line switch device.
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run the test equipment: a host simulator or a line switch device simulator.",
        subcommands: SimCommand.equipment
    )
}
