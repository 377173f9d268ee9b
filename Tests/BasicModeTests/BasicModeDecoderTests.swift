import BasicMode
import NIOCore
import Testing

@Suite("Basic-mode decoder: splits, noise, limits, resynchronisation")
struct BasicModeDecoderTests {
    /// A conversation with every kind of element, both block forms and SYN fill.
    static func conversation(_ coding: BasicModeCoding) throws -> (wire: [UInt8], elements: [BasicModeElement]) {
        let encoder = BasicModeEncoder(coding: coding)
        let elements: [BasicModeElement] = [
            .endOfTransmission, .poll(stationA),
            .textBlock(BasicModeTextBlock(lu: 2, message: buffer("first message"), coding: coding)),
            .ack1,
            .textBlock(BasicModeTextBlock(lu: 3, message: buffer([0x10, 0x10, 0x02, 0x03, 0x37, 0x26, 0x00, 0xFF]), coding: coding)),
            .ack0, .endOfTransmission, .select(stationA), .ack0,
            .textBlock(BasicModeTextBlock(text: buffer("no heading"), end: .endOfBlock, isTransparent: false)),
            .negativeAcknowledgment, .waitBeforeTransmit, .enquiry, .reverseInterrupt, .endOfTransmission,
        ]
        var wire: [UInt8] = []
        for element in elements { wire += try encoder.bytes(element) }
        return (wire, elements)
    }

    @Test("the same elements at every split of the stream into two pieces", arguments: BasicModeCoding.allCases)
    func everySplit(_ coding: BasicModeCoding) throws {
        let (wire, elements) = try Self.conversation(coding)
        let expected = elements.map(BasicModeDecoderOutput.element)
        for split in 0...wire.count {
            var decoder = BasicModeDecoder(coding: coding)
            var outputs: [BasicModeDecoderOutput] = []
            var first = buffer(Array(wire[..<split]))
            while let output = decoder.decode(buffer: &first) { outputs.append(output) }
            var second = buffer(Array(wire[split...]))
            while let output = decoder.decode(buffer: &second) { outputs.append(output) }
            #expect(outputs == expected, "split at \(split)")
            #expect(decoder.isBetweenElements)
        }
    }

    @Test("the same elements fed one byte at a time", arguments: BasicModeCoding.allCases)
    func byteAtATime(_ coding: BasicModeCoding) throws {
        let (wire, elements) = try Self.conversation(coding)
        var decoder = BasicModeDecoder(coding: coding)
        var outputs: [BasicModeDecoderOutput] = []
        for byte in wire {
            var piece = buffer([byte])
            while let output = decoder.decode(buffer: &piece) { outputs.append(output) }
            #expect(piece.readableBytes == 0)
        }
        #expect(outputs == elements.map(BasicModeDecoderOutput.element))
    }

    @Test("noise before an element is reported once and skipped")
    func noise() {
        let outputs = decodeAll([0x00, 0x07, 0x08, 0x09, 0x1F, 0x04], coding: .ascii)
        #expect(outputs == [
            .error(BasicModeDecodingError(kind: .unexpectedCharacter(0x00), streamOffset: 0)),
            .element(.endOfTransmission),
        ])
    }

    @Test("broken address sequences resynchronise on the byte that broke them")
    func brokenAddress() {
        // "A B ENQ": not doubled; then "A A 04": not ENQ, and 04 is EOT.
        let outputs = decodeAll([0x41, 0x42, 0x05, 0x41, 0x41, 0x04], coding: .ascii)
        #expect(outputs.first == .error(BasicModeDecodingError(kind: .invalidAddressSequence(first: 0x41, following: 0x42), streamOffset: 0)))
        #expect(outputs.contains(.element(.enquiry)))
        #expect(outputs.last == .element(.endOfTransmission))
    }

    @Test("DLE followed by a stray character is an error; the character is decoded again")
    func strayDLE() {
        let outputs = decodeAll([0x10, 0x04], coding: .ascii)
        #expect(outputs == [
            .error(BasicModeDecodingError(kind: .invalidDLESequence(0x04), streamOffset: 0)),
            .element(.endOfTransmission),
        ])
    }

    @Test("a control character inside a block makes it faulty; the fault is reported at the block's end (one answer per transmission)")
    func controlInText() throws {
        // STX A B EOT NAK ETX <LRC> EOT: EOT and NAK inside the text are not elements.
        let outputs = decodeAll([0x02, 0x41, 0x42, 0x04, 0x15, 0x03, 0x00, 0x04], coding: .ascii)
        #expect(outputs == [
            .error(BasicModeDecodingError(kind: .unexpectedControlCharacter(0x04), streamOffset: 0, inBlock: true)),
            .element(.endOfTransmission),
        ])
        #expect(outputs.first.map { if case .error(let e) = $0 { e.isBlockError } else { false } } == true)
        // The same in transparent text: DLE followed by a stray character.
        let transparent = decodeAll([0x10, 0x02, 0x41, 0x10, 0x04, 0x42, 0x10, 0x03, 0x00, 0x15], coding: .ascii)
        #expect(transparent == [
            .error(BasicModeDecodingError(kind: .invalidDLESequence(0x04), streamOffset: 0, inBlock: true)),
            .element(.negativeAcknowledgment),
        ])
        // And in a heading; ETX there ends the block.
        let heading = decodeAll([0x01, 0x4C, 0x04, 0x03, 0x00, 0x04], coding: .ascii)
        #expect(heading == [
            .error(BasicModeDecodingError(kind: .unexpectedControlCharacter(0x04), streamOffset: 0, inBlock: true)),
            .element(.endOfTransmission),
        ])
    }

    @Test("ENQ inside a block and STX ENQ (temporary text delay) are sender aborts")
    func senderAbort() {
        for wire: [UInt8] in [[0x02, 0x41, 0x05], [0x02, 0x05], [0x01, 0x4C, 0x05], [0x10, 0x02, 0x41, 0x10, 0x05]] {
            let outputs = decodeAll(wire, coding: .ascii)
            #expect(outputs == [.error(BasicModeDecodingError(kind: .abortedBySender, streamOffset: 0, inBlock: true))], "\(wire)")
            #expect(outputs.allSatisfy { if case .error(let e) = $0 { e.isBlockError } else { false } })
        }
    }

    @Test("an oversize text is reported at the first byte beyond the limit, its rest skipped as noise, then decoding goes on", arguments: BasicModeCoding.allCases)
    func oversize(_ coding: BasicModeCoding) throws {
        let encoder = BasicModeEncoder(coding: coding, synchronousIdles: 0)
        for transparent in [false, true] {
            let big = BasicModeTextBlock(heading: .luLocalAddress(2), text: buffer(Array(repeating: 0x41, count: 100)), isTransparent: transparent)
            let fits = BasicModeTextBlock(heading: .luLocalAddress(2), text: buffer(Array(repeating: 0x41, count: 64)), isTransparent: transparent)
            let wire = try encoder.bytes(.textBlock(big)) + encoder.bytes(.textBlock(fits)) + encoder.bytes(.endOfTransmission)
            let outputs = decodeAll(wire, coding: coding, maximumTextLength: 64)
            #expect(outputs == [
                .error(BasicModeDecodingError(kind: .textTooLong(limit: 64), streamOffset: 0, inBlock: true)),
                .element(.textBlock(fits)), .element(.endOfTransmission),
            ])
        }
    }

    @Test("an oversize heading is reported and the rest of the block skipped as noise")
    func oversizeHeading() throws {
        let heading = BasicModeHeading.other(buffer(Array(repeating: 0x48, count: 40)))
        let wire = try BasicModeEncoder(coding: .ascii).bytes(.textBlock(BasicModeTextBlock(heading: heading, text: buffer("x"))))
        let outputs = decodeAll(wire + [0x04], coding: .ascii)
        #expect(outputs == [
            .error(BasicModeDecodingError(kind: .headingTooLong(limit: BasicModeDecoder.maximumHeadingLength), streamOffset: 2, inBlock: true)),
            .element(.endOfTransmission),
        ])
    }

    @Test("the stream ending inside a block is reported by decodeLast")
    func unterminated() {
        var decoder = BasicModeDecoder(coding: .ascii)
        var input = buffer([0x16, 0x16, 0x02, 0x41])
        #expect(decoder.decode(buffer: &input) == nil)
        #expect(decoder.decodeLast(buffer: &input, seenEOF: true) == .error(BasicModeDecodingError(kind: .unterminated, streamOffset: 2)))
        #expect(decoder.isBetweenElements)
        var empty = buffer([])
        #expect(decoder.decodeLast(buffer: &empty, seenEOF: true) == nil)
    }

    @Test("random garbage never traps, output stays bounded, and a clean element decodes after it", arguments: BasicModeCoding.allCases)
    func garbageThenClean(_ coding: BasicModeCoding) throws {
        var random = TestRandom(seed: 0xB5C_0001)
        let encoder = BasicModeEncoder(coding: coding)
        for round in 0..<200 {
            var decoder = BasicModeDecoder(coding: coding, maximumTextLength: 128)
            let garbage = (0..<Int.random(in: 0...600, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            var input = buffer(garbage)
            var outputs = 0
            while let output = decoder.decode(buffer: &input) {
                outputs += 1
                if case .element(.textBlock(let block)) = output { #expect(block.text.readableBytes <= 128) }
            }
            #expect(outputs <= garbage.count)
            // Ends any half-decoded element: 00 breaks a pending DLE, DLE ETX closes transparent
            // text, 00 00 fill a block check, ETX or EOT break everything else.
            let flush = [0, coding.characters.dataLinkEscape, coding.characters.endOfText, 0, 0, coding.characters.endOfTransmission]
            var tail = buffer(flush + (try encoder.bytes(.poll(stationA))))
            var last: BasicModeDecoderOutput?
            while let output = decoder.decode(buffer: &tail) { last = output }
            #expect(last == .element(.poll(stationA)), "round \(round)")
        }
    }
}
