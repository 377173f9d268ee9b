import BasicMode
import Foundation
import NIOCore
import NetMgrProtocol
import PacketCapture
import SDLC

/// Writes the seed corpora (Fuzz/Corpus/<target>/) from what the tests already use: the
/// recorded captures in Captures/, the definitions in Phonebook/ and Testbed/, and LAN and
/// admin messages made by the product's own encoders.
enum Seeds {
    static func write(corpus: String, repository: String) throws {
        let captures = repository + "/Captures"
        var seeds: [(target: String, name: String, bytes: [UInt8])] = []

        // LAN: a client's session and a server's answers, as the codec frames them.
        var client = ByteBuffer(), server = ByteBuffer()
        for message: ClientMessage in [
            .hello(minVersion: 1, maxVersion: 1, client: "demo-app"), .open(session: 1, resource: "TNVIP", lu: "VIPLU01"),
            .data(session: 1, sequence: 1, payload: ByteBuffer(bytes: [0x7D, 0x40, 0x40, 0x11, 0xC1, 0xF0])),
            .ping(token: 7), .watchConnections, .close(session: 1),
        ] { message.encode(into: &client) }
        for message: ServerMessage in [
            .welcome(version: 1, node: "node-a", cluster: "tokyo"), .resource(name: "TNVIP", state: .active, epoch: 3, node: "node-a"),
            .tableEnd, .opened(session: 1, state: .bound, hostAddress: "127.0.0.10"), .session(session: 1, state: .waitingForHost, detail: "host lost"),
            .ack(session: 1, sequence: 1), .hostData(session: 1, sequence: 1, payload: ByteBuffer(bytes: [0xF5, 0xC3])),
            .error(session: 1, code: .luInUse, sequence: 2, message: "held"), .closed(session: 1), .pong(token: 7), .goodbye(reason: "shutdown"),
            .hostConnection(HostConnectionInfo(resource: "TNVIP", lu: "VIPLU01", up: true, localAddress: "127.0.0.10", localPort: 40000,
                                               remoteAddress: "127.0.0.100", remotePort: 2323)),
        ] { message.encode(into: &server) }
        seeds.append(("LANCodec", "client-session", [0xFF] + Array(client.readableBytesView)))
        seeds.append(("LANCodec", "server-session", [0xFF] + Array(server.readableBytesView)))
        seeds.append(("LANCodec", "client-session-split", [0x02] + Array(client.readableBytesView)))

        // Admin: the requests netmgr sends and an answer.
        let encoder = JSONEncoder()
        for (name, request) in [
            ("status", AdminRequest(command: .status, brief: true)),
            ("activate", AdminRequest(command: .activate, targets: ["TNVIP"], epoch: 5, timeoutSeconds: 20)),
            ("deactivate", AdminRequest(command: .deactivate, targets: ["GROUP1", "SDLC1"], timeoutSeconds: 10)),
        ] { seeds.append(("AdminRequest", name, Array(try encoder.encode(request)) + [0x0A])) }
        let response = AdminResponse(ok: true, node: "node-a", resources: [AdminResponse.ResourceStatus(
            name: "TNVIP", group: "GROUP1", procedure: "tnetos", state: "active", epoch: 3, hostAddress: "127.0.0.10",
            lus: [AdminResponse.LUStatus(name: "VIPLU01", address: 2, state: "bound", detail: "", owner: nil)], luCount: 1, boundCount: 1)])
        seeds.append(("AdminRequest", "response", Array(try encoder.encode(response)) + [0x0A]))

        // TN3270: each direction of the first connections of every recorded TnETOS capture.
        for name in ["vip-failover", "own-address-none-failover", "device-in-use-retry"] {
            for (index, streams) in try tcpStreams("\(captures)/\(name).pcap").prefix(2).enumerated() {
                let fromServer = Array(streams.fromServer.prefix(2048)), fromClient = Array(streams.fromClient.prefix(2048))
                seeds.append(("TN3270Client", "\(name)-\(index)", [0x01, 0xFF] + fromServer))
                seeds.append(("TN3270Server", "\(name)-\(index)", [0x00, 0xFF] + fromClient))
                seeds.append(("Telnet", "\(name)-\(index)-host", [0xFF] + fromServer))
                seeds.append(("Telnet", "\(name)-\(index)-terminal", [0x07] + fromClient))
            }
        }

        // SDLC: the frames of the recorded line capture, in runs of 24, raw and HDLC-framed.
        let reader = try CaptureReader(path: "\(captures)/line-switch-failover.pcap")
        var frames: [[UInt8]] = []
        while let packet = try reader.nextPacket() { frames.append(Array(packet.bytes)) }
        for start in stride(from: 0, to: min(frames.count, 96), by: 24) {
            let run = frames[start..<min(frames.count, start + 24)]
            seeds.append(("SDLCFrames", "line-\(start)", run.flatMap { [UInt8(min($0.count, 255))] + $0.prefix(255) }))
            var stream = ByteBuffer()
            let hdlc = HDLCFrameEncoder()
            for frame in run { hdlc.encode(data: ByteBuffer(bytes: frame), out: &stream) }
            seeds.append(("HDLC", "line-\(start)", [0xFF] + Array(stream.readableBytesView)))
        }

        // BasicMode: a poll, blocks, answers and a selection in each coding, as the encoder writes them.
        for (setting, coding) in [(UInt8(0xFE), BasicModeCoding.ascii), (UInt8(0xFF), BasicModeCoding.ebcdic)] {
            guard let station = BasicModeStationAddress(rawValue: 0x41) else { break }
            let encoder = BasicModeEncoder(coding: coding)
            var stream: [UInt8] = []
            for element: BasicModeElement in [
                .endOfTransmission, .poll(station),
                .textBlock(BasicModeTextBlock(lu: 2, message: ByteBuffer(string: "HELLO"), coding: coding)), .ack1,
                .textBlock(BasicModeTextBlock(lu: 3, message: ByteBuffer(bytes: [0x10, 0x02, 0x03, 0x37]), coding: coding)), .ack0,
                .endOfTransmission, .select(station), .ack0, .negativeAcknowledgment, .waitBeforeTransmit, .enquiry,
                .reverseInterrupt, .endOfTransmission,
            ] { stream += try encoder.bytes(element) }
            seeds.append(("BasicMode", "conversation-\(coding)", [0xFF, setting] + stream))
            seeds.append(("BasicMode", "conversation-\(coding)-split", [0x02, setting] + stream))
        }

        // Definitions: the phonebook and the testbed's, each file alone and all in one.
        for directory in ["Phonebook", "Testbed/definitions"] {
            let path = "\(repository)/\(directory)"
            let files = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".yaml") }.sorted()
            var all: [UInt8] = []
            for file in files {
                let text = Array(try Data(contentsOf: URL(fileURLWithPath: "\(path)/\(file)")))
                seeds.append(("Definitions", "\(directory.replacingOccurrences(of: "/", with: "-"))-\(file)", text))
                all += text + [0x0A]
            }
            seeds.append(("Definitions", "\(directory.replacingOccurrences(of: "/", with: "-"))-all.yaml", all))
        }

        // Captures: the first packets of each recorded capture.
        for name in ["vip-failover", "device-in-use-retry", "line-switch-failover"] {
            let reader = try CaptureReader(path: "\(captures)/\(name).pcap")
            let path = NSTemporaryDirectory() + "netmgr-fuzz-seed-\(getpid()).pcap"
            let writer = try CaptureWriter(path: path, linkType: reader.linkType, snapshotLength: reader.snapshotLength)
            while let packet = try reader.nextPacket(), packet.number <= 12 { try writer.write(packet) }
            try writer.close()
            seeds.append(("Capture", "\(name).pcap", Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
            try FileManager.default.removeItem(atPath: path)
        }

        for seed in seeds {
            let directory = "\(corpus)/\(seed.target)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(seed.bytes).write(to: URL(fileURLWithPath: "\(directory)/\(seed.name)"))
        }
        print("wrote \(seeds.count) seeds to \(corpus)")
    }

    /// The payload each way of every TCP connection in a capture, in the order they opened.
    static func tcpStreams(_ path: String) throws -> [(fromClient: [UInt8], fromServer: [UInt8])] {
        let reader = try CaptureReader(path: path)
        let reassembler = TCPReassembler()
        var order: [UInt64] = []
        var streams: [UInt64: (fromClient: [UInt8], fromServer: [UInt8])] = [:]
        var consumer = TCPStreamEventHandler { event in
            guard case .data(let connection, let direction, let chunk, _) = event, chunk.hasBytes else { return }
            if streams[connection.id] == nil { order.append(connection.id); streams[connection.id] = ([], []) }
            if direction == .clientToServer { streams[connection.id]!.fromClient += chunk.bytes } else { streams[connection.id]!.fromServer += chunk.bytes }
        }
        while let packet = try reader.nextPacket() { reassembler.process(packet, consumer: &consumer) }
        reassembler.finish(consumer: &consumer)
        return order.map { streams[$0]! }
    }
}
