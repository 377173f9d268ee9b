import NetMgrCore
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// The exchange's lines and the host's switched major node, from the example definitions.
struct ExchangeDefinitionsTests {
    static func phonebook() throws -> Definitions {
        let loaded = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path)
        #expect(loaded.isValid)
        return loaded.definitions
    }

    @Test func theExchangeHasThePublicLineTheNodesISDNLinesAndTheHostsLines() throws {
        let unit = try #require(LineSwitchUnit(parsing: "COM1 Unit1 Line3"))
        let (lines, skipped) = try ExchangeConfiguration.lines(
            definitions: try Self.phonebook(), switchHostPorts: [unit: Endpoint(host: "127.0.0.200", port: 7403)],
            hostLines: ["0300001111": Endpoint(host: "127.0.0.150", port: 7602), "0300002222": Endpoint(host: "127.0.0.150", port: 7613)])
        #expect(skipped.isEmpty)
        let byNumber = Dictionary(uniqueKeysWithValues: lines.map { ($0.number, $0) })
        #expect(byNumber["0312340001"]?.kind == .analogue)
        #expect(byNumber["0312340001"]?.dte == .connect(Endpoint(host: "127.0.0.200", port: 7403)))
        #expect(byNumber["0312340011"]?.kind == .isdn)
        #expect(byNumber["0312340011"]?.dte == .listen(Endpoint(host: "127.0.0.150", port: 7611)))
        #expect(byNumber["0312340012"]?.dte == .listen(Endpoint(host: "127.0.0.150", port: 7612)))
        #expect(byNumber["0300001111"]?.kind == .analogue)
        #expect(byNumber["0300001111"]?.dte == .listen(Endpoint(host: "127.0.0.150", port: 7602)))
        #expect(byNumber["0300002222"]?.kind == .isdn)
        #expect(lines.count == 5)
        let configuration = try ExchangeConfiguration(
            definitions: try Self.phonebook(), switchHostPorts: [unit: Endpoint(host: "127.0.0.200", port: 7403)],
            hostLines: ["0300001111": Endpoint(host: "127.0.0.150", port: 7602), "0300002222": Endpoint(host: "127.0.0.150", port: 7613)],
            dialupCapturePath: "d.pcapng", isdnCapturePath: "i.pcapng")
        #expect(configuration.capture.dialupLine == "0300001111" && configuration.capture.isdnLine == "0300002222")
        try configuration.validate()
        let host = SwitchedHostConfiguration(
            definitions: try Self.phonebook(), dialupLines: ["0300001111": Endpoint(host: "127.0.0.150", port: 7602)],
            isdnLines: ["0300002222": Endpoint(host: "127.0.0.150", port: 7613)])
        #expect(host.lines.map(\.path) == [.dialup, .isdn])
        #expect(host.physicalUnits.count == 2)
    }

    @Test func linesWithoutAddressesAreNamedAsSkipped() throws {
        let (lines, skipped) = try ExchangeConfiguration.lines(definitions: try Self.phonebook(), switchHostPorts: [:], hostLines: [:])
        #expect(lines.map(\.number).sorted() == ["0312340011", "0312340012"])
        #expect(skipped.count == 3)
    }

    @Test func theSwitchedMajorNodeHasOnePUPerSwitchedLineWithItsLUs() throws {
        let (pus, dialup, isdn) = SwitchedHostConfiguration.fromDefinitions(try Self.phonebook())
        #expect(pus.count == 2)
        let dial = try #require(pus.first { $0.nodeID == XIDNodeID(parsing: "05D00003") })
        #expect(dial.stationAddress == 0xC2)
        #expect(dial.logicalUnits == [.init(address: 2, name: "DLLU02"), .init(address: 3, name: "DLLU03")])
        #expect(dial.lineName == "DIAL1")
        let isdnPU = try #require(pus.first { $0.nodeID == XIDNodeID(parsing: "05D00004") })
        #expect(isdnPU.logicalUnits.map(\.name) == ["INLU02", "INLU03"])
        #expect(dialup.isEmpty && isdn.isEmpty)  // both lines call out (the nodes dial the host)
    }

    @Test func lineOptionsParse() throws {
        #expect(try ExchangeConfiguration.Line.parse("0312340001=connect:127.0.0.200:7403,dial=v25bis", kind: .analogue).get().dial == .v25bis)
        #expect(throws: ExchangeConfigurationError.self) { try ExchangeConfiguration.Line.parse("0312340011=connect:127.0.0.1:1", kind: .isdn).get() }
        #expect(throws: ExchangeConfigurationError.self) { try ExchangeConfiguration.Line.parse("03x=listen:127.0.0.1:1", kind: .analogue).get() }
        #expect(throws: ExchangeConfigurationError.self) { try ExchangeConfiguration.Line.parse("0311=dial:127.0.0.1:1", kind: .analogue).get() }
    }
}
