import Logging
import NetMgrCore
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// A public line through the line switch (127.0.62.x): the exchange's modem is the host side
/// of the switch; the node connected through the switch going away, or the line being
/// switched away from it, drops DTR: the modem hangs up and the other party gets NO CARRIER.
@Suite(.serialized)
struct ExchangeLineSwitchTests {
    static let unit = LineSwitchUnit(com: 1, unit: 1, line: 3)

    @Test func aNodeClosingOrBeingSwitchedAwayHangsUpItsCall() async throws {
        let switchConfiguration = LineSwitchConfiguration(
            control: Endpoint(host: "127.0.62.30", port: 7700),
            lines: [.init(unit: Self.unit, hostPort: Endpoint(host: "127.0.62.30", port: 7701),
                          nodePorts: [.init(node: "node-a", endpoint: Endpoint(host: "127.0.62.30", port: 7702)),
                                      .init(node: "node-b", endpoint: Endpoint(host: "127.0.62.30", port: 7703))],
                          procedure: .hdlcPublic)])
        let device = try await LineSwitchDevice.start(configuration: switchConfiguration, logger: Logger(label: "test.switch"))
        let lines = try ["0312340001=connect:127.0.62.30:7701", "0300001111=listen:127.0.62.31:7700"].map {
            try ExchangeConfiguration.Line.parse($0, kind: .analogue).get()
        }
        let exchange = try await Exchange.start(
            configuration: ExchangeConfiguration(lines: lines, settings: .init(noAnswer: .seconds(5), modemConnect: .milliseconds(50), isdnConnect: .milliseconds(10)),
                                                 modem: .init(ringInterval: .milliseconds(100))),
            logger: Logger(label: "test.exchange"))
        var clients: [ExchangeTestDTE] = []
        do {
            #expect(await eventually { (try? await device.status().first?.hostConnected) == true })
            let host = try await ExchangeTestDTE.connect(to: .init(ipAddress: "127.0.62.31", port: 7700))
            clients.append(host)
            try await host.send("ATS0=1\r")
            #expect(await host.sees("OK"))
            #expect(try await device.control("SWITCH \"\(Self.unit)\" node-a EPOCH 1").first?.hasPrefix("OK") == true)
            let nodeA = try await ExchangeTestDTE.connect(to: .init(ipAddress: "127.0.62.30", port: 7702))
            clients.append(nodeA)
            try await nodeA.send("ATDT0300001111\r")
            #expect(await nodeA.sees("CONNECT"))
            #expect(await host.sees("CONNECT"))
            // node-a dies: DTR drops through the switch; the host's modem reports NO CARRIER.
            await nodeA.close()
            #expect(await host.sees("NO CARRIER"))
            // The exchange's modem is back on the switch's host port, in command mode, for node-b.
            #expect(await eventually { (try? await device.status().first?.hostConnected) == true })
            #expect(try await device.control("SWITCH \"\(Self.unit)\" node-b EPOCH 2").first?.hasPrefix("OK") == true)
            let nodeB = try await ExchangeTestDTE.connect(to: .init(ipAddress: "127.0.62.30", port: 7703))
            clients.append(nodeB)
            host.clear()
            var connected = false
            for _ in 0..<20 where !connected {  // node-b may type before the modem is back: dial again
                nodeB.clear()
                try await nodeB.send("ATDT0300001111\r")
                _ = await eventually(.seconds(2)) { nodeB.text.contains("CONNECT") }
                connected = nodeB.text.contains("CONNECT")
            }
            try #require(connected)
            #expect(await host.sees("CONNECT"))
            // Switched back to node-a while node-b's cable is still plugged in: DTR drops too.
            let nodeA2 = try await ExchangeTestDTE.connect(to: .init(ipAddress: "127.0.62.30", port: 7702))
            clients.append(nodeA2)
            #expect(try await device.control("SWITCH \"\(Self.unit)\" node-a EPOCH 3").first?.hasPrefix("OK") == true)
            // node-a dials at once, while the modem side is still reconnecting: the switch holds
            // its command until the modem is back, so the first ATDT connects (no retry).
            try await nodeA2.send("ATDT0300001111\r")
            #expect(await host.sees("NO CARRIER"))
            #expect(await nodeA2.sees("CONNECT"))
            #expect(!nodeA2.text.contains("NO CARRIER") && !nodeA2.text.contains("BUSY"), "\(nodeA2.text)")
            let records = try await exchange.callRecords()
            #expect(records.filter { $0.result == "connected" && $0.calling == "0312340001" && $0.clearedBy == "0312340001" }.count == 2)
        } catch {
            Issue.record("\(error)")
        }
        for client in clients { await client.close() }
        await exchange.close()
        await device.close()
    }
}
