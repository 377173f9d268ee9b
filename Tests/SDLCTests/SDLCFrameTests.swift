import NIOCore
import SDLC
import Testing

@Suite("SDLC control field and frames")
struct SDLCFrameTests {
    @Test func everyControlByteRoundTrips() {
        for value in UInt8.min...UInt8.max {
            #expect(SDLCControl(byte: value).byte == value, "control 0x\(String(value, radix: 16))")
        }
    }

    @Test func informationFramesForEveryNSNRAndPF() {
        for ns in UInt8(0)...7 {
            for nr in UInt8(0)...7 {
                for pf in [false, true] {
                    let byte = nr << 5 | (pf ? 0x10 : 0) | ns << 1
                    #expect(SDLCControl(byte: byte) == .information(ns: ns, nr: nr, pollFinal: pf))
                    #expect(SDLCControl.information(ns: ns, nr: nr, pollFinal: pf).byte == byte)
                }
            }
        }
        #expect(SDLCControl.information(ns: 2, nr: 5, pollFinal: true).byte == 0xB4)
    }

    @Test(arguments: [
        (SDLCSupervisoryFunction.receiveReady, UInt8(0x01)),
        (.receiveNotReady, 0x05),
        (.reject, 0x09),
        (.selectiveReject, 0x0D),
    ])
    func supervisoryFramesForEveryNRAndPF(function: SDLCSupervisoryFunction, base: UInt8) {
        for nr in UInt8(0)...7 {
            for pf in [false, true] {
                let byte = nr << 5 | (pf ? 0x10 : 0) | base
                #expect(SDLCControl(byte: byte) == .supervisory(function, nr: nr, pollFinal: pf))
                #expect(SDLCControl.supervisory(function, nr: nr, pollFinal: pf).byte == byte)
                #expect(SDLCControl(byte: byte).receiveSequence == nr)
            }
        }
    }

    @Test(arguments: [
        (SDLCUnnumberedFunction.setNormalResponseMode, UInt8(0x83), "SNRM"),
        (.unnumberedAcknowledgment, 0x63, "UA"),
        (.disconnect, 0x43, "DISC"),
        (.disconnectedMode, 0x0F, "DM"),
        (.exchangeIdentification, 0xAF, "XID"),
        (.test, 0xE3, "TEST"),
        (.frameReject, 0x87, "FRMR"),
    ])
    func unnumberedFramesWithAndWithoutPF(function: SDLCUnnumberedFunction, byte: UInt8, name: String) {
        #expect(function.rawValue == byte)
        #expect(function.isKnown)
        #expect(function.description == name)
        #expect(SDLCControl(byte: byte) == .unnumbered(function, pollFinal: false))
        #expect(SDLCControl(byte: byte | 0x10) == .unnumbered(function, pollFinal: true))
        #expect(SDLCControl.unnumbered(function, pollFinal: true).byte == byte | 0x10)
        #expect(SDLCControl(byte: byte).receiveSequence == nil)
    }

    @Test func wellKnownControlBytes() {
        #expect(SDLCControl.unnumbered(.snrm, pollFinal: true).byte == 0x93)
        #expect(SDLCControl.unnumbered(.ua, pollFinal: true).byte == 0x73)
        #expect(SDLCControl.unnumbered(.xid, pollFinal: true).byte == 0xBF)
        #expect(SDLCControl.unnumbered(.dm, pollFinal: true).byte == 0x1F)
        #expect(SDLCControl.unnumbered(.frmr, pollFinal: true).byte == 0x97)
        #expect(SDLCControl.supervisory(.receiveReady, nr: 3, pollFinal: true).byte == 0x71)
        #expect(SDLCControl.supervisory(.reject, nr: 7, pollFinal: true).byte == 0xF9)
        #expect(SDLCControl(byte: 0x27) == .unnumbered(SDLCUnnumberedFunction(rawValue: 0x27), pollFinal: false))
        #expect(!SDLCUnnumberedFunction(rawValue: 0x27).isKnown)
        #expect(SDLCUnnumberedFunction(rawValue: 0x93) == .snrm)  // P/F is not part of the function
    }

    @Test func parseAndSerialiseFrames() throws {
        let snrm = try SDLCFrame(parsing: buffer([0xC1, 0x93]))
        #expect(snrm == SDLCFrame(address: 0xC1, control: .unnumbered(.snrm, pollFinal: true)))
        #expect(snrm.information.readableBytes == 0)

        let data = try SDLCFrame(parsing: buffer([0xC1, 0xB4, 0x2C, 0x00, 0x01]))
        #expect(data.address == 0xC1)
        #expect(data.control == .information(ns: 2, nr: 5, pollFinal: true))
        #expect(bytes(data.information) == [0x2C, 0x00, 0x01])
        #expect(bytes(data.bytes) == [0xC1, 0xB4, 0x2C, 0x00, 0x01])
    }

    @Test func tooShortFramesAreErrors() {
        for raw in [[UInt8](), [0xC1]] {
            #expect(throws: SDLCFrameError(length: raw.count)) { try SDLCFrame(parsing: buffer(raw)) }
        }
        #expect(SDLCFrameError(length: 1).description.contains("1 byte"))
    }

    @Test func frameRejectInformationField() throws {
        let reject = SDLCFrameReject(
            rejectedControl: 0xB4, sendState: 3, receiveState: 5, invalidControl: true, informationNotAllowed: true)
        #expect(bytes(reject.information) == [0xB4, 0xA6, 0x03])
        #expect(try SDLCFrameReject(parsing: buffer([0xB4, 0xA6, 0x03])) == reject)

        let reasons: [(SDLCFrameReject, UInt8)] = [
            (SDLCFrameReject(rejectedControl: 0, sendState: 0, receiveState: 0, invalidControl: true), 0x01),
            (SDLCFrameReject(rejectedControl: 0, sendState: 0, receiveState: 0, informationNotAllowed: true), 0x02),
            (SDLCFrameReject(rejectedControl: 0, sendState: 0, receiveState: 0, informationTooLong: true), 0x04),
            (SDLCFrameReject(rejectedControl: 0, sendState: 0, receiveState: 0, invalidReceiveSequence: true), 0x08),
        ]
        for (value, byte) in reasons {
            #expect(bytes(value.information)[2] == byte)
            #expect(try SDLCFrameReject(parsing: value.information) == value)
        }
        let response = SDLCFrameReject(rejectedControl: 0x01, sendState: 7, receiveState: 7, rejectedResponse: true)
        #expect(bytes(response.information) == [0x01, 0xFE, 0x00])
        #expect(throws: SDLCFrameRejectError.self) { try SDLCFrameReject(parsing: buffer([0x01, 0x02])) }
    }
}
