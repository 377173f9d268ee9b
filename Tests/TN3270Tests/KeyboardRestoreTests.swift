import NIOCore
import Testing

@testable import TN3270

/// 3270 Data Stream Programmer's Reference (GA23-0059), "Write Control
/// Character": bit 6 (0x02) restores the keyboard.
@Suite("3270 keyboard restore")
struct KeyboardRestoreTests {
    @Test func writeCommandsWithTheRestoreBit() {
        for command: UInt8 in [0xF1, 0x01, 0xF5, 0x05, 0x7E, 0x0D] {
            #expect(TN3270DataStream.restoresKeyboard([command, 0xC2]), "command \(command)")
            #expect(TN3270DataStream.restoresKeyboard([command, 0xC3, 0x11, 0x40, 0x40]), "command \(command)")
            #expect(!TN3270DataStream.restoresKeyboard([command, 0xC1]), "command \(command) without restore")
            #expect(!TN3270DataStream.restoresKeyboard([command, 0x40]), "command \(command) WCC 0")
            #expect(!TN3270DataStream.restoresKeyboard([command]), "command \(command) missing WCC")
        }
    }

    @Test func eraseAllUnprotectedAlwaysRestores() {
        #expect(TN3270DataStream.restoresKeyboard([0x6F]))
        #expect(TN3270DataStream.restoresKeyboard([0x0F]))
    }

    @Test func otherRecordsDoNotRestore() {
        #expect(!TN3270DataStream.restoresKeyboard([]))
        #expect(!TN3270DataStream.restoresKeyboard([0x7D, 0x40, 0x40]))  // an inbound Enter AID
        #expect(!TN3270DataStream.restoresKeyboard([0xF2]))  // Read Buffer
    }

    @Test func writeStructuredFieldWithOutbound3270DS() {
        // WSF, field length 6, id 0x40 (Outbound 3270DS), partition 0, W, WCC restore
        #expect(TN3270DataStream.restoresKeyboard([0xF3, 0x00, 0x06, 0x40, 0x00, 0xF1, 0xC2]))
        // same with length 0 ("to the end of the data")
        #expect(TN3270DataStream.restoresKeyboard([0x11, 0x00, 0x00, 0x40, 0x00, 0xF5, 0xC3, 0x11]))
        // Read Partition Query (id 0x01) first, then the restoring field
        #expect(TN3270DataStream.restoresKeyboard([0xF3, 0x00, 0x05, 0x01, 0xFF, 0x02, 0x00, 0x06, 0x40, 0x00, 0xF1, 0xC2]))
        // only a query: no restore
        #expect(!TN3270DataStream.restoresKeyboard([0xF3, 0x00, 0x05, 0x01, 0xFF, 0x02]))
        // field length running past the record: no restore, no crash
        #expect(!TN3270DataStream.restoresKeyboard([0xF3, 0x00, 0x40, 0x40, 0x00, 0xF1, 0xC2]))
    }

    @Test func builderWritesWCCThroughTheCodeTable() {
        let record = TN3270DataStream.record(.write, control: [.keyboardRestore, .resetModifiedDataTags])
        #expect(record.bytes == [0xF1, 0xC3])
        #expect(TN3270DataStream.restoresKeyboard(record))
        #expect(TN3270DataStream.record(.eraseWrite).bytes == [0xF5, 0x40])
        #expect(TN3270Record(header: nil, data: record).restoresKeyboard)
        let response = TN3270Record(header: TN3270EHeader(dataType: .response), data: record)
        #expect(!response.restoresKeyboard)
    }
}
