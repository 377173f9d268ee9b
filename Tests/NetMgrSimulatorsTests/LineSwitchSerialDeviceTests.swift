import NetMgrCore
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// The line switch simulator offers TCP ports only: a line whose nodes use real ports
/// (`tty:`, `hdlc:`) is left to real equipment, with a reason, not refused.
@Suite("Line switch simulator and serial devices")
struct LineSwitchSerialDeviceTests {
    @Test func aLineOnRealPortsIsSkippedWithAReason() throws {
        var definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        let index = try #require(definitions.lines.firstIndex { $0.name == "LEASED1" })
        definitions.lines[index].perNode["node-a"]?.device = "tty:/dev/ttyS1@9600"
        definitions.lines[index].perNode["node-b"]?.device = "hdlc:hdlc0"
        let leased = try #require(definitions.lines[index].switchUnit)
        let packet = try #require(definitions.line(named: "PKT1")?.switchUnit)
        let (configuration, skipped) = try LineSwitchConfiguration.from(
            definitions: definitions, hostPorts: [leased: Endpoint(host: "127.0.61.20", port: 7403), packet: Endpoint(host: "127.0.61.20", port: 7404)])
        #expect(configuration.lines.map(\.unit) == [packet])
        #expect(skipped.contains { $0.contains("line LEASED1") && $0.contains("\"tty:/dev/ttyS1@9600\" is a real serial port") })
    }
}
