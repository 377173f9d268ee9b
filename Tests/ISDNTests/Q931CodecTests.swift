import ISDN
import NIOCore
import Testing
import NetMgrTestSupport

func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }
func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }
func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite("Q.931 codec: byte-exact vectors")
struct Q931CodecTests {
    /// The user's SETUP: call reference 1 (one octet, flag 0), bearer capability
    /// unrestricted digital 64 kbit/s circuit mode, any B channel, calling (national, E.164,
    /// presentation allowed, user-provided: 0x21 0x80) and called number.
    static let setupVector: [UInt8] = [0x08, 0x01, 0x01, 0x05,
                                       0x04, 0x02, 0x88, 0x90,
                                       0x18, 0x01, 0x83,
                                       0x6C, 0x0C, 0x21, 0x80] + ascii("0312340011")
        + [0x70, 0x0B, 0x81] + ascii("0300002222")

    @Test("SETUP encodes to the hand-written bytes and decodes back")
    func setup() throws {
        let message = Q931Message(
            callReference: 1, fromOriginator: true, type: .setup,
            elements: [.unrestrictedDigitalBearer, .channelIdentification(nil, exclusive: false),
                       try .callingPartyNumber("0312340011"), try .calledPartyNumber("0300002222")])
        #expect(bytes(message.bytes) == Self.setupVector)
        let decoded = try Q931Message(parsing: buffer(Self.setupVector))
        #expect(decoded == message)
        #expect(decoded.callingNumber == "0312340011")
        #expect(decoded.calledNumber == "0300002222")
        #expect(decoded.channel == nil)
        #expect(decoded.fromOriginator)
    }

    @Test("DISCONNECT from the network: flag bit set, cause 17 at the public network serving the local user")
    func disconnect() throws {
        let vector: [UInt8] = [0x08, 0x01, 0x81, 0x45, 0x08, 0x02, 0x82, 0x91]
        let message = Q931Message(callReference: 1, fromOriginator: false, type: .disconnect, elements: [.cause(17, location: 2)])
        #expect(bytes(message.bytes) == vector)
        let decoded = try Q931Message(parsing: buffer(vector))
        #expect(decoded.cause == Q931Cause.userBusy)
        #expect(!decoded.fromOriginator)
        #expect(decoded.callReference == 1)
    }

    @Test("channel identification on a BRI: B1 0x81/0x89, B2 0x82/0x8A, any 0x83")
    func channelIdentification() throws {
        #expect(Q931InformationElement.channelIdentification(.b1, exclusive: false).contents == [0x81])
        #expect(Q931InformationElement.channelIdentification(.b2, exclusive: false).contents == [0x82])
        #expect(Q931InformationElement.channelIdentification(.b1, exclusive: true).contents == [0x89])
        #expect(Q931InformationElement.channelIdentification(.b2, exclusive: true).contents == [0x8A])
        let connect = try Q931Message(parsing: buffer([0x08, 0x01, 0x81, 0x07, 0x18, 0x01, 0x8A]))
        #expect(connect.type == .connect)
        #expect(connect.channel == .b2)
    }

    @Test("numbers with and without octet 3a; causes with octet 3a; single-octet elements skipped")
    func variants() throws {
        // Calling number 0xA1 (national, E.164, no 3a); sending complete 0xA1 single octet;
        // locking shift to codeset 0 (0x90) skipped; cause with 3a (recommendation) then value 0x95 (21).
        let vector: [UInt8] = [0x08, 0x01, 0x02, 0x05, 0xA1, 0x90,
                               0x08, 0x03, 0x02, 0x80, 0x95,
                               0x6C, 0x04, 0xA1] + ascii("123") + [0x70, 0x03, 0xA1] + ascii("45")
        let message = try Q931Message(parsing: buffer(vector))
        #expect(message.callingNumber == "123")
        #expect(message.calledNumber == "45")
        #expect(message.cause == Q931Cause.callRejected)
        #expect(message.elements.map(\.identifier) == [0x08, 0x6C, 0x70])
    }

    @Test("shifts: a non-locking shift skips the next element only; after a locking shift to another codeset none is read as codeset 0")
    func shifts() throws {
        let head: [UInt8] = [0x08, 0x01, 0x02, 0x05]
        let calling: [UInt8] = [0x6C, 0x04, 0xA1] + ascii("123")
        let called: [UInt8] = [0x70, 0x03, 0xA1] + ascii("45")
        // Non-locking shift to codeset 6 (0x9E): its next element (a codeset-6 0x6C) is skipped,
        // the one after is codeset 0 again.
        let nonLocking = try Q931Message(parsing: buffer(head + [0x9E, 0x6C, 0x02, 0x01, 0x02] + calling + called))
        #expect(nonLocking.elements.map(\.identifier) == [0x6C, 0x70])
        #expect(nonLocking.callingNumber == "123" && nonLocking.calledNumber == "45")
        // Locking shift to codeset 5 (0x95): the 0x70 and 0x6C after it are codeset 5, not numbers.
        let locking = try Q931Message(parsing: buffer(head + calling + [0x95] + called + [0x6C, 0x02, 0x01, 0x02]))
        #expect(locking.elements.map(\.identifier) == [0x6C])
        #expect(locking.callingNumber == "123" && locking.calledNumber == nil)
        // A locking shift back to a lower codeset is not allowed: still codeset 6.
        let back = try Q931Message(parsing: buffer(head + [0x96, 0x90] + calling + called))
        #expect(back.elements.isEmpty)
        // A non-locking shift to codeset 0 inside codeset 5 reads the next element as codeset 0.
        let inside = try Q931Message(parsing: buffer(head + [0x95, 0x98] + calling + called))
        #expect(inside.elements.map(\.identifier) == [0x6C])
    }

    @Test("a number element is never built from a different number: non-ASCII, + and more than 20 digits are refused")
    func numbersUnchanged() throws {
        #expect(try Q931InformationElement.calledPartyNumber("0300*#1").numberDigits == "0300*#1")
        #expect(try Q931InformationElement.calledPartyNumber(String(repeating: "1", count: 20)).contents.count == 21)
        for bad in ["", "+49300", "03\u{0663}", "0300-1111", String(repeating: "1", count: 21)] {
            #expect(throws: Q931NumberError(number: bad)) { try Q931InformationElement.calledPartyNumber(bad) }
            #expect(throws: Q931NumberError(number: bad)) { try Q931InformationElement.callingPartyNumber(bad) }
        }
        var user = ISDNUserSide(configuration: .init(ownNumber: "0312340011", incomingCalls: .answer))
        let actions = user.call("+49300", now: .uptimeNanoseconds(0))
        #expect(actions.count == 1 && actions.contains { if case .cleared(Q931Cause.invalidNumberFormat, _) = $0 { true } else { false } }, "\(actions)")
        #expect(user.callState == .null)
    }

    @Test("two-octet call reference (PRI) decodes and encodes")
    func twoOctetReference() throws {
        let vector: [UInt8] = [0x08, 0x02, 0x80, 0x05, 0x5A]
        let message = try Q931Message(parsing: buffer(vector))
        #expect(message.callReference == 5)
        #expect(message.callReferenceLength == 2)
        #expect(!message.fromOriginator)
        #expect(message.type == .releaseComplete)
        #expect(bytes(message.bytes) == vector)
    }

    @Test("bad input is refused with a named error")
    func errors() {
        #expect(throws: Q931MessageError(kind: .notQ931(discriminator: 0x09), length: 4)) { try Q931Message(parsing: buffer([0x09, 0x01, 0x01, 0x05])) }
        #expect(throws: Q931MessageError(kind: .badCallReferenceLength(3), length: 4)) { try Q931Message(parsing: buffer([0x08, 0x03, 0x01, 0x05])) }
        #expect(throws: Q931MessageError(kind: .unknownMessageType(0x99), length: 4)) { try Q931Message(parsing: buffer([0x08, 0x01, 0x01, 0x99])) }
        #expect(throws: Q931MessageError(kind: .truncatedElement(identifier: 0x70), length: 7)) {
            try Q931Message(parsing: buffer([0x08, 0x01, 0x01, 0x05, 0x70, 0x05, 0x81]))
        }
        #expect(throws: Q931MessageError(kind: .tooShort, length: 1)) { try Q931Message(parsing: buffer([0x08])) }
    }

    @Test("random bytes never trap; whatever decodes encodes to bytes that decode to it")
    func randomBytes() {
        var generator = SplitMix64Generator(seed: 0x0931)
        var decodedCount = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &generator)
            var input: [UInt8] = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if input.count >= 4, Bool.random(using: &generator) {
                input[0] = 0x08
                input[1] = 0x01
                input[3] = [0x05, 0x45, 0x4D, 0x5A, 0x07][Int.random(in: 0..<5, using: &generator)]
            }
            guard let message = try? Q931Message(parsing: buffer(input)) else { continue }
            decodedCount += 1
            #expect((try? Q931Message(parsing: message.bytes)) == message)
        }
        #expect(decodedCount > 100, "the generator produced too few decodable messages to mean anything")
    }
}
