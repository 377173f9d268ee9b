import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NetMgrSimulators
import NetMgrTestSupport
import PacketCapture
import SDLC
import Testing

/// The host's switched major node answering a call through the exchange, over loopback
/// (127.0.62.x): a scripted node dials the host's number with AT commands and, after
/// CONNECT, runs netmgrd's SDLC terminal over HDLC on the same TCP cable.
@Suite(.serialized)
struct SwitchedHostLoopbackTests {
    static let nodeID = XIDNodeID(idBlock: 0x05D, idNumber: 0x00003)!

    @Test(arguments: [true, false])
    func theHostAnswersJournalsTheCallingNumberXIDAndLUsOrRefusesAnUnknownNode(known: Bool) async throws {
        try await withTemporaryDirectory { directory in try await story(known: known, directory: directory) }
    }

    private func story(known: Bool, directory: TemporaryDirectory) async throws {
        // Each case its own addresses: nothing of one case's sockets can meet the next.
        let hostAddress = known ? "127.0.62.21" : "127.0.62.23", nodeAddress = known ? "127.0.62.22" : "127.0.62.24"
        let lines = try ["0300001111=listen:\(hostAddress):7700", "0312340001=listen:\(nodeAddress):7700"].map {
            try ExchangeConfiguration.Line.parse($0, kind: .analogue).get()
        }
        let exchange = try await Exchange.start(
            configuration: ExchangeConfiguration(
                lines: lines, settings: .init(noAnswer: .seconds(1), modemConnect: .milliseconds(100), isdnConnect: .milliseconds(20)),
                modem: .init(ringInterval: .milliseconds(100)),
                capture: .init(dialupPath: directory.file("dialup.pcapng"), dialupLine: "0300001111")),
            logger: Logger(label: "test.exchange"))
        let addresses = exchange.listeningAddresses
        try #require(addresses.count == 2)
        let journal = try HostJournal(path: directory.file("journal.jsonl"))
        let hostLine = SwitchedHostConfiguration.Line(path: .dialup, number: "0300001111", endpoint: .init(host: hostAddress, port: addresses[0].port ?? 0))
        let pu = SwitchedPU(nodeID: Self.nodeID, stationAddress: 0xC1, logicalUnits: [.init(address: 2, name: "DLLU02"), .init(address: 3, name: "DLLU03")])
        let ready = NIOLockedValueBox(false)
        // Reply timers well above the loopback's latency under a loaded machine: the test is
        // about the journal, not about the host's patience.
        let host = SwitchedHostService(
            configuration: SwitchedHostConfiguration(lines: [hostLine], physicalUnits: [pu], timers: .init(replyTimeout: .seconds(2), retryLimit: 5)),
            journal: journal, logger: Logger(label: "test.switched-host"),
            onConnected: { _ in ready.withLockedValue { $0 = true } })
        let hostTask = Task { try await host.run() }
        let node = try await ExchangeTestDTE.connect(to: addresses[1])
        // netmgrd's side: the SDLC terminal answers the host's frames as they arrive on the
        // cable (the modem's text before CONNECT holds no flag: the decoder skips it).
        let (chunks, arrivals) = AsyncStream.makeStream(of: [UInt8].self)
        node.onReceive.withLockedValue { $0 = { arrivals.yield($0) } }
        let bound = NIOLockedValueBox<Set<UInt8>>([])
        let disconnected = NIOLockedValueBox(false)
        let nodeID = known ? Self.nodeID : XIDNodeID(idBlock: 0x05D, idNumber: 0x00099)!
        let terminalTask = Task {
            var terminal = SDLCTerminal(station: .init(address: 0xC1, nodeID: nodeID, noPollTimeout: .seconds(5)), physicalUnit: .init(localAddresses: [2, 3]))
            var decoder = HDLCFrameDecoder()
            for await chunk in chunks {
                var bytes = ByteBuffer(bytes: chunk)
                var actions: [SDLCTerminal.Action] = []
                while let output = decoder.decode(buffer: &bytes) {
                    guard case .frame(let content) = output, let frame = try? SDLCFrame(parsing: content) else { continue }
                    if case .unnumbered(.disconnect, _) = frame.control { disconnected.withLockedValue { $0 = true } }
                    actions += terminal.receive(frame, now: .now())
                }
                actions += terminal.tick(now: .now())
                var out = ByteBuffer()
                for action in actions {
                    switch action {
                    case .send(let frame): HDLCFrameEncoder.encode(frame, into: &out)
                    case .physicalUnit(.sessionStarted(let lu, _)): bound.withLockedValue { _ = $0.insert(lu) }
                    default: break
                    }
                }
                if out.readableBytes > 0 { try? await node.channel.writeAndFlush(out) }
            }
        }
        do {
            // The host's modem is set up for caller id and auto-answer.
            #expect(await eventually { ready.withLockedValue { $0 } })
            try await node.send("ATE0\r")
            #expect(await node.sees("OK"))
            var connected = false
            for _ in 0..<10 where !connected {
                node.clear()
                try await node.send("ATDT0300001111\r")
                _ = await eventually(.seconds(5)) { ["CONNECT", "NO ANSWER", "BUSY", "NO CARRIER"].contains { node.text.contains($0) } }
                connected = node.text.contains("CONNECT")
            }
            try #require(connected)
            // No clear() here: the terminal already runs, and the host's NO CARRIER of a
            // refusal may be in the text by now.
            let journalPath = directory.file("journal.jsonl")
            func hostBoundBoth() -> Bool { ((try? HostJournal.read(path: journalPath)) ?? []).filter { $0.event == .bind }.count >= 2 }
            // The node answers polls until the host journaled both sessions (BIND, SDT), or
            // an unknown node is disconnected.
            if known {
                #expect(await eventually(.seconds(40)) { bound.withLockedValue { $0.count == 2 } && hostBoundBoth() })
                #expect(bound.withLockedValue { $0 } == [2, 3])
                let entries = try HostJournal.read(path: journalPath)
                let binds = entries.filter { $0.event == .bind }
                #expect(binds.map(\.luAddress) == [2, 3])
                #expect(binds.allSatisfy { $0.path == "dialup" && $0.callingNumber == "0312340001" && $0.calledNumber == "0300001111" && $0.nodeId == "05D00003" })
                #expect(binds.map(\.lu) == ["DLLU02", "DLLU03"])
            } else {
                #expect(await eventually(.seconds(40)) { disconnected.withLockedValue { $0 } })
                #expect(await eventually {  // the host hung up
                    let text = node.text
                    return text.range(of: "CONNECT").map { text[$0.upperBound...].contains("NO CARRIER") } ?? false
                })
                let entries = try await waitForJournal(directory.file("journal.jsonl")) { entries in entries.contains { $0.event == .reject } }
                #expect(entries.contains { $0.event == .reject && $0.nodeId == "05D00099" && $0.callingNumber == "0312340001" })
                #expect(!entries.contains { $0.event == .bind })
            }
        } catch {
            Issue.record("\(error)")
        }
        node.onReceive.withLockedValue { $0 = nil }
        arrivals.finish()
        await terminalTask.value
        await node.close()
        hostTask.cancel()
        _ = await hostTask.result
        await exchange.close()
        journal.close()
        // What the host's line saw, recorded by the exchange: the caller id in the dialogue
        // (modem → DTE records) and the XID in the SDLC interface.
        let reader = try PcapNGReader(path: directory.file("dialup.pcapng"))
        var dialogue: [[UInt8]] = []
        var frames: [[UInt8]] = []
        while let packet = try reader.nextPacket() {
            if packet.linkType == .user1 { dialogue.append(Array(packet.bytes)) }
            if packet.linkType == .sdlc { frames.append(Array(packet.bytes)) }
        }
        reader.close()
        #expect(dialogue.contains { $0.first == DialogueRecord.toDTE && String(decoding: $0.dropFirst(), as: UTF8.self).contains("NMBR = 0312340001") })
        #expect(dialogue.contains { $0.first == DialogueRecord.fromDTE && String(decoding: $0.dropFirst(), as: UTF8.self).contains("AT+VCID=1") })
        #expect(frames.contains { $0.count >= 2 && $0[1] == 0xBF })  // XID, P/F set

    }

    private func waitForJournal(_ path: String, _ done: @escaping ([HostJournalEntry]) -> Bool) async throws -> [HostJournalEntry] {
        _ = await eventually { done((try? HostJournal.read(path: path)) ?? []) }
        return try HostJournal.read(path: path)
    }
}
