import Foundation
import NetMgrTestSupport
import PacketCapture
import Testing

/// Live capture on `lo` (root; CI runs as root, so these must run, not skip). Traffic
/// goes only to 127.0.0.1 on a port the test's own socket holds.
@Suite(.serialized) struct LiveCaptureTests {
    let dir: TemporaryDirectory
    init() throws { dir = try TemporaryDirectory(prefix: "pcap-live") }

    /// Counts UDP datagrams to `port` in a capture file.
    func datagrams(in path: String, toPort port: UInt16) throws -> Int {
        let reader = try CaptureReader(path: path, acceptedLinkTypes: LinkType.decodable)
        var count = 0
        while let packet = try reader.nextPacket() {
            let d = PacketDecoder.decode(packet)
            guard let ip = d.ip, ip.transportProtocol == 17, ip.destination == IPAddress("127.0.0.1") else { continue }
            let udp = d.networkBytes.dropFirst(ip.headerLength)
            if udp.count >= 4, UInt16(udp[udp.startIndex + 2]) << 8 | UInt16(udp[udp.startIndex + 3]) == port { count += 1 }
        }
        return count
    }

    @Test func stopsAfterPacketCountAndWritesAReadableFile() async throws {
        let sink = try LoopbackUDPSink()
        let path = dir.file("count.pcap")
        // The duration is only a safety net so a broken capture cannot hang the suite.
        let config = LiveCapture.Configuration(interface: "lo", filter: "udp and dst host 127.0.0.1 and dst port \(sink.port)", packetLimit: 5, duration: .seconds(20))
        let capture = try LiveCapture(config)  // active from here: later traffic is captured
        #expect(capture.linkType == .ethernet)
        try sink.send(count: 7)
        let writer = try CaptureWriter(path: path, linkType: capture.linkType)
        let stats = try capture.run(writer: writer)
        try writer.close()
        #expect(stats.stopReason == .packetLimit)
        #expect(stats.packetsCaptured == 5)
        #expect(stats.received >= 5)
        #expect(stats.dropped == 0)
        #expect(try datagrams(in: path, toPort: sink.port) == 5)
        let tshark = try await runProcess("tshark", ["-n", "-r", path], timeout: .seconds(60))
        #expect(tshark.status == 0 && tshark.standardOutput.split(separator: "\n").count == 5, "\(tshark.standardError)")
    }

    @Test func stopsOnRequestFromAsyncCode() async throws {
        let sink = try LoopbackUDPSink()
        let path = dir.file("stop.pcap")
        let (seen, seenContinuation) = AsyncStream<Int>.makeStream()
        let config = LiveCapture.Configuration(interface: "lo", filter: "udp and dst port \(sink.port)", duration: .seconds(20))
        let running = try await LiveCapture.start(config, writeTo: path) { packet in
            seenContinuation.yield(packet.number)
        }
        // If the capture ends early (its 20 s safety net), end the stream so nothing hangs.
        let result = Task {
            defer { seenContinuation.finish() }
            return try await running.statistics()
        }
        try sink.send(count: 3)
        var count = 0
        for await number in seen {
            count = number
            if count == 3 { break }
        }
        running.stop()  // the interface is now idle: only the stop pipe can end the wait
        let started = ContinuousClock.now
        let stats = try await result.value
        #expect(count == 3)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(stats.stopReason == .stopRequested)
        #expect(stats.packetsCaptured == 3)
        #expect(stats.received >= 3)
        #expect(try datagrams(in: path, toPort: sink.port) == 3)
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
    }

    /// End to end: real kernel TCP (options, timestamps, delayed ACKs) captured, written,
    /// read back and reassembled into the two streams that were sent.
    @Test func capturedTCPConversationReassembles() async throws {
        let (listener, port) = try LoopbackTCP.listen()
        defer { close(listener) }
        let path = dir.file("tcp.pcap")
        let (fins, finContinuation) = AsyncStream<Void>.makeStream()
        let running = try await LiveCapture.start(
            LiveCapture.Configuration(interface: "lo", filter: "tcp port \(port)", duration: .seconds(20)), writeTo: path
        ) { packet in
            if PacketDecoder.decode(packet).tcp?.flags.contains(.fin) == true { finContinuation.yield() }
        }
        let result = Task {
            defer { finContinuation.finish() }
            return try await running.statistics()
        }
        let request = Array("IBM-3278-2-E@LU0001".utf8)
        let response = [UInt8](repeating: 0x40, count: 3000) + Array("READY".utf8)
        try LoopbackTCP.converse(port: port, listener: listener, request: request, response: response)
        var finsSeen = 0
        for await _ in fins {
            finsSeen += 1
            if finsSeen == 2 { break }
        }
        running.stop()
        let stats = try await result.value
        #expect(finsSeen == 2)

        let reader = try CaptureReader(path: path, acceptedLinkTypes: LinkType.decodable)
        let reassembler = TCPReassembler(configuration: .init(serverPorts: [port]))
        var recorder = Recorder()
        while let packet = try reader.nextPacket() { reassembler.process(packet, consumer: &recorder) }
        reassembler.finish(consumer: &recorder)
        #expect(reader.packetsRead == stats.packetsCaptured)
        #expect(recorder.events.first == .opened(1, client: recorder.events.first.flatMap { if case let .opened(_, c, _, _) = $0 { c } else { nil } } ?? "", server: "127.0.0.1:\(port)", handshake: true))
        #expect(recorder.stream(1, .clientToServer) == String(decoding: request, as: UTF8.self))
        #expect(recorder.stream(1, .serverToClient) == String(decoding: response, as: UTF8.self))
        #expect(recorder.events.last == .closed(1, .fin))
        #expect(reassembler.statistics.gaps == 0)
    }

    @Test func stopsAfterDurationOnAnIdleInterface() async throws {
        let sink = try LoopbackUDPSink()  // nobody sends to it: the capture stays idle
        let started = ContinuousClock.now
        let running = try await LiveCapture.start(
            LiveCapture.Configuration(interface: "lo", filter: "udp and dst port \(sink.port)", duration: .milliseconds(300)))
        let stats = try await running.statistics()
        let elapsed = ContinuousClock.now - started
        #expect(stats.stopReason == .duration)
        #expect(stats.packetsCaptured == 0)
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(5))
    }

    @Test func cancellingTheWaitStopsTheCapture() async throws {
        let running = try await LiveCapture.start(LiveCapture.Configuration(interface: "lo", filter: "udp and dst port 9", duration: .seconds(20)))
        let waiter = Task { try await running.statistics() }
        waiter.cancel()
        let stats = try await waiter.value
        #expect(stats.stopReason == .stopRequested)
    }

    @Test func unknownInterface() async throws {
        #expect {
            _ = try LiveCapture(LiveCapture.Configuration(interface: "netmgr-nope0"))
        } throws: { error in
            guard case .noSuchInterface(let name, _) = error as? CaptureError else { return false }
            return name == "netmgr-nope0" && "\(error)".contains("netmgr-nope0")
        }
        await #expect(throws: CaptureError.self) {
            _ = try await LiveCapture.start(LiveCapture.Configuration(interface: "netmgr-nope0"))
        }
    }

    @Test func badFilterNamesTheFilter() {
        let filter = "tcp port banana"
        #expect {
            _ = try LiveCapture(LiveCapture.Configuration(interface: "lo", filter: filter))
        } throws: { error in
            guard case .badFilter(let f, "lo", let detail) = error as? CaptureError else { return false }
            return f == filter && !detail.isEmpty && "\(error)".contains("\"tcp port banana\"")
        }
    }
}
