import BasicMode
import NIOCore
import Testing

@Suite("Basic-mode codec: block checks, control sequences, text blocks")
struct BasicModeCodecTests {
    @Test("CRC-16/ARC check value of \"123456789\" is 0xBB3D; covered bytes plus CRC give residue 0")
    func crc16Vector() {
        let data = Array("123456789".utf8)
        #expect(BasicModeCRC16.value(of: data) == 0xBB3D)
        #expect(BasicModeBlockCheck.crc16.value(of: data) == 0xBB3D)
        #expect(BasicModeBlockCheck.crc16.wireBytes(0xBB3D) == [0x3D, 0xBB])
        #expect(BasicModeCRC16.value(of: data + [0x3D, 0xBB]) == 0)
        #expect(BasicModeCRC16.value(of: [UInt8]()) == 0)
    }

    @Test("LRC is the exclusive or of the covered bytes")
    func lrcVector() {
        #expect(BasicModeLRC.value(of: [0x41, 0x42, 0x03]) == 0x00)
        #expect(BasicModeLRC.value(of: [0x4C, 0x30, 0x32, 0x02, 0x48, 0x45, 0x4C, 0x4C, 0x4F, 0x03]) == 0x0D)
        #expect(BasicModeBlockCheck.longitudinalRedundancy.value(of: Array("123456789".utf8)) == 0x31)
        #expect(BasicModeBlockCheck.longitudinalRedundancy.wireBytes(0x31) == [0x31])
    }

    static let controlVectors: [(BasicModeCoding, BasicModeElement, [UInt8])] = [
        (.ascii, .poll(stationA), [0x41, 0x41, 0x05]),
        (.ascii, .select(stationA), [0x61, 0x61, 0x05]),
        (.ascii, .endOfTransmission, [0x04]),
        (.ascii, .enquiry, [0x05]),
        (.ascii, .ack0, [0x10, 0x30]),
        (.ascii, .ack1, [0x10, 0x31]),
        (.ascii, .negativeAcknowledgment, [0x15]),
        (.ascii, .waitBeforeTransmit, [0x10, 0x3B]),
        (.ascii, .reverseInterrupt, [0x10, 0x3C]),
        (.ebcdic, .poll(BasicModeStationAddress(rawValue: 0xC1)!), [0xC1, 0xC1, 0x2D]),
        (.ebcdic, .select(BasicModeStationAddress(rawValue: 0xC1)!), [0xE1, 0xE1, 0x2D]),
        (.ebcdic, .poll(BasicModeStationAddress(rawValue: 0x40)!), [0x40, 0x40, 0x2D]),
        (.ebcdic, .select(BasicModeStationAddress(rawValue: 0x40)!), [0x60, 0x60, 0x2D]),
        (.ebcdic, .endOfTransmission, [0x37]),
        (.ebcdic, .enquiry, [0x2D]),
        (.ebcdic, .ack0, [0x10, 0x70]),
        (.ebcdic, .ack1, [0x10, 0x61]),
        (.ebcdic, .negativeAcknowledgment, [0x3D]),
        (.ebcdic, .waitBeforeTransmit, [0x10, 0x6B]),
        (.ebcdic, .reverseInterrupt, [0x10, 0x7C]),
    ]

    @Test("every control sequence encodes and decodes byte for byte, in both codings", arguments: 0..<controlVectors.count)
    func controlSequence(_ index: Int) throws {
        let (coding, element, wire) = Self.controlVectors[index]
        let plain = BasicModeEncoder(coding: coding, synchronousIdles: 0)
        #expect(try plain.bytes(element) == wire, "\(coding) \(element)")
        let withSyn = BasicModeEncoder(coding: coding)
        let syn = coding.characters.synchronousIdle
        #expect(try withSyn.bytes(element) == [syn, syn] + wire)
        #expect(decodeAll([syn, syn] + wire, coding: coding) == [.element(element)])
        #expect(decodeAll(wire, coding: coding) == [.element(element)])
    }

    static let blockVectors: [(BasicModeCoding, UInt8, [UInt8], Bool, [UInt8])] = [
        (.ascii, 2, Array("HELLO".utf8), false, [0x01, 0x4C, 0x30, 0x32, 0x02, 0x48, 0x45, 0x4C, 0x4C, 0x4F, 0x03, 0x0D]),
        (.ebcdic, 2, [0xC8, 0xC5, 0xD3, 0xD3, 0xD6], false,
         [0x01, 0xD3, 0xF0, 0xF2, 0x02, 0xC8, 0xC5, 0xD3, 0xD3, 0xD6, 0x03, 0x56, 0xBA]),
        (.ascii, 3, [0x10, 0x02, 0x03], true, [0x01, 0x4C, 0x30, 0x33, 0x10, 0x02, 0x10, 0x10, 0x02, 0x03, 0x10, 0x03, 0x5F]),
        (.ebcdic, 3, [0x10, 0x02, 0x03], true, [0x01, 0xD3, 0xF0, 0xF3, 0x10, 0x02, 0x10, 0x10, 0x02, 0x03, 0x10, 0x03, 0x35, 0xB4]),
    ]

    @Test("LU text blocks: heading SOH L h h, transparency only when needed, BCC as computed by hand", arguments: 0..<blockVectors.count)
    func luBlock(_ index: Int) throws {
        let (coding, lu, text, transparent, wire) = Self.blockVectors[index]
        let block = BasicModeTextBlock(lu: lu, message: buffer(text), coding: coding)
        #expect(block.isTransparent == transparent)
        #expect(block.luLocalAddress == lu)
        let encoder = BasicModeEncoder(coding: coding, synchronousIdles: 0)
        #expect(try encoder.bytes(.textBlock(block)) == wire)
        let decoded = decodeAll(wire, coding: coding)
        #expect(decoded == [.element(.textBlock(block))])
    }

    @Test("LU heading bytes for every address survive encode and parse in both codings")
    func luHeadings() {
        #expect(BasicModeHeading.luLocalAddress(0xAF).bytes(in: .ascii) == [0x4C, 0x41, 0x46])
        #expect(BasicModeHeading.luLocalAddress(0xAF).bytes(in: .ebcdic) == [0xD3, 0xC1, 0xC6])
        for coding in BasicModeCoding.allCases {
            for lu in UInt8.min...UInt8.max {
                let heading = BasicModeHeading.luLocalAddress(lu)
                #expect(BasicModeHeading(parsing: heading.bytes(in: coding), coding: coding) == heading)
            }
        }
        // Lower-case digits or another marker are some other heading.
        #expect(BasicModeHeading(parsing: [0x4C, 0x61, 0x62], coding: .ascii) == .other(buffer([0x4C, 0x61, 0x62])))
        #expect(BasicModeHeading(parsing: [0x4C, 0x30], coding: .ascii) == .other(buffer([0x4C, 0x30])))
    }

    @Test("a block without heading, ending ETB, normal text")
    func blockWithoutHeading() throws {
        let block = BasicModeTextBlock(text: buffer("AB"), end: .endOfBlock, isTransparent: false)
        let ascii = try BasicModeEncoder(coding: .ascii, synchronousIdles: 0).bytes(.textBlock(block))
        #expect(ascii == [0x02, 0x41, 0x42, 0x17, 0x41 ^ 0x42 ^ 0x17])
        #expect(decodeAll(ascii, coding: .ascii) == [.element(.textBlock(block))])
        let ebcdic = try BasicModeEncoder(coding: .ebcdic, synchronousIdles: 0).bytes(.textBlock(block))
        let crc = BasicModeCRC16.value(of: [0x41, 0x42, 0x26])
        #expect(ebcdic == [0x02, 0x41, 0x42, 0x26, UInt8(crc & 0xFF), UInt8(crc >> 8)])
        #expect(decodeAll(ebcdic, coding: .ebcdic) == [.element(.textBlock(block))])
    }

    @Test("transparent text doubles every DLE and carries every byte value")
    func transparency() throws {
        let all = (UInt8.min...UInt8.max).map { $0 } + [0x10, 0x10, 0x10]
        for coding in BasicModeCoding.allCases {
            let block = BasicModeTextBlock(lu: 0x10, message: buffer(all), coding: coding)
            #expect(block.isTransparent)
            let wire = try BasicModeEncoder(coding: coding, synchronousIdles: 0).bytes(.textBlock(block))
            // 256 + 3 text bytes, 4 of them DLE and doubled; SOH L 1 0 DLE STX; DLE ETX; BCC.
            #expect(wire.count == 6 + 259 + 4 + 2 + coding.blockCheck.length)
            let dleRuns = zip(wire.dropFirst(6), wire.dropFirst(7)).filter { $0 == (0x10, 0x10) }.count
            #expect(dleRuns >= 4)
            #expect(decodeAll(wire, coding: coding) == [.element(.textBlock(block))])
        }
    }

    @Test("transparent DLE SYN is idle fill, left out of the text and the block check")
    func transparentFill() throws {
        let block = BasicModeTextBlock(lu: 2, message: buffer([0x10, 0x41]), coding: .ascii)
        var wire = try BasicModeEncoder(coding: .ascii, synchronousIdles: 0).bytes(.textBlock(block))
        // After DLE STX (offset 5): insert DLE SYN.
        wire.insert(contentsOf: [0x10, 0x16], at: 6)
        #expect(decodeAll(wire, coding: .ascii) == [.element(.textBlock(block))])
    }

    @Test("the encoder refuses control characters in a heading or in normal text")
    func encoderRefuses() {
        let encoder = BasicModeEncoder(coding: .ascii)
        let badText = BasicModeTextBlock(heading: .luLocalAddress(1), text: buffer([0x41, 0x03]), isTransparent: false)
        #expect(throws: BasicModeEncodingError(kind: .controlCharacterInText(0x03), offset: 1)) {
            try encoder.bytes(.textBlock(badText))
        }
        let badHeading = BasicModeTextBlock(heading: .other(buffer([0x41, 0x04])), text: buffer("x"))
        #expect(throws: BasicModeEncodingError(kind: .controlCharacterInHeading(0x04), offset: 1)) {
            try encoder.bytes(.textBlock(badHeading))
        }
        // 0x32 is ASCII "2" but EBCDIC SYN.
        let ebcdicHeading = BasicModeTextBlock(heading: .other(buffer([0x32])), text: buffer("x"))
        #expect(throws: BasicModeEncodingError.self) { try BasicModeEncoder(coding: .ebcdic).bytes(.textBlock(ebcdicHeading)) }
        #expect((try? encoder.bytes(.textBlock(ebcdicHeading))) != nil)
    }

    @Test("a bad block check is decoded with the mismatch, and re-encoded byte for byte")
    func badBlockCheck() throws {
        for coding in BasicModeCoding.allCases {
            let block = BasicModeTextBlock(lu: 2, message: buffer("PAYLOAD"), coding: coding)
            var wire = try BasicModeEncoder(coding: coding, synchronousIdles: 0).bytes(.textBlock(block))
            wire[wire.count - 1] ^= 0x5A
            let outputs = decodeAll(wire, coding: coding)
            guard case .element(.textBlock(let decoded)) = try #require(outputs.first), outputs.count == 1 else {
                Issue.record("\(coding): \(outputs)")
                continue
            }
            let mismatch = try #require(decoded.blockCheckMismatch)
            #expect(!decoded.hasValidBlockCheck)
            #expect(mismatch.received != mismatch.computed)
            #expect(decoded.text == block.text)
            #expect(try BasicModeEncoder(coding: coding, synchronousIdles: 0).bytes(.textBlock(decoded)) == wire)
        }
    }

    @Test("station addresses: poll A, select A | 0x20; below 0x40 or with bit 5 set is refused")
    func stationAddresses() throws {
        #expect(stationA.pollCharacter == 0x41)
        #expect(stationA.selectCharacter == 0x61)
        #expect(BasicModeStationAddress(rawValue: 0x61) == nil)
        #expect(BasicModeStationAddress(rawValue: 0x3F) == nil)
        #expect(BasicModeStationAddress(rawValue: 0x01) == nil)
        #expect(throws: BasicModeStationAddressError(rawValue: 0x20)) { try BasicModeStationAddress(validating: 0x20) }
        let valid = (UInt8.min...UInt8.max).filter(BasicModeStationAddress.isValid)
        #expect(valid.count == 96)
        for coding in BasicModeCoding.allCases {
            for raw in valid {
                let address = try BasicModeStationAddress(validating: raw)
                #expect(!coding.characters.isControl(address.pollCharacter))
                #expect(!coding.characters.isControl(address.selectCharacter))
                let select = BasicModeStationAddress.parse(addressCharacter: address.selectCharacter)
                #expect(select?.address == address && select?.isSelect == true)
                let poll = BasicModeStationAddress.parse(addressCharacter: address.pollCharacter)
                #expect(poll?.address == address && poll?.isSelect == false)
            }
        }
    }

    @Test("the control character tables match DESIGN.md §4")
    func controlTables() {
        let ascii = BasicModeCoding.ascii.characters
        #expect(ascii.all == [0x01, 0x02, 0x03, 0x17, 0x04, 0x05, 0x15, 0x10, 0x16])
        let ebcdic = BasicModeCoding.ebcdic.characters
        #expect(ebcdic.all == [0x01, 0x02, 0x03, 0x26, 0x37, 0x2D, 0x3D, 0x10, 0x32])
        #expect(BasicModeCoding.ascii.blockCheck == .longitudinalRedundancy)
        #expect(BasicModeCoding.ebcdic.blockCheck == .crc16)
    }
}
