import NIOCore
import NIOEmbedded
import Testing

import SDLC

@Suite("HDLC framing")
struct HDLCCodecTests {
    private func encode(_ content: [UInt8]) -> [UInt8] {
        var out = ByteBuffer()
        HDLCFrameEncoder.encode(content: content, into: &out)
        return bytes(out)
    }

    private func decode(_ chunks: [[UInt8]], decoder: inout HDLCFrameDecoder) -> [HDLCDecoderOutput] {
        var outputs: [HDLCDecoderOutput] = []
        for chunk in chunks {
            var input = buffer(chunk)
            while let output = decoder.decode(buffer: &input) { outputs.append(output) }
            #expect(input.readableBytes == 0)
        }
        return outputs
    }

    private func decode(_ chunks: [[UInt8]]) -> [HDLCDecoderOutput] {
        var decoder = HDLCFrameDecoder()
        return decode(chunks, decoder: &decoder)
    }

    private func frames(_ outputs: [HDLCDecoderOutput]) -> [[UInt8]] {
        outputs.compactMap { if case .frame(let frame) = $0 { bytes(frame) } else { nil } }
    }

    @Test func checkValueOf123456789() {
        #expect(CRC16X25.checksum(Array("123456789".utf8)) == 0x906E)
        #expect(CRC16X25.checksum([UInt8]()) == 0x0000)
    }

    @Test func goodResidueAfterFCS() {
        let data = Array("123456789".utf8)
        let fcs = CRC16X25.checksum(data)
        let withFCS = data + [UInt8(fcs & 0xFF), UInt8(fcs >> 8)]
        #expect(CRC16X25.update(CRC16X25.initialValue, bytes: withFCS) == CRC16X25.goodResidue)
    }

    @Test func knownFrames() {
        // FCS values cross-checked with a bitwise CRC-16/X.25; low byte first on the wire.
        #expect(encode([0xC1, 0x93]) == [0x7E, 0xC1, 0x93, 0x27, 0x7A, 0x7E])  // SNRM, P
        #expect(encode([0xC1, 0x73]) == [0x7E, 0xC1, 0x73, 0x29, 0x9D, 0x7E])  // UA, F
        #expect(CRC16X25.checksum([0xFF, 0x03]) == 0xC21C)
        let actlu: [UInt8] = [0xC1, 0x10, 0x2C, 0x00, 0x01, 0x00, 0x00, 0x01, 0x6B, 0x80, 0x00, 0x0D, 0x01, 0x01]
        #expect(CRC16X25.checksum(actlu) == 0x08D6)
    }

    @Test func transparencyInAddressControlAndData() {
        let content: [UInt8] = [0x7E, 0x7D, 0x7E, 0x00, 0x7D, 0x5E, 0x5D]
        let fcs = CRC16X25.checksum(content)
        #expect(fcs & 0xFF != 0x7E && fcs & 0xFF != 0x7D && fcs >> 8 != 0x7E && fcs >> 8 != 0x7D)
        let wire = encode(content)
        #expect(Array(wire.prefix(11)) == [0x7E, 0x7D, 0x5E, 0x7D, 0x5D, 0x7D, 0x5E, 0x00, 0x7D, 0x5D, 0x5E])
        #expect(!wire.dropFirst().dropLast().contains(0x7E))
        #expect(frames(decode([wire])) == [content])
    }

    // address, control, FCS (low byte is sent first): 0x7E/0x7D in either FCS byte.
    static let fcsCases: [([UInt8], UInt16)] = [
        ([0x09, 0x93], 0x7E4D),
        ([0x6A, 0x73], 0xD67E),
        ([0x02, 0x73], 0x7DEB),
        ([0x7F, 0x11], 0x7D43),
    ]

    @Test(arguments: fcsCases)
    func transparencyInFCS(content: [UInt8], fcs: UInt16) {
        #expect(CRC16X25.checksum(content) == fcs)
        let wire = encode(content)
        func escaped(_ byte: UInt8) -> [UInt8] { byte == 0x7E || byte == 0x7D ? [0x7D, byte ^ 0x20] : [byte] }
        let expected = [0x7E] + content.flatMap(escaped) + escaped(UInt8(fcs & 0xFF)) + escaped(UInt8(fcs >> 8)) + [0x7E]
        #expect(wire == expected)
        #expect(frames(decode([wire])) == [content])
        #expect(frames(decode(wire.map { [$0] })) == [content])
    }

    @Test func byteByByteAndRandomSplits() {
        var random = TestRandom(seed: 42)
        var contents: [[UInt8]] = []
        var stream: [UInt8] = []
        for index in 0..<60 {
            let length = 2 + Int(random.next() % 40)
            // Bias towards the special bytes so transparency is exercised everywhere.
            let content = (0..<length).map { _ -> UInt8 in
                let r = random.next() % 8
                return r == 0 ? 0x7E : r == 1 ? 0x7D : UInt8(truncatingIfNeeded: random.next())
            }
            contents.append(content)
            stream += encode(content)
            if index % 5 == 0 { stream += [0x7E, 0x7E] }  // idle flags between frames
        }
        #expect(frames(decode(stream.map { [$0] })) == contents)
        for _ in 0..<20 {
            var chunks: [[UInt8]] = []
            var position = 0
            while position < stream.count {
                let size = 1 + Int(random.next() % 23)
                chunks.append(Array(stream[position..<min(stream.count, position + size)]))
                position += size
            }
            let outputs = decode(chunks)
            #expect(outputs.count == contents.count)
            #expect(frames(outputs) == contents)
        }
    }

    @Test func sharedAndRepeatedFlags() {
        // One flag closes a frame and opens the next; runs of flags are idle fill.
        let a = encode([0xC1, 0x93])
        let b = encode([0xC1, 0x73])
        let stream = [0x7E, 0x7E, 0x7E] + a + Array(b.dropFirst()) + [0x7E, 0x7E] + a
        #expect(frames(decode([stream])) == [[0xC1, 0x93], [0xC1, 0x73], [0xC1, 0x93]])
    }

    @Test func garbageBeforeTheFirstFlagIsSkipped() {
        let stream: [UInt8] = [0x01, 0x02, 0x7D, 0xFF] + encode([0xC1, 0x93])
        #expect(decode([stream]) == [.frame(buffer([0xC1, 0x93]))])
    }

    @Test func badFCSThenGoodFrame() {
        var bad = encode([0xC1, 0x10, 0x01, 0x02, 0x03])
        bad[4] ^= 0x01  // corrupt one data byte
        let good = encode([0xC1, 0x11])
        let outputs = decode([[0x7E] + bad + good])
        #expect(outputs.count == 2)
        guard case .error(let error) = outputs[0] else {
            Issue.record("expected an error, got \(outputs[0])")
            return
        }
        #expect(error.streamOffset == 2)  // after the idle flag and the opening flag
        #expect(error.length == 7)
        if case .badFCS(let received, let computed) = error.kind {
            #expect(received == CRC16X25.checksum([0xC1, 0x10, 0x01, 0x02, 0x03]))
            #expect(computed == CRC16X25.checksum([0xC1, 0x10, 0x01, 0x03, 0x03]))
        } else {
            Issue.record("expected bad FCS, got \(error.kind)")
        }
        #expect(error.description.contains("stream offset 2"))
        #expect(outputs[1] == .frame(buffer([0xC1, 0x11])))
    }

    @Test func abortedFrameThenGoodFrame() {
        let stream: [UInt8] = [0x7E, 0xC1, 0x10, 0x55, 0x7D, 0x7E] + Array(encode([0xC1, 0x11]).dropFirst())
        let outputs = decode([stream])
        #expect(outputs == [
            .error(HDLCFramingError(kind: .aborted, streamOffset: 1, length: 3)),
            .frame(buffer([0xC1, 0x11])),
        ])
    }

    @Test func runtFrames() {
        let stream: [UInt8] = [0x7E, 0x01, 0x7E, 0xC1, 0x93, 0x27, 0x7E] + encode([0xC1, 0x11])
        let outputs = decode([stream])
        #expect(outputs == [
            .error(HDLCFramingError(kind: .runt, streamOffset: 1, length: 1)),
            .error(HDLCFramingError(kind: .runt, streamOffset: 3, length: 3)),
            .frame(buffer([0xC1, 0x11])),
        ])
    }

    @Test func tooLongFrameIsSkippedToTheNextFlag() {
        var decoder = HDLCFrameDecoder(maximumFrameLength: 16)
        let long = encode([UInt8](repeating: 0x41, count: 40))
        let good = encode([0xC1, 0x11])
        let outputs = decode([long + good], decoder: &decoder)
        #expect(outputs.count == 2)
        if case .error(let error) = outputs.first {
            #expect(error.kind == .tooLong(limit: 16))
            #expect(error.streamOffset == 1)
        } else {
            Issue.record("expected too long, got \(outputs)")
        }
        #expect(outputs.last == .frame(buffer([0xC1, 0x11])))
    }

    @Test func unterminatedFrameAtEndOfStream() {
        var decoder = HDLCFrameDecoder()
        var input = buffer([0x7E, 0xC1, 0x93])
        #expect(decoder.decode(buffer: &input) == nil)
        var empty = ByteBuffer()
        #expect(decoder.decodeLast(buffer: &empty, seenEOF: true) == .error(HDLCFramingError(kind: .unterminated, streamOffset: 1, length: 2)))
        #expect(decoder.decodeLast(buffer: &empty, seenEOF: true) == nil)
    }

    @Test func sdlcFrameRoundTripThroughEncoder() throws {
        let original = SDLCFrame(address: 0xC1, control: .information(ns: 3, nr: 5, pollFinal: true), information: buffer([0x2C, 0x00, 0x7E, 0x7D]))
        var wire = ByteBuffer()
        HDLCFrameEncoder.encode(original, into: &wire)
        var decoder = HDLCFrameDecoder()
        guard case .frame(let content) = decoder.decode(buffer: &wire) else {
            Issue.record("no frame")
            return
        }
        #expect(try SDLCFrame(parsing: content) == original)
    }

    @Test func worksInAChannelPipeline() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HDLCFrameDecoder()))
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(HDLCFrameEncoder()))
        let wire = encode([0xC1, 0x93]) + encode([0xC1, 0x73])
        try channel.writeInbound(buffer(Array(wire.prefix(5))))
        try channel.writeInbound(buffer(Array(wire.dropFirst(5))))
        #expect(try channel.readInbound(as: HDLCDecoderOutput.self) == .frame(buffer([0xC1, 0x93])))
        #expect(try channel.readInbound(as: HDLCDecoderOutput.self) == .frame(buffer([0xC1, 0x73])))
        try channel.writeOutbound(buffer([0xC1, 0x93]))
        #expect(try channel.readOutbound(as: ByteBuffer.self).map(bytes) == encode([0xC1, 0x93]))
        #expect(try channel.finish().isClean)
    }
}
