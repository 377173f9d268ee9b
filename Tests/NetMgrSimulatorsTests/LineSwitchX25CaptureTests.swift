import Foundation
import Logging
import NIOCore
import NetMgrCore
import NetMgrSimulators
import NetMgrTestSupport
import PacketCapture
import SDLC
import Testing

/// The line monitor records X.25 lines (LAPB) as LINKTYPE_SITA in their own file, with the
/// direction in the SITA header, while SDLC lines keep going to the LINKTYPE_SDLC file.
@Suite("Line switch: X.25 line capture")
struct LineSwitchX25CaptureTests {
    static let sdlcUnit = LineSwitchUnit(com: 1, unit: 1, line: 1)
    static let x25Unit = LineSwitchUnit(com: 1, unit: 1, line: 2)

    /// An address of the x25-proof block (127.0.32.100-199), random so parallel runs differ.
    static func address() -> String { "127.0.32.\(Int.random(in: 100...199))" }

    /// A HDLC-framed frame: flags, transparency, FCS (the bytes a LAPB or SDLC station sends).
    static func framed(_ content: [UInt8]) -> [UInt8] {
        var out = ByteBuffer()
        HDLCFrameEncoder.encode(content: content, into: &out)
        return Array(out.readableBytesView)
    }

    static func records(_ path: String) throws -> (linkType: LinkType, records: [[UInt8]]) {
        let reader = try CaptureReader(path: path)
        defer { reader.close() }
        var records: [[UInt8]] = []
        try reader.forEachPacket { records.append(Array($0.bytes)) }
        return (reader.linkType, records)
    }

    @Test("X.25 frames go to FILE-x25.pcap as SITA with direction; SDLC frames stay in the SDLC file")
    func separateFiles() async throws {
        let address = Self.address()
        let directory = try TemporaryDirectory(prefix: "netmgr-lsw-x25")
        let capture = directory.path + "/line.pcap"
        let x25Capture = LineSwitchConfiguration.x25CapturePath(besides: capture)
        #expect(x25Capture == directory.path + "/line-x25.pcap")
        let configuration = LineSwitchConfiguration(
            control: Endpoint(host: address, port: 7400),
            lines: [
                .init(unit: Self.sdlcUnit, hostPort: Endpoint(host: address, port: 7410), nodePorts: [
                    .init(node: "node-a", endpoint: Endpoint(host: address, port: 7411)),
                ]),
                .init(unit: Self.x25Unit, hostPort: Endpoint(host: address, port: 7420), nodePorts: [
                    .init(node: "node-a", endpoint: Endpoint(host: address, port: 7421)),
                ], procedure: .hdlcPacket),
            ],
            capturePath: capture, x25CapturePath: x25Capture)
        let device = try await LineSwitchDevice.start(configuration: configuration, logger: Logger(label: "test"))
        let sabm: [UInt8] = [0x01, 0x3F], ua: [UInt8] = [0x01, 0x73], restart: [UInt8] = [0x03, 0x00, 0x10, 0x00, 0xFB, 0x07, 0x00]
        var clients: [PortClient] = []
        do {
            let sdlcHost = try await PortClient(Endpoint(host: address, port: 7410))
            let sdlcNode = try await PortClient(Endpoint(host: address, port: 7411))
            let x25Host = try await PortClient(Endpoint(host: address, port: 7420))
            let x25Node = try await PortClient(Endpoint(host: address, port: 7421))
            clients = [sdlcHost, sdlcNode, x25Host, x25Node]
            #expect(try await eventually {
                let status = try await device.status()
                return status.allSatisfy { $0.hostConnected && $0.nodesConnected.count == 1 }
            })
            #expect(try await device.control("SWITCH \"COM1 Unit1 Line1\" node-a EPOCH 1")[0].hasPrefix("OK"))
            #expect(try await device.control("SWITCH \"COM1 Unit1 Line2\" node-a EPOCH 1")[0].hasPrefix("OK"))

            // X.25: SABM from the node (the DTE, address B), UA from the host's network (DCE,
            // its response address B), then an I-frame with a RESTART from the DCE (address A).
            try await x25Node.send(Self.framed(sabm))
            #expect(await eventually { x25Host.bytes == Self.framed(sabm) })
            try await x25Host.send(Self.framed(ua) + Self.framed(restart))
            #expect(await eventually { x25Node.bytes == Self.framed(ua) + Self.framed(restart) })
            // SDLC: one frame each way on the other line.
            try await sdlcHost.send(Self.framed([0xC1, 0x93]))
            #expect(await eventually { sdlcNode.bytes == Self.framed([0xC1, 0x93]) })
            try await sdlcNode.send(Self.framed([0xC1, 0x73]))
            #expect(await eventually { sdlcHost.bytes == Self.framed([0xC1, 0x73]) })
            #expect(try await eventually {
                let status = try await device.status()
                return status[1].framesFromHost == 2 && status[1].framesToHost == 1
            })
        } catch {
            for client in clients { await client.close() }
            await device.close()
            throw error
        }
        for client in clients { await client.close() }
        await device.close()

        let x25 = try Self.records(x25Capture)
        #expect(x25.linkType == .sita)
        #expect(x25.records == [
            SITAHeader.lapb(.fromLocal).bytes + sabm,
            SITAHeader.lapb(.fromRemote).bytes + ua,
            SITAHeader.lapb(.fromRemote).bytes + restart,
        ])
        #expect(x25.records.map { $0.prefix(5) } == [[0x00, 0x1F, 0, 0, 0x01], [0x01, 0x1F, 0, 0, 0x01], [0x01, 0x1F, 0, 0, 0x01]])
        let sdlc = try Self.records(capture)
        #expect(sdlc.linkType == .sdlc && sdlc.records == [[0xC1, 0x93], [0xC1, 0x73]])
    }

    @Test("without X.25 lines no SITA file is created")
    func noX25Lines() async throws {
        let address = Self.address()
        let directory = try TemporaryDirectory(prefix: "netmgr-lsw-x25")
        let capture = directory.path + "/line.pcap"
        let configuration = LineSwitchConfiguration(
            control: Endpoint(host: address, port: 7430),
            lines: [.init(unit: Self.sdlcUnit, hostPort: Endpoint(host: address, port: 7431), nodePorts: [
                .init(node: "node-a", endpoint: Endpoint(host: address, port: 7432)),
            ])],
            capturePath: capture, x25CapturePath: LineSwitchConfiguration.x25CapturePath(besides: capture))
        let device = try await LineSwitchDevice.start(configuration: configuration, logger: Logger(label: "test"))
        await device.close()
        #expect(FileManager.default.fileExists(atPath: capture))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/line-x25.pcap"))
    }
}
