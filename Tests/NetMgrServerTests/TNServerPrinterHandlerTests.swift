import Logging
import NIOCore
import NIOEmbedded
import NIOSSL
import NetMgrCore
@testable import NetMgrServer
import NetMgrSecurity
import TN3270
import Testing

/// The handler's printer and STARTTLS hooks (issue 15 part 3) on an embedded loop: a raw
/// TN3270E client asks for ASSOCIATE (which `TN3270ClientStateMachine` never does) and gets
/// the paired printer; a client that agrees STARTTLS and then stalls in the TLS handshake is
/// closed at the negotiation deadline.
@Suite("TN server: printers and STARTTLS in the handler")
struct TNServerPrinterHandlerTests {
    static let here = SourceLocation(file: "tn.yaml", line: 1, column: 1)

    /// The Phonebook's VIPLU04 is a printer LU of TNVIP.
    static func settings() -> TNServerSettings {
        var settings = TNServerWorld.settings()
        settings.printers = [TNPrinterAssociation(display: "VIPLU01", printer: "VIPLU04", location: here)]
        return settings
    }

    static func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }
    static func negotiation(_ verb: TelnetVerb, _ option: TelnetOption) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeTelnetNegotiation(verb, option)
        return buffer
    }

    static func drain(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var all: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { all += bytes(buffer) }
        return all
    }

    @Test("ASSOCIATE VIPLU01 as IBM-3287-1: DEVICE-TYPE IS IBM-3287-1 CONNECT VIPLU04, held for the client; an unpaired display: INV-ASSOCIATE")
    func associate() throws {
        let harness = try RouterHarness()
        _ = try harness.activate(["TNVIP"])
        let server = TNServer(router: harness.router, settings: Self.settings(), logger: Logger(label: "tn-test"))
        #expect(server.isPrinter("VIPLU04") && !server.isPrinter("VIPLU01"))
        let channel = EmbeddedChannel(loop: harness.loop)
        try channel.pipeline.syncOperations.addHandler(TNServerConnectionHandler(server: server))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.60", port: 40010)).wait()
        harness.loop.run()
        #expect(try Self.drain(channel) == Self.bytes(Self.negotiation(.do, .tn3270e)))
        try channel.writeInbound(Self.negotiation(.will, .tn3270e))
        #expect(try Self.drain(channel) == Self.bytes(TN3270ESubnegotiation.sendDeviceType.bytes))

        // A display with no printer: INV-ASSOCIATE, and the client may ask again.
        try channel.writeInbound(TN3270ESubnegotiation.deviceTypeRequest(deviceType: "IBM-3287-1", target: .associate("VIPLU02")).bytes)
        #expect(try Self.drain(channel) == Self.bytes(TN3270ESubnegotiation.deviceTypeReject(.invalidAssociate).bytes))
        try channel.writeInbound(TN3270ESubnegotiation.deviceTypeRequest(deviceType: "IBM-3287-1", target: .associate("VIPLU01")).bytes)
        #expect(try Self.drain(channel) == Self.bytes(TN3270ESubnegotiation.deviceTypeIs(deviceType: "IBM-3287-1", deviceName: "VIPLU04").bytes))
        try channel.writeInbound(TN3270ESubnegotiation.functionsRequest([]).bytes)
        #expect(try Self.drain(channel) == Self.bytes(TN3270ESubnegotiation.functionsIs([]).bytes))
        #expect(server.assigner.held["VIPLU04"] == IPAddress("127.0.0.60"))
        #expect(channel.isActive)
    }

    /// A throwaway server context: a node certificate from a fresh CA.
    static func tlsContext() throws -> NIOSSLContext {
        let authority = try ClusterPKI.makeAuthority(cluster: "test")
        let issued = try ClusterPKI.issueNode(name: "node-a", hosts: ["127.0.0.11"], by: authority)
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(try issued.certificatePEM().utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(try issued.privateKeyPEM().utf8), format: .pem)))
        return try NIOSSLContext(configuration: configuration)
    }

    @Test("STARTTLS offered: DO START_TLS first; a client that agrees and stalls in the TLS handshake is closed at the negotiation deadline")
    func startTLSDeadline() throws {
        let harness = try RouterHarness()
        _ = try harness.activate(["TNVIP"])
        var settings = Self.settings()
        settings.startTLS = .offer
        let server = TNServer(router: harness.router, settings: settings, logger: Logger(label: "tn-test"))
        let channel = EmbeddedChannel(loop: harness.loop)
        try channel.pipeline.syncOperations.addHandler(TNServerConnectionHandler(server: server, startTLS: try Self.tlsContext()))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.61", port: 40011)).wait()
        harness.loop.run()
        #expect(try Self.drain(channel) == Self.bytes(Self.negotiation(.do, .startTLS)))
        try channel.writeInbound(Self.negotiation(.will, .startTLS))
        var follows = ByteBuffer()
        follows.writeTelnetSubnegotiation(.startTLS, payload: ByteBuffer(bytes: [1]))
        #expect(try Self.drain(channel) == Self.bytes(follows), "the server's FOLLOWS")
        try channel.writeInbound(follows)
        // The TLS handler is in front now; the client says nothing more.
        #expect(throws: Never.self) { try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self) }
        harness.loop.advanceTime(by: .seconds(Int64(TNServerSettings.defaultNegotiationTimeoutSeconds - 1)))
        #expect(channel.isActive)
        harness.loop.advanceTime(by: .seconds(2))
        harness.loop.run()
        #expect(!channel.isActive)
        #expect(server.connectionCount == 0)
    }

    @Test("STARTTLS refused (WONT): the session goes on in plaintext with DO TN3270E")
    func startTLSRefused() throws {
        let harness = try RouterHarness()
        _ = try harness.activate(["TNVIP"])
        let server = TNServer(router: harness.router, settings: Self.settings(), logger: Logger(label: "tn-test"))
        let channel = EmbeddedChannel(loop: harness.loop)
        try channel.pipeline.syncOperations.addHandler(TNServerConnectionHandler(server: server, startTLS: try Self.tlsContext()))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.62", port: 40012)).wait()
        harness.loop.run()
        #expect(try Self.drain(channel) == Self.bytes(Self.negotiation(.do, .startTLS)))
        try channel.writeInbound(Self.negotiation(.wont, .startTLS))
        let after = try Self.drain(channel)
        #expect(after.suffix(3) == Self.bytes(Self.negotiation(.do, .tn3270e))[...], "\(after)")
        #expect(channel.isActive)
    }

    @Test("direct TLS (tn-server-tls): a client that connects and never completes the handshake is closed at the negotiation deadline")
    func directTLSDeadline() throws {
        let harness = try RouterHarness()
        _ = try harness.activate(["TNVIP"])
        let server = TNServer(router: harness.router, settings: Self.settings(), logger: Logger(label: "tn-test"))
        let channel = EmbeddedChannel(loop: harness.loop)
        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: try Self.tlsContext()))
        try channel.pipeline.syncOperations.addHandler(TNServerConnectionHandler(server: server))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.63", port: 40013)).wait()
        harness.loop.run()
        #expect(try Self.drain(channel).isEmpty, "nothing in the clear before the handshake")
        try channel.writeInbound(ByteBuffer(bytes: [0x16, 0x03, 0x01]))  // the start of a ClientHello, then silence
        harness.loop.advanceTime(by: .seconds(Int64(TNServerSettings.defaultNegotiationTimeoutSeconds - 1)))
        #expect(channel.isActive)
        harness.loop.advanceTime(by: .seconds(2))
        harness.loop.run()
        #expect(!channel.isActive)
        #expect(server.connectionCount == 0)
    }
}
