import Logging
import NIOCore
import NIOEmbedded
import NetMgrCore
@testable import NetMgrServer
import NetMgrTestSupport
import TN3270
import Testing

/// The TN server's handler for an SNA LU (SDLU02 of the hdlc-leased resource SDLC1) on an
/// embedded loop, the router's fake host side playing the PU: BIND-IMAGE before data,
/// ALWAYS-RESPONSE requested, UNBIND when the host's session ends, a new BIND-IMAGE after.
@Suite("TN server: SNA LU 2 records")
struct TNServerSNAHandlerTests {
    static let bind = ByteBuffer(bytes: [0x31, 0x01, 0x03, 0x03, 0xB1, 0x90, 0x30, 0x80, 0x00, 0x00, 0x87, 0x87, 0x00, 0x00, 0x02])

    /// The handler world on SDLC1's LUs (and TNVIP's), with the emulator's functions.
    final class World: TNServerWorld {
        init(lu: String, functions: [TN3270EFunction]) throws {
            var settings = TNServerWorld.settings()
            settings.map = [TNClientMap(clients: [AddressBlock(parsing: "127.0.0.0/8")!], lus: ["SDLU02", "VIPLU01"], generic: nil, location: TNServerWorld.here)]
            var configuration = TN3270ClientConfiguration(luName: lu)
            configuration.requestedFunctions = functions
            configuration.acknowledgesHostRequests = true
            try super.init(emulator: configuration, resources: ["SDLC1", "TNVIP"], settings: settings, connectNow: false)
        }

        /// The host records the emulator got: data type and bytes.
        var records: [(TN3270EDataType?, [UInt8])] {
            events.compactMap { if case .record(let record) = $0 { (record.header?.dataType, Array(record.data.readableBytesView)) } else { nil } }
        }

        var recordTypes: [TN3270EDataType?] { records.map(\.0) }

        func host(_ body: (FakeAttachment) -> Void) throws {
            body(harness.attachment("SDLC1"))
            try pump()
        }
    }

    @Test("TN3270E with BIND-IMAGE: the BIND before the data, UNBIND when the session ends, a BIND-IMAGE again after")
    func bindImage() throws {
        let world = try World(lu: "SDLU02", functions: [.bindImage, .responses, .sysreq])
        try world.host { attachment in
            attachment.delegate?.attachment(attachment, lu: "SDLU02", bind: Self.bind)
            attachment.delegate?.attachment(attachment, lu: "SDLU02", state: .bound, detail: "C1 LU 2")
            attachment.delegate?.attachment(attachment, lu: "SDLU02", hostData: ByteBuffer(bytes: [0xF5, 0xC3, 0x13]))
        }
        try world.connect()
        let binding = try #require(world.binding, "\(world.events)")
        #expect(binding.functions == [.bindImage, .responses], "SYSREQ is not agreed for SNA LUs")
        #expect(world.recordTypes == [.bindImage, .data3270], "\(world.records)")
        #expect(world.records.first?.1 == Array(Self.bind.readableBytesView))

        try world.host { attachment in
            attachment.delegate?.attachment(attachment, lu: "SDLU02", state: .hostLost, detail: "UNBIND")
        }
        #expect(world.recordTypes == [.bindImage, .data3270, .unbind])
        #expect(world.records.last?.1 == [0x32, 0x01])

        let rebind = ByteBuffer(bytes: [0x31, 0x01, 0x03, 0x03, 0xB1, 0x90, 0x30, 0x80, 0x00, 0x00, 0x85, 0x85, 0x00, 0x00, 0x02])
        try world.host { attachment in
            attachment.delegate?.attachment(attachment, lu: "SDLU02", bind: rebind)
            attachment.delegate?.attachment(attachment, lu: "SDLU02", state: .bound, detail: "C1 LU 2")
            attachment.delegate?.attachment(attachment, lu: "SDLU02", hostData: ByteBuffer(bytes: [0xF1, 0xC2]))
        }
        #expect(world.recordTypes == [.bindImage, .data3270, .unbind, .bindImage, .data3270])
        #expect(world.records[3].1 == Array(rebind.readableBytesView))
        // The emulator's input still reaches the LU's host side.
        let input = try world.emulator.sendRecord(ByteBuffer(bytes: [0x7D, 0x40, 0x40]), requestsResponse: false)
        try world.channel.writeInbound(input.bytes)
        try world.pump()
        #expect(world.harness.attachment("SDLC1").sent.map(\.lu) == ["SDLU02"])
    }

    @Test("RESPONSES: host records ask for ALWAYS-RESPONSE; the emulator's answers are taken")
    func responses() throws {
        let world = try World(lu: "SDLU02", functions: [.responses])
        try world.connect()
        #expect(world.binding?.functions == [.responses])
        try world.host { attachment in
            attachment.delegate?.attachment(attachment, lu: "SDLU02", bind: Self.bind)
            attachment.delegate?.attachment(attachment, lu: "SDLU02", state: .bound, detail: "C1 LU 2")
            attachment.delegate?.attachment(attachment, lu: "SDLU02", hostData: ByteBuffer(bytes: [0xF5, 0xC3]))
        }
        let data = world.events.compactMap { if case .record(let record) = $0 { record } else { nil } }
        #expect(data.map(\.header?.dataType) == [.data3270], "no BIND-IMAGE without the function")
        #expect(data.first?.header?.responseFlag == 0x02, "ALWAYS-RESPONSE")
        #expect(world.channel.isActive, "the positive RESPONSE is taken, the connection stays")
    }

    @Test("a tnetos LU agrees no functions, as before")
    func tnetosLU() throws {
        let world = try World(lu: "VIPLU01", functions: [.bindImage, .responses])
        try world.connect()
        #expect(world.binding?.functions == [])
    }
}
