import ISDN
import NIOCore
import Testing

@Suite("ISDN user side against hand-made network frames")
struct ISDNUserSideTests {
    /// The Q.931 messages in the I frames among `actions`.
    func messages(_ actions: [ISDNUserSide.Action]) -> [Q931Message] {
        actions.compactMap { action in
            guard case .send(let bytes) = action, let frame = try? LAPDFrame(parsing: bytes), case .information = frame.control else { return nil }
            return try? Q931Message(parsing: frame.information)
        }
    }

    func networkI(_ message: Q931Message, ns: UInt8, nr: UInt8) -> ByteBuffer {
        LAPDFrame(address: LAPDAddress(sapi: 0, commandResponse: true, tei: 0),
                  control: .information(sendSequence: ns, receiveSequence: nr, poll: false), information: message.bytes).bytes
    }

    @Test("an incoming SETUP with a two-octet call reference is answered with the same reference, flag set")
    func twoOctetReference() throws {
        var user = ISDNUserSide(configuration: .init(ownNumber: "0312340011", incomingCalls: .answer))
        let now = NIODeadline.uptimeNanoseconds(0)
        #expect(bytes(try #require(user.start(now: now).compactMap { if case .send(let b) = $0 { b } else { nil } }.first)) == [0x00, 0x01, 0x7F])
        _ = user.receive(buffer([0x00, 0x01, 0x73]), now: now)
        #expect(user.link.isEstablished)
        let setup = Q931Message(callReference: 0x1234, fromOriginator: true, type: .setup,
                                elements: [.unrestrictedDigitalBearer, .channelIdentification(.b2, exclusive: true),
                                           try .callingPartyNumber("0300002222"), try .calledPartyNumber("0312340011")],
                                callReferenceLength: 2)
        let actions = user.receive(networkI(setup, ns: 0, nr: 0), now: now)
        #expect(actions.contains(.incomingCall(callingNumber: "0300002222", calledNumber: "0312340011")))
        let answers = messages(actions)
        #expect(answers.map(\.type) == [.callProceeding, .alerting, .connect])
        #expect(answers.allSatisfy { $0.callReference == 0x1234 && $0.callReferenceLength == 2 && !$0.fromOriginator })
        #expect(answers.first?.channel == .b2)
        let connectAcknowledge = Q931Message(callReference: 0x1234, fromOriginator: true, type: .connectAcknowledge, callReferenceLength: 2)
        let connected = user.receive(networkI(connectAcknowledge, ns: 1, nr: 3), now: now)
        #expect(connected.contains(.connected(channel: .b2, callingNumber: "0300002222", calledNumber: "0312340011")))
    }

    @Test("a message for an unknown call is answered with RELEASE COMPLETE cause 81; STATUS ENQUIRY with STATUS")
    func unknownCallAndStatus() throws {
        var user = ISDNUserSide(configuration: .init(ownNumber: "1"))
        let now = NIODeadline.uptimeNanoseconds(0)
        _ = user.start(now: now)
        _ = user.receive(buffer([0x00, 0x01, 0x73]), now: now)
        let stray = Q931Message(callReference: 9, fromOriginator: false, type: .disconnect, elements: [.cause(16)])
        let reply = messages(user.receive(networkI(stray, ns: 0, nr: 0), now: now))
        #expect(reply.map(\.type) == [.releaseComplete])
        #expect(reply.first?.cause == Q931Cause.invalidCallReference && reply.first?.fromOriginator == true)
        let calling = messages(user.call("2", now: now))
        let reference = try #require(calling.first?.callReference)
        let enquiry = Q931Message(callReference: reference, fromOriginator: false, type: .statusEnquiry)
        let status = messages(user.receive(networkI(enquiry, ns: 1, nr: 2), now: now))
        #expect(status.map(\.type) == [.status])
        #expect(status.first?.element(0x14)?.contents == [1])  // call initiated
    }
}
