import ISDN
import NIOCore
import Testing
import NetMgrTestSupport

@Suite("LAPD (Q.921) frames: byte-exact vectors")
struct LAPDFrameTests {
    static let userCommand = LAPDAddress(sapi: 0, commandResponse: false, tei: 0)
    static let userResponse = LAPDAddress(sapi: 0, commandResponse: true, tei: 0)
    static let networkCommand = LAPDAddress(sapi: 0, commandResponse: true, tei: 0)

    @Test("unnumbered frames with and without P/F", arguments: [
        (LAPDUnnumberedFunction.setAsynchronousBalancedModeExtended, true, [UInt8](arrayLiteral: 0x00, 0x01, 0x7F)),
        (.setAsynchronousBalancedModeExtended, false, [0x00, 0x01, 0x6F]),
        (.unnumberedAcknowledgement, true, [0x00, 0x01, 0x73]),
        (.unnumberedAcknowledgement, false, [0x00, 0x01, 0x63]),
        (.disconnect, true, [0x00, 0x01, 0x53]),
        (.disconnect, false, [0x00, 0x01, 0x43]),
        (.disconnectedMode, true, [0x00, 0x01, 0x1F]),
        (.disconnectedMode, false, [0x00, 0x01, 0x0F]),
        (.unnumberedInformation, false, [0x00, 0x01, 0x03]),
    ])
    func unnumbered(function: LAPDUnnumberedFunction, pollFinal: Bool, vector: [UInt8]) throws {
        let frame = LAPDFrame(address: Self.userCommand, control: .unnumbered(function, pollFinal: pollFinal))
        #expect(bytes(frame.bytes) == vector)
        #expect(try LAPDFrame(parsing: buffer(vector)) == frame)
    }

    @Test("I frame: modulo 128, two control octets; the network's command has C/R 1")
    func information() throws {
        let vector: [UInt8] = [0x02, 0x01, 0x0A, 0x07, 0x08, 0x01, 0x81, 0x4D]
        let frame = try LAPDFrame(parsing: buffer(vector))
        #expect(frame.address == Self.networkCommand)
        #expect(frame.control == .information(sendSequence: 5, receiveSequence: 3, poll: true))
        #expect(bytes(frame.information) == [0x08, 0x01, 0x81, 0x4D])
        #expect(bytes(frame.bytes) == vector)
        let high = LAPDFrame(address: Self.userCommand, control: .information(sendSequence: 127, receiveSequence: 126, poll: false))
        #expect(bytes(high.bytes) == [0x00, 0x01, 0xFE, 0xFC])
    }

    @Test("supervisory frames RR, RNR, REJ with N(R) and P/F")
    func supervisory() throws {
        #expect(bytes(LAPDFrame(address: Self.userResponse, control: .supervisory(.receiveReady, receiveSequence: 1, pollFinal: false)).bytes)
                == [0x02, 0x01, 0x01, 0x02])
        #expect(bytes(LAPDFrame(address: Self.userResponse, control: .supervisory(.receiveNotReady, receiveSequence: 2, pollFinal: true)).bytes)
                == [0x02, 0x01, 0x05, 0x05])
        #expect(bytes(LAPDFrame(address: Self.userResponse, control: .supervisory(.reject, receiveSequence: 127, pollFinal: true)).bytes)
                == [0x02, 0x01, 0x09, 0xFF])
        #expect(try LAPDFrame(parsing: buffer([0x02, 0x01, 0x09, 0xFF])).control == .supervisory(.reject, receiveSequence: 127, pollFinal: true))
    }

    @Test("SAPI 63 TEI 127 (management broadcast) address")
    func managementAddress() throws {
        let frame = try LAPDFrame(parsing: buffer([0xFC, 0xFF, 0x03, 0x0F]))
        #expect(frame.address == LAPDAddress(sapi: 63, commandResponse: false, tei: 127))
        #expect(frame.control == .unnumbered(.unnumberedInformation, pollFinal: false))
    }

    @Test("bad frames are refused with a named error")
    func errors() {
        #expect(throws: LAPDFrameError(kind: .tooShort, length: 2)) { try LAPDFrame(parsing: buffer([0x00, 0x01])) }
        #expect(throws: LAPDFrameError(kind: .badAddressExtension, length: 3)) { try LAPDFrame(parsing: buffer([0x01, 0x01, 0x7F])) }
        #expect(throws: LAPDFrameError(kind: .tooShort, length: 3)) { try LAPDFrame(parsing: buffer([0x00, 0x01, 0x00])) }
        #expect(throws: LAPDFrameError(kind: .unknownControl(0x0D), length: 4)) { try LAPDFrame(parsing: buffer([0x00, 0x01, 0x0D, 0x00])) }
        #expect(throws: LAPDFrameError(kind: .informationNotAllowed, length: 4)) { try LAPDFrame(parsing: buffer([0x00, 0x01, 0x7F, 0x00])) }
        let long = [UInt8](repeating: 0, count: 265)
        #expect(throws: LAPDFrameError(kind: .tooLong(limit: 260), length: 269)) { try LAPDFrame(parsing: buffer([0x00, 0x01, 0x00, 0x00] + long)) }
    }

    @Test("random bytes never trap; parsed frames encode back to their bytes")
    func randomBytes() throws {
        var generator = SplitMix64Generator(seed: 0x921)
        var parsed = 0
        for _ in 0..<20_000 {
            let input = (0..<Int.random(in: 0...8, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            guard let frame = try? LAPDFrame(parsing: buffer(input)) else { continue }
            parsed += 1
            // SAPI/TEI and control bits all survive; only I/S frames and U frames are canonical.
            #expect(try LAPDFrame(parsing: frame.bytes) == frame)
        }
        #expect(parsed > 500)
    }
}
