import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NetMgrSimulators
import NetMgrTestSupport
import SDLC
import Testing

/// The host's switched major node answering an ISDN call through the exchange, over
/// loopback (127.0.62.x): a scripted node (`ISDNUserSide`) calls the host's number and runs
/// netmgrd's SDLC terminal on the B channel.
@Suite(.serialized)
struct SwitchedHostISDNTests {
    static let nodeID = XIDNodeID(idBlock: 0x05D, idNumber: 0x00004)!

    @Test func theHostAnswersAnISDNCallAndJournalsTheCallingNumberXIDAndLUs() async throws {
        try await withTemporaryDirectory { directory in
            let lines = try ["0300002222=listen:127.0.62.41:7700", "0312340011=listen:127.0.62.42:7700"].map {
                try ExchangeConfiguration.Line.parse($0, kind: .isdn).get()
            }
            let exchange = try await Exchange.start(
                configuration: ExchangeConfiguration(lines: lines, settings: .init(noAnswer: .seconds(5), modemConnect: .milliseconds(100), isdnConnect: .milliseconds(20))),
                logger: Logger(label: "test.exchange"))
            let journalPath = directory.file("journal.jsonl")
            let journal = try HostJournal(path: journalPath)
            let ready = NIOLockedValueBox(false)
            let pu = SwitchedPU(nodeID: Self.nodeID, stationAddress: 0xC1, logicalUnits: [.init(address: 2, name: "INLU02"), .init(address: 3, name: "INLU03")])
            // Reply timers well above the loopback's latency under a loaded machine: the test is
            // about the journal, not about the host's patience.
            let host = SwitchedHostService(
                configuration: SwitchedHostConfiguration(
                    lines: [.init(path: .isdn, number: "0300002222", endpoint: .init(host: "127.0.62.41", port: 7700))], physicalUnits: [pu],
                    timers: .init(replyTimeout: .seconds(2), retryLimit: 5)),
                journal: journal, logger: Logger(label: "test.switched-host"), onConnected: { _ in ready.withLockedValue { $0 = true } })
            let hostTask = Task { try await host.run() }
            let node = ExchangeTestSubscriber(number: "0312340011", policy: .reject, loop: MultiThreadedEventLoopGroup.singleton.next())
            // netmgrd's SDLC terminal answers the host's frames as they arrive on the B channel.
            let (bFrames, arrivals) = AsyncStream.makeStream(of: ByteBuffer.self)
            node.onBFrame.withLockedValue { $0 = { arrivals.yield($0) } }
            let terminalTask = Task {
                var terminal = SDLCTerminal(station: .init(address: 0xC1, nodeID: Self.nodeID, noPollTimeout: .seconds(5)), physicalUnit: .init(localAddresses: [2, 3]))
                for await bytes in bFrames {
                    guard let frame = try? SDLCFrame(parsing: bytes) else { continue }
                    var actions = terminal.receive(frame, now: .now())
                    actions += terminal.tick(now: .now())
                    for case .send(let frame) in actions { try? await node.sendB(Array(frame.bytes.readableBytesView)) }
                }
            }
            do {
                #expect(await eventually { ready.withLockedValue { $0 } })
                try await node.open(.init(ipAddress: "127.0.62.42", port: 7700))
                try await node.call("0300002222")
                #expect(await eventually { node.connection != nil })
                func hostBoundBoth() -> Bool { ((try? HostJournal.read(path: journalPath)) ?? []).filter { $0.event == .bind }.count >= 2 }
                #expect(await eventually(.seconds(40)) { hostBoundBoth() })
                let binds = try HostJournal.read(path: journalPath).filter { $0.event == .bind }
                #expect(binds.map(\.luAddress) == [2, 3])
                #expect(binds.allSatisfy { $0.path == "isdn" && $0.callingNumber == "0312340011" && $0.calledNumber == "0300002222" && $0.nodeId == "05D00004" })
                #expect(binds.map(\.lu) == ["INLU02", "INLU03"])
            } catch {
                Issue.record("\(error)")
            }
            node.onBFrame.withLockedValue { $0 = nil }
            arrivals.finish()
            await terminalTask.value
            await node.close()
            hostTask.cancel()
            _ = await hostTask.result
            await exchange.close()
            journal.close()
        }
    }
}
