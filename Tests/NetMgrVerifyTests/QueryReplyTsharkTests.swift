import Foundation
import NIOCore
import NetMgrTestSupport
import TN3270
import Testing

/// Wireshark's TN3270 dissector, an independent reader of the 3270 data stream, decodes the
/// Query Reply netmgrd sends as the sizes of the terminal type it claims.
@Suite("Query Reply decoded by tshark")
struct QueryReplyTsharkTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "query-tshark") }

    private static func wire(_ data: ByteBuffer, tn3270e: Bool) -> [UInt8] {
        var bytes = ByteBuffer()
        bytes.writeTN3270Record(header: tn3270e ? TN3270EHeader(dataType: .data3270) : nil, data: data)
        return Array(bytes.readableBytesView)
    }

    @Test("Read Partition Query answered for a model 2 (basic TN3270) and a model 4 (TN3270E)", arguments: [("IBM-3278-2-E", 24, 80), ("IBM-3278-4-E", 43, 80)])
    func decoded(type: String, rows: Int, columns: Int) async throws {
        let tn3270e = rows != 24
        let capture = try SyntheticCapture(path: directory.file("query-\(rows).pcap"), link: .ethernet)
        var flow = TCPFlow(capture, client: Scenarios.vip, port: 41000, host: Scenarios.host, hostPort: Scenarios.port, seed: 21)
        try flow.handshake(at: 0)
        // tshark recognises basic TN3270 only by a bare model 2 terminal type (no @LU suffix);
        // TN3270E by the DEVICE-TYPE exchange.
        let t = tn3270e ? try flow.tn3270eBind(lu: "VIPLU01", at: 1, type: type) : try flow.basicNegotiate(terminalType: type, at: 1)
        let query = ByteBuffer(bytes: [0xF3, 0x00, 0x05, 0x01, 0xFF, 0x02])
        #expect(TN3270DataStream.query(in: query) != nil)
        try flow.send(.host, Self.wire(query, tn3270e: tn3270e), at: t)
        try flow.send(.client, Self.wire(TN3270DataStream.queryReply(to: .init(), deviceType: type), tn3270e: tn3270e), at: t + 1)
        try capture.close()

        let fields = ["tn3270.ua_width_cells_pels", "tn3270.ua_height_cells_pels", "tn3270.ipdd_wd", "tn3270.ipdd_hd",
                      "tn3270.ipdd_wa", "tn3270.ipdd_ha", "tn3270.aid", "_ws.malformed", "_ws.expert.severity"]
        let decoded = try await Tshark.fields(capture.path, fields, filter: "tn3270.aid", telnetPort: Int(Scenarios.port))
        let row = try #require(decoded.first, "tshark found no inbound 3270 record")
        #expect(row[0] == String(columns) && row[1] == String(rows), "usable area \(row[0])x\(row[1])")
        #expect(row[2] == "80" && row[3] == "24", "implicit partition default \(row[2])x\(row[3])")
        #expect(row[4] == String(columns) && row[5] == String(rows), "implicit partition alternate \(row[4])x\(row[5])")
        #expect(row[6] == "0x88", "AID \(row[6])")
        #expect(row[7].isEmpty && row[8].isEmpty, "tshark found the reply malformed or odd: \(row)")
    }
}
