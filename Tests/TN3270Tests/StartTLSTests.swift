import NIOCore
import Testing

@testable import TN3270

let START_TLS: UInt8 = 46
let FOLLOWS: UInt8 = 1

/// Telnet STARTTLS (draft-altman-telnet-starttls; option 46, FOLLOWS = 1, as x3270's
/// telnet.c and OpenSSL's s_client spell them) in both machines. The TLS itself is the
/// owner's: here both sides are told the handshake completed and the bytes stay clear.
@Suite("STARTTLS")
struct StartTLSTests {
    static let doStartTLS: [UInt8] = [IAC, DO, START_TLS]
    static let willStartTLS: [UInt8] = [IAC, WILL, START_TLS]
    static let follows: [UInt8] = [IAC, SB, START_TLS, FOLLOWS, IAC, SE]

    static func requiring(_ lu: String = "LU0001") -> TN3270ClientConfiguration {
        var configuration = TN3270ClientConfiguration(luName: lu)
        configuration.requiresStartTLS = true
        return configuration
    }

    static var offering: TN3270ServerConfiguration {
        var configuration = TN3270ServerConfiguration()
        configuration.offersStartTLS = true
        return configuration
    }

    /// Both sides reported `.startTLS`: tell them the handshake is done, and go on.
    static func completeHandshake(_ talk: inout Conversation) throws {
        #expect(talk.takeClientReports() == [.startTLS(ByteBuffer())])
        #expect(talk.takeServerReports() == [.startTLS(ByteBuffer())])
        talk.absorb(client: try talk.client.tlsEstablished())
        talk.absorb(server: try talk.server.tlsEstablished())
        talk.run()
    }

    @Test func requiredAndOfferedThenTN3270EStartsOverInsideTLS() throws {
        var talk = Conversation(client: Self.requiring(), server: Self.offering)
        talk.start()
        // Host: DO; terminal: WILL and its FOLLOWS at once (as x3270 does); host: FOLLOWS.
        #expect(talk.fromServer == Self.doStartTLS + Self.follows)
        #expect(talk.fromClient == Self.willStartTLS + Self.follows)
        #expect(talk.client.phase == .startTLS)
        #expect(talk.server.phase == .startTLS)
        #expect(talk.clientBinding == nil)

        let before = (client: talk.fromClient.count, server: talk.fromServer.count)
        try Self.completeHandshake(&talk)
        // Negotiation starts over: the host offers TN3270E again, as on a fresh connection.
        #expect(Array(talk.fromServer[before.server...].prefix(3)) == [IAC, DO, TN3270E])
        #expect(Array(talk.fromClient[before.client...].prefix(3)) == [IAC, WILL, TN3270E])
        #expect(talk.clientBinding?.luName == "LU0001")
        #expect(talk.serverBinding?.dialect == .tn3270e)
        #expect(talk.client.isSecuredByStartTLS && talk.server.isSecuredByStartTLS)
    }

    @Test func basicOnlyHostAfterStartTLS() throws {
        var server = TN3270ServerConfiguration.basicOnly
        server.offersStartTLS = true
        var talk = Conversation(client: Self.requiring(), server: server)
        talk.start()
        try Self.completeHandshake(&talk)
        #expect(talk.clientBinding?.dialect == .tn3270)
        #expect(talk.serverBinding?.luName == "LU0001")
    }

    @Test func requiredButNotOfferedClosesWithoutAPlaintextSession() throws {
        var talk = Conversation(client: Self.requiring(), server: TN3270ServerConfiguration())
        talk.start()
        guard case .close(.protocolError(let error))? = talk.clientReports.first else {
            Issue.record("expected a close, got \(talk.clientReports)")
            return
        }
        #expect(error.isTLSPolicyFailure)
        #expect(error.kind == .startTLSNotOffered("IAC DO TN3270E"))
        #expect(error.description.contains("did not offer it"))
        // Nothing of the 3270 dialogue was answered in plaintext.
        #expect(talk.fromClient.isEmpty)
        #expect(talk.clientBinding == nil)
    }

    @Test func requiredButTheHostSendsDataFirst() throws {
        var client = TN3270ClientStateMachine(configuration: Self.requiring())
        let actions = client.receive(buffer(ascii("LOGON PLEASE")))
        guard case .close(.protocolError(let error))? = actions.first else {
            Issue.record("expected a close, got \(actions)")
            return
        }
        #expect(error.kind == .startTLSNotOffered("12 bytes of data"))
    }

    @Test func hostTakesTheOfferBack() throws {
        var client = TN3270ClientStateMachine(configuration: Self.requiring())
        #expect(client.receive(buffer(Self.doStartTLS)) == [.send(buffer(Self.willStartTLS + Self.follows))])
        let actions = client.receive(buffer([IAC, DONT, START_TLS]))
        guard case .close(.protocolError(let error))? = actions.last else {
            Issue.record("expected a close, got \(actions)")
            return
        }
        #expect(error.kind == .startTLSRefused("answered WILL START-TLS with DONT START-TLS"))
    }

    @Test func hostSendsSomethingElseInsteadOfFollows() throws {
        var client = TN3270ClientStateMachine(configuration: Self.requiring())
        _ = client.receive(buffer(Self.doStartTLS))
        let actions = client.receive(buffer([IAC, DO, TN3270E]))
        guard case .close(.protocolError(let error))? = actions.last, case .startTLSRefused = error.kind else {
            Issue.record("expected a STARTTLS close, got \(actions)")
            return
        }
        var other = TN3270ClientStateMachine(configuration: Self.requiring())
        _ = other.receive(buffer(Self.doStartTLS))
        let wrong = other.receive(buffer([IAC, SB, START_TLS, 2, IAC, SE]))
        guard case .close(.protocolError(let error2))? = wrong.last, case .startTLSRefused = error2.kind else {
            Issue.record("expected a STARTTLS close, got \(wrong)")
            return
        }
    }

    @Test func nopAndTimingMarkMayComeFirst() throws {
        var client = TN3270ClientStateMachine(configuration: Self.requiring())
        let actions = client.receive(buffer([IAC, NOP, IAC, DO, TIMING_MARK] + Self.doStartTLS))
        #expect(actions == [.send(buffer([IAC, WILL, TIMING_MARK] + Self.willStartTLS + Self.follows))])
    }

    @Test func notRequiredRefusesAndTheHostGoesOnInPlaintext() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0001"), server: Self.offering)
        talk.start()
        #expect(Array(talk.fromClient.prefix(3)) == [IAC, WONT, START_TLS])
        #expect(talk.clientBinding?.luName == "LU0001")
        #expect(!talk.client.isSecuredByStartTLS && !talk.server.isSecuredByStartTLS)
        #expect(!talk.clientReports.contains { if case .startTLS = $0 { true } else { false } })
    }

    @Test func noTLSInsideTLS() throws {
        var talk = Conversation(client: Self.requiring(), server: Self.offering)
        talk.start()
        try Self.completeHandshake(&talk)
        let actions = talk.client.receive(buffer(Self.doStartTLS))
        #expect(actions == [.send(buffer([IAC, WONT, START_TLS]))])
    }

    /// The bytes after FOLLOWS belong to TLS: the machine hands them over and parses no more.
    @Test func bytesAfterFollowsGoToTheTLSLayer() throws {
        var server = TN3270ServerStateMachine(configuration: Self.offering)
        #expect(server.start() == [.send(buffer(Self.doStartTLS))])
        let clientHello: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0xFF, IAC, SE]
        let actions = server.receive(buffer(Self.willStartTLS + Self.follows + clientHello))
        #expect(actions == [.send(buffer(Self.follows)), .startTLS(buffer(clientHello))])

        var client = TN3270ClientStateMachine(configuration: Self.requiring())
        _ = client.receive(buffer(Self.doStartTLS))
        #expect(client.receive(buffer(Self.follows + [0x16, 0x03])) == [.startTLS(buffer([0x16, 0x03]))])
        #expect(client.receive(buffer([IAC, DO, TN3270E])) == [], "nothing is telnet during the handshake")
    }

    /// The client may send its FOLLOWS only after the host's (OpenSSL's s_client order); any split.
    @Test(arguments: 0..<20)
    func serverAcceptsEitherOrderAndAnySplit(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var server = TN3270ServerStateMachine(configuration: Self.offering)
        _ = server.start()
        var reports: [TN3270ServerStateMachine.Action] = []
        for chunk in randomSplits(Self.willStartTLS, using: &rng) { reports += server.receive(buffer(chunk)) }
        #expect(reports == [.send(buffer(Self.follows))])
        reports = []
        for chunk in randomSplits(Self.follows + [0x16, 0x03, 0x03], using: &rng) { reports += server.receive(buffer(chunk)) }
        let handedOver = reports.reduce(into: [UInt8]()) { bytes, action in
            if case .startTLS(let buffer) = action { bytes += buffer.bytes }
        }
        #expect(reports.contains { if case .startTLS = $0 { true } else { false } })
        // What came with the FOLLOWS is handed over; later reads go to the TLS handler directly.
        #expect([0x16, 0x03, 0x03].starts(with: handedOver))
    }

    @Test func tlsEstablishedOnlyAfterFollows() throws {
        var client = TN3270ClientStateMachine(configuration: Self.requiring())
        #expect(throws: TN3270UsageError.self) { try client.tlsEstablished() }
        var server = TN3270ServerStateMachine(configuration: Self.offering)
        #expect(throws: TN3270UsageError.self) { try server.tlsEstablished() }
    }
}
