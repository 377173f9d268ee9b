import Dialup
import NIOCore
import SDLC
import Testing

@Suite("Dialup: V.25bis frames and dialogues")
struct V25bisTests {
    @Test("frames are byte-exact: 0x7E, 0xFF, 0x13, IA5 text, CRC-16/X.25 low byte first, 0x7E")
    func vectors() {
        #expect(bytes(V25bisFrame.encoded("VAL")) == V25bisVectors.val)
        #expect(bytes(V25bisFrame.encoded("CRN0300001111")) == V25bisVectors.crn0300001111)
        #expect(bytes(V25bisFrame.encoded("CNX")) == V25bisVectors.cnx)
        #expect(bytes(V25bisFrame.encoded("CFIET")) == V25bisVectors.cfiET)
        #expect(bytes(V25bisFrame.encoded("CIC")) == V25bisVectors.cic)
        #expect(bytes(V25bisFrame.encoded("INC0312340001")) == V25bisVectors.inc0312340001)
    }

    @Test("messages parse and print")
    func messages() {
        #expect(V25bisMessage(text: "CRN0300001111") == .callRequest(number: "0300001111"))
        #expect(V25bisMessage(text: "CFIET") == .callFailure("ET"))
        #expect(V25bisMessage(text: "CFNT") == .callFailure("NT"))
        #expect(V25bisMessage(text: "INVCU") == .invalid)
        #expect(V25bisMessage(text: "INC") == .incoming(callingNumber: nil))
        #expect(V25bisMessage(text: "INC0312340001") == .incoming(callingNumber: "0312340001"))
        #expect(V25bisMessage(text: "CNX").result == .connect(speed: nil))
        #expect(V25bisMessage(text: "XYZ") == .other("XYZ"))
    }

    @Test("the reader skips frames that are not V.25bis (other address/control, binary text) and bad FCS")
    func readerSkips() {
        var stream = ByteBuffer()
        HDLCFrameEncoder.encode(content: [0xC1, 0x13, 0x41], into: &stream)     // SDLC address
        HDLCFrameEncoder.encode(content: [0xFF, 0x13, 0x00, 0x41], into: &stream)  // not IA5
        stream.writeBytes([0x7E, 0xFF, 0x13, 0x56, 0x41, 0x4C, 0xAD, 0x5F, 0x7E])  // bad FCS
        stream.writeBytes(V25bisVectors.val)
        var reader = V25bisFrameReader()
        #expect(reader.messages(in: stream) == [.valid])
        #expect(reader.skippedFrames == 2)
        #expect(reader.framingErrors == 1)
    }

    @Test("call-out: CRN, VAL, CNX → connected; a data frame after CNX comes out with an opening flag")
    func callOut() {
        var dialer = ModemDialer(configuration: .init(protocol: .v25bis, direction: .callOut, number: "0300001111"))
        let started = dialer.start(now: t0)
        #expect(started.compactMap(\.sentBytes) == [V25bisVectors.crn0300001111])
        #expect(dialer.nextDeadline == t0 + .seconds(5))
        #expect(dialer.receive(buffer(V25bisVectors.val), now: t0) == [.setTimer(t0 + .seconds(60))])
        // CNX's closing flag doubles as the data frame's opening flag.
        let actions = dialer.receive(buffer(V25bisVectors.cnx + [0xC1, 0xBF]), now: t0)
        #expect(actions == [.connected(callingNumber: nil), .dataModeBytes(buffer([0x7E, 0xC1, 0xBF]))])
    }

    @Test("call-out: every CFI code fails with it named, after VAL or instead of it", arguments: [
        ("ET", "CFIET (engaged tone, busy)"), ("NT", "CFINT (answer tone not detected)"), ("NS", "CFINS (number not stored)"),
        ("AB", "CFIAB (call aborted on a timeout)"), ("FC", "CFIFC (forbidden call)"), ("RT", "CFIRT (ring tone: the far end rang, no answer)"),
        ("ZZ", "CFIZZ"),
    ])
    func callFailures(code: String, name: String) {
        for valFirst in [true, false] {
            var dialer = ModemDialer(configuration: .init(protocol: .v25bis, direction: .callOut, number: "0300001111"))
            _ = dialer.start(now: t0)
            if valFirst { _ = dialer.receive(buffer(V25bisVectors.val), now: t0) }
            #expect(dialer.receive(V25bisFrame.encoded("CFI" + code), now: t0)
                == [.failed(.v25bisCallFailure(code), reason: "modem reported \(name) to CRN0300001111")])
        }
    }

    @Test("call-out: INV fails; no reply fails after commandTimeout; no CNX fails after connectTimeout")
    func invalidAndTimeouts() {
        var dialer = ModemDialer(configuration: .init(protocol: .v25bis, direction: .callOut, number: "0300001111"))
        _ = dialer.start(now: t0)
        #expect(dialer.receive(V25bisFrame.encoded("INVPS"), now: t0) == [.failed(.v25bisInvalid, reason: "modem answered INV to CRN0300001111")])
        _ = dialer.start(now: t0)
        #expect(dialer.tick(now: t0 + .seconds(5)) == [.failed(nil, reason: "no reply to CRN0300001111 within 5 s")])
        _ = dialer.start(now: t0)
        _ = dialer.receive(buffer(V25bisVectors.val), now: t0 + .seconds(1))
        #expect(dialer.tick(now: t0 + .seconds(60)) == [])
        #expect(dialer.tick(now: t0 + .seconds(61)) == [.failed(nil, reason: "no CNX within 60 s after VAL to CRN0300001111")])
    }

    @Test("call-in: INC with the calling number, CIC, VAL, CNX → connected with it")
    func callIn() {
        var dialer = ModemDialer(configuration: .init(protocol: .v25bis, direction: .callIn))
        #expect(dialer.start(now: t0) == [])
        #expect(dialer.nextDeadline == nil)
        let answered = dialer.receive(buffer(V25bisVectors.inc0312340001), now: t0)
        #expect(answered.compactMap(\.sentBytes) == [V25bisVectors.cic])
        // A repeated INC (the next ring) changes nothing.
        #expect(dialer.receive(buffer(V25bisVectors.inc0312340001), now: t0) == [])
        #expect(dialer.receive(buffer(V25bisVectors.val + V25bisVectors.cnx), now: t0).withoutTimers
            == [.connected(callingNumber: "0312340001")])
    }
}
