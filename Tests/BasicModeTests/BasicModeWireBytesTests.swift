import BasicMode
import NIOCore
import Testing

@Suite("Basic-mode wire bytes: each element as it was on the wire")
struct BasicModeWireBytesTests {
    /// Decodes `input` split into `chunks` pieces of the given sizes; returns each element's wire bytes.
    static func elementBytes(_ input: [UInt8], splitAt sizes: [Int], limit: Int = BasicModeWireBytes.defaultLimit) -> [[UInt8]?] {
        var decoder = BasicModeDecoder(coding: .ascii)
        var wire = BasicModeWireBytes(limit: limit)
        var result: [[UInt8]?] = []
        var rest = input[...]
        var pieces: [ArraySlice<UInt8>] = []
        for size in sizes where !rest.isEmpty {
            pieces.append(rest.prefix(size))
            rest = rest.dropFirst(size)
        }
        if !rest.isEmpty { pieces.append(rest) }
        for piece in pieces {
            var chunk = ByteBuffer(bytes: piece)
            wire.append(chunk)
            while let output = decoder.decode(buffer: &chunk) {
                if case .element = output { result.append(wire.element(decodedBy: decoder)) }
            }
            wire.trim(decodedBy: decoder)
        }
        return result
    }

    @Test("leading SYNs are dropped; interior SYNs, a bad block check and split reads are kept as sent")
    func asOnTheWire() throws {
        let syn: UInt8 = 0x16
        // SYN SYN A A ENQ (poll), SYN SYN EOT, then a block with a SYN inside its text and a
        // wrong LRC (re-encoding would write the right one).
        let poll: [UInt8] = [0x41, 0x41, 0x05]
        let eot: [UInt8] = [0x04]
        let block: [UInt8] = [0x01, 0x4C, 0x30, 0x32, 0x02, 0x68, syn, 0x69, 0x03, 0x00]
        let input = [syn, syn] + poll + [syn, syn] + eot + [syn] + block
        for sizes in [[input.count], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [3, 7, 2, 5]] {
            let recorded = Self.elementBytes(input, splitAt: sizes)
            #expect(recorded == [poll, eot, block], "split \(sizes)")
        }
    }

    @Test("an element longer than the limit is not held (nil), the next one is")
    func bounded() {
        let block: [UInt8] = [0x02] + Array(repeating: 0x41, count: 40) + [0x03, 0x00]
        let recorded = Self.elementBytes(block + [0x04], splitAt: [10, 10, 10, 10, 10], limit: 16)
        #expect(recorded == [nil, [0x04]])
    }
}
