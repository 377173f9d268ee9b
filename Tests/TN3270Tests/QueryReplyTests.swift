import NIOCore
import Testing

@testable import TN3270

/// Read Partition Query and the Query Reply a terminal owes an `-E` type (GA23-0059,
/// "Query Reply" structured fields).
@Suite("3270 queries and screens")
struct QueryReplyTests {
    /// Splits an inbound structured-field record into (QCODE, body) pairs.
    private func fields(_ reply: ByteBuffer) -> [(code: UInt8, body: [UInt8])]? {
        let bytes = Array(reply.readableBytesView)
        guard bytes.first == 0x88 else { return nil }
        var result: [(UInt8, [UInt8])] = []
        var offset = 1
        while offset < bytes.count {
            guard offset + 4 <= bytes.count else { return nil }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            guard length >= 4, offset + length <= bytes.count, bytes[offset + 2] == 0x81 else { return nil }
            result.append((bytes[offset + 3], Array(bytes[(offset + 4)..<(offset + length)])))
            offset += length
        }
        return result
    }

    @Test func readPartitionQueryIsRecognised() {
        #expect(TN3270DataStream.query(in: ByteBuffer(bytes: [0xF3, 0x00, 0x05, 0x01, 0xFF, 0x02])) == .init())
        #expect(TN3270DataStream.query(in: ByteBuffer(bytes: [0x11, 0x00, 0x05, 0x01, 0xFF, 0x02])) == .init(), "SNA WSF code")
        #expect(TN3270DataStream.query(in: ByteBuffer(bytes: [0xF3, 0x00, 0x06, 0x01, 0xFF, 0x03, 0x80])) == .init(), "Query List all")
        #expect(TN3270DataStream.query(in: ByteBuffer(bytes: [0xF3, 0x00, 0x08, 0x01, 0xFF, 0x03, 0x00, 0x81, 0x86])) == .init(listed: [0x81, 0x86]))
        #expect(TN3270DataStream.query(in: ByteBuffer(bytes: [0xF3, 0x00, 0x05, 0x01, 0x00, 0x02])) == nil, "partition 0 is a read, not a query")
        #expect(TN3270DataStream.query(in: ByteBuffer(bytes: [0xF5, 0xC3])) == nil)
        #expect(TN3270DataStream.query(in: ByteBuffer(bytes: [0xF3, 0x00, 0x09, 0x01, 0xFF, 0x02])) == nil, "length past the end")
        #expect(TN3270DataStream.query(in: ByteBuffer(bytes: [0xF3, 0x00])) == nil)
    }

    @Test("the reply set for a model 2: Summary first, then sizes 24x80", arguments: ["IBM-3278-2-E", "IBM-3279-2-E"])
    func model2(deviceType: String) throws {
        let reply = try #require(fields(TN3270DataStream.queryReply(to: .init(), deviceType: deviceType)))
        let codes = reply.map(\.code)
        #expect(codes.first == 0x80)
        for required: UInt8 in [0x80, 0x81, 0x86, 0x87, 0x88, 0xA6] { #expect(codes.contains(required), "QCODE \(required)") }
        let summary = reply[0].body
        #expect(Set(summary) == Set(codes), "the Summary lists exactly the replies sent")
        let usable = try #require(reply.first { $0.code == 0x81 }?.body)
        #expect(usable.count == 19)
        #expect(Array(usable[2..<6]) == [0x00, 80, 0x00, 24])
        #expect(Array(usable[17..<19]) == [0x07, 0x80], "buffer 1920")
        let implicit = try #require(reply.first { $0.code == 0xA6 }?.body)
        #expect(implicit == [0x00, 0x00, 0x0B, 0x01, 0x00, 0x00, 80, 0x00, 24, 0x00, 80, 0x00, 24])
        let color = try #require(reply.first { $0.code == 0x86 }?.body)
        #expect(color.count == 2 + 2 * Int(color[1]))
        #expect(color[2...3] == [0x00, 0xF4])
        #expect(reply.first { $0.code == 0x88 }?.body == [0x00, 0x01, 0x02])
    }

    @Test("model sizes come from the terminal type")
    func modelSizes() throws {
        for (type, rows, columns) in [("IBM-3278-3-E", 32, 80), ("IBM-3278-4-E", 43, 80), ("IBM-3279-5-E", 27, 132), ("IBM-3278-2", 24, 80)] {
            let reply = try #require(fields(TN3270DataStream.queryReply(to: .init(), deviceType: type)))
            let usable = try #require(reply.first { $0.code == 0x81 }?.body)
            #expect(Int(usable[2]) << 8 | Int(usable[3]) == columns, "\(type)")
            #expect(Int(usable[4]) << 8 | Int(usable[5]) == rows, "\(type)")
            let implicit = try #require(reply.first { $0.code == 0xA6 }?.body)
            #expect(Array(implicit[5..<9]) == [0x00, 80, 0x00, 24], "default partition is 24x80")
            #expect(Int(implicit[9]) << 8 | Int(implicit[10]) == columns, "\(type) alternate width")
        }
    }

    @Test("Query List of codes answers Summary and the supported ones, or Null")
    func queryList() throws {
        let listed = try #require(fields(TN3270DataStream.queryReply(to: .init(listed: [0x86, 0x99]), deviceType: "IBM-3278-2-E")))
        #expect(listed.map(\.code) == [0x80, 0x86])
        let none = try #require(fields(TN3270DataStream.queryReply(to: .init(listed: [0x99]), deviceType: "IBM-3278-2-E")))
        #expect(none.map(\.code) == [0xFF])
    }

    @Test("the first screen line of a rejection screen, decoded from EBCDIC")
    func screenLine() {
        let text = EBCDIC.encode("HHCTE029I NO AVAILABLE 3270 DEVICES")
        let record = TN3270DataStream.record(.eraseWrite, control: [.resetModifiedDataTags],
                                             orders: [0x11, 0x40, 0x40, 0x1D, 0x60] + text + [0x11, 0xC1, 0x50] + EBCDIC.encode("SECOND LINE"))
        #expect(TN3270DataStream.firstScreenLine(record) == "HHCTE029I NO AVAILABLE 3270 DEVICES")
        #expect(TN3270DataStream.screenRows(record)[1].hasPrefix("SECOND LINE"), "row 2 at address 80 (12-bit 0xC1 0x50)")
        // In an Outbound 3270DS field of a WSF, on a 14-bit address.
        let wsf = ByteBuffer(bytes: [0xF3, 0x00, UInt8(4 + 2 + 3 + text.count), 0x40, 0x00, 0xF5, 0xC3, 0x11, 0x00, 0x05] + text)
        #expect(TN3270DataStream.firstScreenLine(wsf) == "HHCTE029I NO AVAILABLE 3270 DEVICES")
        #expect(TN3270DataStream.firstScreenLine(TN3270DataStream.record(.write, control: [.keyboardRestore])) == nil)
    }

    @Test("screen text never traps on truncated or hostile orders")
    func hostileScreens() {
        let cases: [[UInt8]] = [[0xF5], [0xF5, 0xC3, 0x11], [0xF5, 0xC3, 0x3C, 0xFF, 0xFF], [0xF5, 0xC3, 0x29, 0xFF], [0xF3, 0xFF, 0xFF, 0x40],
                                [0xF1, 0xC3, 0x3C, 0x40, 0x40, 0xC1], [0x6F], [0xF5, 0xC3, 0x1D], [0xF5, 0xC3, 0x08]]
        for bytes in cases { _ = TN3270DataStream.screenRows(ByteBuffer(bytes: bytes)) }
        // Random records that start like host writes: no input may trap the decoders.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let command = [0xF1, 0xF5, 0x7E, 0xF3, 0x11][Int.random(in: 0..<5, using: &generator)] as UInt8
            let body = (0..<Int.random(in: 0..<64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let record = ByteBuffer(bytes: [command] + body)
            _ = TN3270DataStream.screenRows(record, size: TN3270ScreenSize(rows: 2, columns: 3))
            _ = TN3270DataStream.query(in: record)
        }
        #expect(EBCDIC.decode(EBCDIC.encode("Hello, 3270!")) == "Hello, 3270!")
    }
}
