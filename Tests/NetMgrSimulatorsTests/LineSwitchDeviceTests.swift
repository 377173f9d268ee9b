import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NetMgrCore
import NetMgrSimulators
import NetMgrTestSupport
import PacketCapture
import SDLC
import Testing

/// A plain TCP client standing in for the host or a node on a line switch port.
final class PortClient: Sendable {
    let channel: any Channel
    let received: NIOLockedValueBox<[UInt8]>

    init(_ endpoint: Endpoint) async throws {
        let received = NIOLockedValueBox<[UInt8]>([])
        self.received = received
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Recorder(received: received))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port).get()
    }

    func send(_ bytes: [UInt8]) async throws { try await channel.writeAndFlush(ByteBuffer(bytes: bytes)) }
    var bytes: [UInt8] { received.withLockedValue { $0 } }
    func close() async { try? await channel.close() }

    final class Recorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<[UInt8]>
        init(received: NIOLockedValueBox<[UInt8]>) { self.received = received }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(unwrapInboundIn(data).readableBytesView)
            received.withLockedValue { $0 += bytes }
        }
    }
}

/// A loopback address of its own for each test run, so parallel runs and other suites never
/// collide on fixed ports (all of 127.0.0.0/8 is local on Linux).
func uniqueLoopback() -> String {
    "127.\(Int.random(in: 64...250)).\(Int.random(in: 1...250)).\(Int.random(in: 1...250))"
}

@Suite("Line switch device")
struct LineSwitchDeviceTests {
    static let unit = LineSwitchUnit(com: 1, unit: 1, line: 1)

    static func frameBytes(_ address: UInt8, _ information: [UInt8]) -> [UInt8] {
        var out = ByteBuffer()
        HDLCFrameEncoder.encode(SDLCFrame(address: address, control: .information(ns: 0, nr: 0, pollFinal: true),
                                          information: ByteBuffer(bytes: information)), into: &out)
        return Array(out.readableBytesView)
    }

    @Test func connectsExactlyOneNodeAndRecordsTheHostSide() async throws {
        let address = uniqueLoopback()
        let directory = try TemporaryDirectory(prefix: "netmgr-lsw")
        let capture = directory.path + "/line.pcap"
        let configuration = LineSwitchConfiguration(
            control: Endpoint(host: address, port: 7400),
            lines: [.init(unit: Self.unit, hostPort: Endpoint(host: address, port: 7410), nodePorts: [
                .init(node: "node-a", endpoint: Endpoint(host: address, port: 7411)),
                .init(node: "node-b", endpoint: Endpoint(host: address, port: 7412)),
            ])],
            capturePath: capture)
        let device = try await LineSwitchDevice.start(configuration: configuration, logger: Logger(label: "test"))
        let host = try await PortClient(Endpoint(host: address, port: 7410))
        let nodeA = try await PortClient(Endpoint(host: address, port: 7411))
        let nodeB = try await PortClient(Endpoint(host: address, port: 7412))
        #expect(try await eventually {
            let status = try await device.status()[0]
            return status.nodesConnected.count == 2 && status.hostConnected
        })

        // Before any switch the host side leads nowhere.
        let first = Self.frameBytes(0xC1, [1])
        try await host.send(first)
        #expect(await eventually { (try? await device.status()[0].framesFromHost) == 1 })

        #expect(try await device.control("SWITCH \"COM1 Unit1 Line1\" node-a EPOCH 1")[0].hasPrefix("OK"))
        let second = Self.frameBytes(0xC1, [2])
        try await host.send(second)
        #expect(await eventually { nodeA.bytes == second })
        // Node B's bytes go nowhere while A has the line; A's reach the host.
        let fromB = Self.frameBytes(0xC1, [0xBB])
        try await nodeB.send(fromB)
        #expect(try await eventually { try await device.status()[0].bytesDropped == fromB.count })
        let fromA = Self.frameBytes(0xC1, [0xAA])
        try await nodeA.send(fromA)
        #expect(await eventually { host.bytes == fromA })
        #expect(nodeB.bytes.isEmpty)

        // The switch moves the host side to B, and only B.
        #expect(try await device.control("SWITCH \"COM1 Unit1 Line1\" node-b EPOCH 2")[0].hasPrefix("OK"))
        let third = Self.frameBytes(0xC1, [3])
        try await host.send(third)
        #expect(await eventually { nodeB.bytes == third })
        #expect(nodeA.bytes == second)
        try await nodeA.send(Self.frameBytes(0xC1, [0xAB]))
        #expect(try await eventually { try await device.status()[0].bytesDropped == 2 * fromB.count })
        #expect(host.bytes == fromA)

        // A stale owner is refused; the line stays with B.
        let refused = try await device.control("SWITCH \"COM1 Unit1 Line1\" node-a EPOCH 1")
        #expect(refused == ["ERR stale-epoch line COM1 Unit1 Line1: epoch 1 is older than the current epoch 2 of node-b; the newer owner keeps the line"])
        let status = try await device.status()[0]
        #expect(status.node == "node-b" && status.epoch == 2 && status.switches == 2)

        for client in [host, nodeA, nodeB] { await client.close() }
        await device.close()

        // The monitor saw the host side only: 3 frames from the host, 1 towards it.
        let reader = try CaptureReader(path: capture)
        var frames: [(linkType: LinkType, bytes: [UInt8])] = []
        try reader.forEachPacket { frames.append(($0.linkType, Array($0.bytes))) }
        reader.close()
        #expect(frames.map(\.linkType) == Array(repeating: LinkType.sdlc, count: 4))
        #expect(frames.map { Array($0.bytes.suffix(1)) } == [[1], [2], [0xAA], [3]])
        #expect(frames.allSatisfy { $0.bytes.first == 0xC1 })
    }

    @Test func controlInterfaceOverTCP() async throws {
        let address = uniqueLoopback()
        let configuration = LineSwitchConfiguration(
            control: Endpoint(host: address, port: 7400),
            lines: [.init(unit: Self.unit, hostPort: Endpoint(host: address, port: 7410), nodePorts: [
                .init(node: "node-a", endpoint: Endpoint(host: address, port: 7411)),
            ])])
        let device = try await LineSwitchDevice.start(configuration: configuration, logger: Logger(label: "test"))
        let control = try await PortClient(Endpoint(host: address, port: 7400))
        try await control.send(Array("STATUS\r\nSWITCH \"COM1 Unit1 Line1\" node-a EPOCH 3\nBOGUS\nQUIT\n".utf8))
        #expect(await eventually { String(decoding: control.bytes, as: UTF8.self).contains("OK bye") })
        let lines = String(decoding: control.bytes, as: UTF8.self).split(separator: "\r\n").map(String.init)
        #expect(lines == [
            "LINE \"COM1 Unit1 Line1\" NODE - EPOCH 0 SWITCHES 0 HOST idle NODES node-a:idle FRAMES-FROM-HOST 0 FRAMES-TO-HOST 0 DROPPED-BYTES 0",
            "OK 1 line(s)",
            "OK \"COM1 Unit1 Line1\" node-a EPOCH 3 was - EPOCH 0",
            "ERR unknown-command unknown command \"BOGUS\"; expected SWITCH, STATUS, HELP or QUIT",
            "OK bye",
        ])
        #expect(await eventually { !control.channel.isActive })

        // A request without a line end that never stops is cut off.
        let flood = try await PortClient(Endpoint(host: address, port: 7400))
        try await flood.send(Array(repeating: UInt8(ascii: "A"), count: 2000))
        #expect(await eventually { !flood.channel.isActive })
        #expect(String(decoding: flood.bytes, as: UTF8.self).hasPrefix("ERR line-too-long"))
        await device.close()
    }

    @Test func configurationMistakesAreNamed() throws {
        let address = uniqueLoopback()
        let shared = Endpoint(host: address, port: 7410)
        let twice = LineSwitchConfiguration(control: Endpoint(host: address, port: 7400), lines: [
            .init(unit: Self.unit, hostPort: shared, nodePorts: [.init(node: "node-a", endpoint: shared)]),
        ])
        #expect(throws: LineSwitchConfigurationError.self) { try twice.validate() }
        do { try twice.validate() } catch { #expect(error.description.contains("\(shared) is used twice")) }
    }
}
