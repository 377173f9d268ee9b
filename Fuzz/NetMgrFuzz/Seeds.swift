import BasicMode
import Foundation
import ISDN
import NIOCore
import NetMgrProtocol
import PacketCapture
import SDLC
import X25

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

        // X.25: a whole session (link, restart, call, QXID, QSM, ACTPU, ACTLU) between
        // QLLCTerminal and X25NetworkDCE, over LAPB (length-prefixed frames) and XOT.
        let lapbSession = x25Session(overLAPB: true)
        seeds.append(("X25Frames", "session", lapbSession.flatMap { [UInt8(min($0.count, 255))] + $0.prefix(255) }))
        var xot = ByteBuffer()
        for packet in x25Session(overLAPB: false) { XOTFraming.write(ByteBuffer(bytes: packet), into: &xot) }
        seeds.append(("XOT", "session", [0xFF] + Array(xot.readableBytesView)))
        seeds.append(("XOT", "session-split", [0x02] + Array(xot.readableBytesView)))
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

        // Line devices: every form, and the mistakes the messages are for.
        let devices = ["tcp:127.0.0.200:7411", "tcp:[::1]:7411", "xot:192.0.2.1:1998", "tty:/dev/ttyS1@9600", "tty:/dev/ttyUSB0@115200,rtscts",
                       "tty:/dev/ttyS1", "hdlc:hdlc0", "/dev/ttyS1", "tty:/dev/ttyS1@9601", "hdlc:1234567890123456"]
        seeds.append(("LineDevice", "all-forms", Array(devices.joined(separator: "\n").utf8)))
        for device in devices.prefix(7) { seeds.append(("LineDevice", device.filter { $0.isLetter || $0.isNumber }, Array(device.utf8))) }

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

        // BDLC: the recorded BDLC lines as BDLCCapture records (length, time step in ms, bytes),
        // whole and from the failover on.
        let bdlc = try CaptureReader(path: "\(captures)/bdlc-failover.pcap")
        var records: [[UInt8]] = []
        var previous: CaptureTime?
        while let packet = try bdlc.nextPacket() {
            let step = previous.map { packet.timestamp - $0 } ?? .zero
            let milliseconds = min(255, max(0, Int(step.components.seconds * 1000 + step.components.attoseconds / 1_000_000_000_000_000)))
            records.append([UInt8(min(packet.bytes.count, 255)), UInt8(milliseconds)] + packet.bytes.prefix(255))
            previous = packet.timestamp
        }
        seeds.append(("BDLCCapture", "bdlc-failover", [0x00] + records.flatMap { $0 }))
        seeds.append(("BDLCCapture", "bdlc-failover-tail", [0x03] + records.suffix(records.count / 2).flatMap { $0 }))
        // X25Line: the recorded X.25 line capture's SITA records, length-prefixed, in runs of 40.
        let x25 = try CaptureReader(path: "\(captures)/x25-line-failover.pcap")
        var x25Records: [[UInt8]] = []
        while let packet = try x25.nextPacket() { x25Records.append(Array(packet.bytes)) }
        for start in stride(from: 0, to: min(x25Records.count, 160), by: 40) {
            let run = x25Records[start..<min(x25Records.count, start + 40)]
            seeds.append(("X25Line", "x25-line-\(start)", run.flatMap { [UInt8(min($0.count, 255))] + $0.prefix(255) }))
        }

        seeds += DialupSeeds.all
        // ISDN: a call set up and cleared between ISDNUserSide and ISDNNetworkSide.
        let isdn = ISDNSeeds.session()
        seeds.append(("LAPD", "call", [0x0A] + isdn.lapd.flatMap { [UInt8(min($0.count, 255))] + $0.prefix(255) }))
        seeds.append(("Q931", "call", [0x05] + isdn.q931.flatMap { [UInt8(min($0.count, 255))] + $0.prefix(255) }))
        seeds.append(("Q931", "call-out", [0x85] + isdn.q931.flatMap { [UInt8(min($0.count, 255))] + $0.prefix(255) }))
        var bri = ByteBuffer()
        for frame in isdn.lapd { ISDNInterfaceFrame(channel: .d, frame: ByteBuffer(bytes: frame)).encode(into: &bri) }
        ISDNInterfaceFrame(channel: .b1, frame: ByteBuffer(bytes: [0xC1, 0x93])).encode(into: &bri)
        seeds.append(("ISDNInterface", "call", [0xFF] + Array(bri.readableBytesView)))
        seeds.append(("ISDNInterface", "call-split", [0x02] + Array(bri.readableBytesView)))
        // PeerIdentity: certificates made by ClusterPKI (new keys each time), DER and PEM.
        for seed in try PeerIdentityTarget.seeds() { seeds.append(("PeerIdentity", seed.name, seed.bytes)) }

        for seed in seeds {
            let directory = "\(corpus)/\(seed.target)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(seed.bytes).write(to: URL(fileURLWithPath: "\(directory)/\(seed.name)"))
        }
        print("wrote \(seeds.count) seeds to \(corpus)")
    }

    /// The payload each way of every TCP connection in a capture, in the order they opened.
    /// The line bytes (LAPB frame contents, or X.25 packets over XOT) of a QLLC session
    /// between netmgrd's terminal and the simulator's network side, both directions in order.
    static func x25Session(overLAPB: Bool) -> [[UInt8]] {
        let nodeID = XIDNodeID(rawValue: 0x05D0_0002)
        var terminal = QLLCTerminal(configuration: .init(
            ownAddress: X121Address(parsing: "44200001") ?? .empty, hostAddress: X121Address(parsing: "44100001") ?? .empty,
            nodeID: nodeID, localAddresses: [2, 3], packetLayer: .init(restartsOnLinkUp: overLAPB), lapb: overLAPB ? .init() : nil))
        var network = X25NetworkDCE(configuration: .init(packetLayer: .init(restartsOnLinkUp: overLAPB), lapb: overLAPB ? .init() : nil))
        let now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var record: [[UInt8]] = []
        _ = network.start(now: now)
        var toNetwork = terminal.start(now: now).compactMap { if case .transmit(let b) = $0 { b } else { nil } }
        var toTerminal: [ByteBuffer] = []
        for _ in 0..<100 where !toNetwork.isEmpty || !toTerminal.isEmpty {
            var nextToNetwork: [ByteBuffer] = [], nextToTerminal: [ByteBuffer] = []
            for bytes in toNetwork {
                record.append(Array(bytes.readableBytesView))
                var actions = network.receive(bytes, now: now)
                var index = 0
                while index < actions.count {
                    switch actions[index] {
                    case .transmit(let b): nextToTerminal.append(b)
                    case .incomingCall(let channel, _): actions += network.accept(channel: channel, expectedNodeID: nodeID, now: now)
                    case .logicalLinkOpened(let channel):
                        for ru: [UInt8] in [[0x11, 0x01, 0x01], [0x0D, 0x01, 0x01]] {
                            let piu = SNAPathInformationUnit.request(
                                .sessionControl, destination: ru[0] == 0x11 ? 0 : 2, origin: 0, sequenceNumber: 1, ru: ByteBuffer(bytes: ru))
                            actions += (try? network.sendPIU(piu.bytes, channel: channel, now: now)) ?? []
                        }
                    default: break
                    }
                    index += 1
                }
            }
            for bytes in toTerminal {
                record.append(Array(bytes.readableBytesView))
                for case .transmit(let b) in terminal.receive(bytes, now: now) { nextToNetwork.append(b) }
            }
            toNetwork = nextToNetwork
            toTerminal = nextToTerminal
        }
        return record
    }

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
