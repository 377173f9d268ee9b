import NIOCore
import Testing
@testable import X25

/// ISO 7776 modulo 8: addresses A 0x03 (DTE) and B 0x01 (DCE); the control bytes below are
/// the standard's encodings (and Wireshark packet-lapb.c's reading of them).
@Suite struct LAPBFrameTests {
    @Test(arguments: [
        (LAPBFrame(address: 0x01, control: .sabm(poll: true)), [UInt8(0x01), 0x3F]),
        (LAPBFrame(address: 0x01, control: .ua(final: true)), [0x01, 0x73]),
        (LAPBFrame(address: 0x03, control: .ua(final: false)), [0x03, 0x63]),
        (LAPBFrame(address: 0x01, control: .disc(poll: true)), [0x01, 0x53]),
        (LAPBFrame(address: 0x03, control: .dm(final: true)), [0x03, 0x1F]),
        (LAPBFrame(address: 0x03, control: .rr(nr: 3, pollFinal: true)), [0x03, 0x71]),
        (LAPBFrame(address: 0x01, control: .rnr(nr: 7)), [0x01, 0xE5]),
        (LAPBFrame(address: 0x01, control: .rej(nr: 1)), [0x01, 0x29]),
        (LAPBFrame(address: 0x01, control: .information(ns: 2, nr: 5, poll: false), information: ByteBuffer(bytes: [0x10, 0x01, 0x0F])),
         [0x01, 0xA4, 0x10, 0x01, 0x0F]),
        (LAPBFrame(address: 0x01, control: .information(ns: 7, nr: 0, poll: true)), [0x01, 0x1E]),
    ])
    func vector(frame: LAPBFrame, expected: [UInt8]) throws {
        #expect(bytes(frame.bytes) == expected)
        let parsed = try LAPBFrame(parsing: buffer(expected))
        #expect(parsed == frame)
    }

    @Test func frameRejectCarriesTheSDLCFormat() throws {
        // FRMR F of an SREJ (0x0D) with V(S)=2 V(R)=4, command, reason W.
        let reject = SDLCFrameReject(rejectedControl: 0x0D, sendState: 2, receiveState: 4, invalidControl: true)
        let frame = LAPBFrame(address: 0x03, control: .frmr(final: true), information: reject.information)
        #expect(bytes(frame.bytes) == [0x03, 0x97, 0x0D, 0x84, 0x01])
        let parsed = try LAPBFrame(parsing: frame.bytes)
        #expect(parsed.frameReject == reject)
    }

    @Test func controlDecodesEveryByte() {
        for value in 0...255 {
            let byte = UInt8(value)
            let control = LAPBControl(byte: byte)
            #expect(control.byte == byte, "control 0x\(String(byte, radix: 16))")
        }
        #expect(LAPBControl(byte: 0x0D) == .supervisory(.selectiveReject, nr: 0, pollFinal: false))
        #expect(!LAPBUnnumberedFunction(rawValue: 0x83).isKnown)
    }

    @Test func errors() {
        #expect(throws: LAPBFrameError.tooShort(length: 1)) { try LAPBFrame(parsing: buffer([0x01])) }
        #expect(throws: LAPBFrameError.informationTooLong(length: 3, limit: 2)) {
            try LAPBFrame(parsing: buffer([0x01, 0x00, 1, 2, 3]), maximumInformationLength: 2)
        }
    }

    @Test func roles() {
        #expect(LAPBRole.dte.commandAddress == 0x01)
        #expect(LAPBRole.dte.responseAddress == 0x03)
        #expect(LAPBRole.dce.commandAddress == 0x03)
        #expect(LAPBRole.dce.responseAddress == 0x01)
        #expect(LAPBRole.dte.isCommand(receivedAddress: 0x03) == true)
        #expect(LAPBRole.dce.isCommand(receivedAddress: 0x03) == false)
        #expect(LAPBRole.dce.isCommand(receivedAddress: 0x07) == nil)
    }
}
