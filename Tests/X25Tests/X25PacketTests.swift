import NIOCore
import Testing
@testable import X25

/// Byte-exact vectors from ITU-T X.25 (1996) §5 and §7 (packet formats, address block,
/// facilities); Wireshark packet-x25.c reads them the same way.
@Suite struct X25PacketTests {
    static let host = X121Address(parsing: "44100001")!
    static let terminal = X121Address(parsing: "44200001")!

    func roundTrip(_ packet: X25Packet, _ expected: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(bytes(packet.bytes) == expected, sourceLocation: sourceLocation)
        let parsed = try X25Packet(parsing: buffer(expected))
        #expect(parsed == packet, sourceLocation: sourceLocation)
    }

    @Test func restart() throws {
        try roundTrip(X25Packet(logicalChannel: 0, body: .restartRequest(X25CauseDiagnostic(cause: 0, diagnostic: 0))), [0x10, 0x00, 0xFB, 0x00, 0x00])
        try roundTrip(X25Packet(logicalChannel: 0, body: .restartRequest(X25CauseDiagnostic(cause: 0x07))), [0x10, 0x00, 0xFB, 0x07])
        try roundTrip(X25Packet(logicalChannel: 0, body: .restartConfirmation), [0x10, 0x00, 0xFF])
    }

    @Test func callRequestWithEvenAddressesFacilitiesAndQLLCUserData() throws {
        let setup = X25CallSetup(
            calledAddress: Self.host, callingAddress: Self.terminal,
            facilities: X25Facilities(packetSize: X25DirectionPair(both: 128), windowSize: X25DirectionPair(both: 2)),
            userData: buffer([0xC3]))
        try roundTrip(
            X25Packet(logicalChannel: 1, body: .callRequest(setup)),
            [0x10, 0x01, 0x0B, 0x88, 0x44, 0x10, 0x00, 0x01, 0x44, 0x20, 0x00, 0x01,
             0x06, 0x42, 0x07, 0x07, 0x43, 0x02, 0x02, 0xC3])
    }

    @Test func callAddressBlockWithOddDigitCounts() throws {
        // Called 123 (3 digits), calling 4567 (4): lengths 0x43, digits 1234567 packed with a
        // zero pad nibble.
        let setup = X25CallSetup(calledAddress: X121Address(parsing: "123")!, callingAddress: X121Address(parsing: "4567")!)
        try roundTrip(X25Packet(logicalChannel: 0x123, body: .callRequest(setup)),
                      [0x11, 0x23, 0x0B, 0x43, 0x12, 0x34, 0x56, 0x70, 0x00])
        // Called 5 digits, calling none.
        let onlyCalled = X25CallSetup(calledAddress: X121Address(parsing: "31102")!)
        try roundTrip(X25Packet(logicalChannel: 1, body: .callRequest(onlyCalled)), [0x10, 0x01, 0x0B, 0x05, 0x31, 0x10, 0x20, 0x00])
    }

    @Test func callAcceptedBasicAndExtended() throws {
        try roundTrip(X25Packet(logicalChannel: 1, body: .callAccepted(X25CallSetup(hasAddressBlock: false))), [0x10, 0x01, 0x0F])
        let setup = X25CallSetup(facilities: X25Facilities(packetSize: X25DirectionPair(fromCalled: 256, fromCalling: 128)))
        try roundTrip(X25Packet(logicalChannel: 1, body: .callAccepted(setup)), [0x10, 0x01, 0x0F, 0x00, 0x03, 0x42, 0x08, 0x07])
    }

    @Test func unknownFacilitiesAreKept() throws {
        // Class A 0x01 (reverse charging), class D 0xC9 (called address extension, length 2).
        let facilities = try X25Facilities(parsing: [0x01, 0x01, 0xC9, 0x02, 0xAA, 0xBB, 0x43, 0x07, 0x07], offset: 0)
        #expect(facilities.windowSize == X25DirectionPair(both: 7))
        #expect(facilities.other == [X25Facility(code: 0x01, parameters: [0x01]), X25Facility(code: 0xC9, parameters: [0xAA, 0xBB])])
        #expect(facilities.bytes == [0x43, 0x07, 0x07, 0x01, 0x01, 0xC9, 0x02, 0xAA, 0xBB])
    }

    /// The facility length is the whole byte (0–109): 0x86 is 134, refused, not 6.
    @Test func facilityLengthIsNotMasked() throws {
        #expect(throws: X25PacketError(field: "facility length", offset: 4, reason: .tooLong(length: 134, limit: 109))) {
            try X25Packet(parsing: buffer([0x10, 0x01, 0x0B, 0x00, 0x86, 0x42, 0x07, 0x07, 0x43, 0x02, 0x02]))
        }
        #expect(throws: X25PacketError(field: "facility length", offset: 4, reason: .tooLong(length: 110, limit: 109))) {
            try X25Packet(parsing: buffer([0x10, 0x01, 0x0B, 0x00, 110] + [UInt8](repeating: 0x01, count: 110)))
        }
        // 109 bytes (window + 53 class A facilities) read; 60 class A facilities (120 bytes)
        // are written as the 54 that fit (108).
        let full = try X25Packet(parsing: buffer([0x10, 0x01, 0x0B, 0x00, 109, 0x43, 0x02, 0x02] + [UInt8](repeating: 0x01, count: 106)))
        guard case .callRequest(let setup) = full.body else { Issue.record("\(full)"); return }
        #expect(setup.facilities.bytes.count == 109)
        let many = X25Facilities(other: Array(repeating: X25Facility(code: 0x01, parameters: [0x01]), count: 60))
        let written = bytes(X25Packet(logicalChannel: 1, body: .callRequest(X25CallSetup(facilities: many))).bytes)
        #expect(written.count == 5 + 108)
        #expect(written[4] == 108)
    }

    @Test func clearResetAndConfirmations() throws {
        try roundTrip(X25Packet(logicalChannel: 1, body: .clearRequest(X25CauseDiagnostic(cause: X25Cause.dteOriginated, diagnostic: 0))), [0x10, 0x01, 0x13, 0x00, 0x00])
        try roundTrip(X25Packet(logicalChannel: 1, body: .clearRequest(X25CauseDiagnostic(cause: X25Cause.numberBusy, diagnostic: 0x31))), [0x10, 0x01, 0x13, 0x01, 0x31])
        try roundTrip(X25Packet(logicalChannel: 1, body: .clearConfirmation), [0x10, 0x01, 0x17])
        try roundTrip(X25Packet(logicalChannel: 1, body: .resetRequest(X25CauseDiagnostic(cause: 0x00, diagnostic: 0x02))), [0x10, 0x01, 0x1B, 0x00, 0x02])
        try roundTrip(X25Packet(logicalChannel: 1, body: .resetConfirmation), [0x10, 0x01, 0x1F])
        try roundTrip(X25Packet(logicalChannel: 1, body: .interrupt(buffer([0x55]))), [0x10, 0x01, 0x23, 0x55])
        try roundTrip(X25Packet(logicalChannel: 1, body: .interruptConfirmation), [0x10, 0x01, 0x27])
        try roundTrip(X25Packet(logicalChannel: 0, body: .diagnostic(code: 38, explanation: buffer([0x10, 0x01]))), [0x10, 0x00, 0xF1, 0x26, 0x10, 0x01])
        #expect(X25Cause.clearingCauseName(0x0D) == "not obtainable")
    }

    @Test func dataWithMAndQAndFlowControl() throws {
        try roundTrip(X25Packet(logicalChannel: 1, body: .data(ps: 3, pr: 6, more: true, payload: buffer([0x2C, 0x00]))), [0x10, 0x01, 0xD6, 0x2C, 0x00])
        try roundTrip(X25Packet(logicalChannel: 1, body: .data(ps: 0, pr: 0, more: false, payload: buffer([0xFF, 0x93])), qualifier: true), [0x90, 0x01, 0x00, 0xFF, 0x93])
        try roundTrip(X25Packet(logicalChannel: 1, body: .data(ps: 7, pr: 1, more: false, payload: buffer([])), deliveryConfirmation: true), [0x50, 0x01, 0x2E])
        try roundTrip(X25Packet(logicalChannel: 1, body: .receiveReady(pr: 4)), [0x10, 0x01, 0x81])
        try roundTrip(X25Packet(logicalChannel: 1, body: .receiveNotReady(pr: 2)), [0x10, 0x01, 0x45])
        try roundTrip(X25Packet(logicalChannel: 1, body: .reject(pr: 7)), [0x10, 0x01, 0xE9])
    }

    @Test func errorsNameFieldAndOffset() {
        #expect(throws: X25PacketError(field: "packet header", offset: 0, reason: .truncated(needed: 3, available: 2))) {
            try X25Packet(parsing: buffer([0x10, 0x01]))
        }
        #expect(throws: X25PacketError(field: "GFI", offset: 0, reason: .unsupportedFormat(gfi: 0x20))) {
            try X25Packet(parsing: buffer([0x20, 0x01, 0x01]))
        }
        #expect(throws: X25PacketError(field: "packet type", offset: 2, reason: .unknownType(0x03))) {
            try X25Packet(parsing: buffer([0x10, 0x01, 0x03]))
        }
        #expect(throws: X25PacketError(field: "address block", offset: 4, reason: .truncated(needed: 8, available: 2))) {
            try X25Packet(parsing: buffer([0x10, 0x01, 0x0B, 0x88, 0x44, 0x10]))
        }
        #expect(throws: X25PacketError(field: "address block digit 1", offset: 4, reason: .invalidDigit(0x0A))) {
            try X25Packet(parsing: buffer([0x10, 0x01, 0x0B, 0x02, 0x1A]))
        }
        #expect(throws: X25PacketError(field: "facility 0x42", offset: 6, reason: .truncated(needed: 2, available: 1))) {
            try X25Packet(parsing: buffer([0x10, 0x01, 0x0B, 0x00, 0x02, 0x42, 0x07]))
        }
        #expect(throws: X25PacketError(field: "packet size facility", offset: 6, reason: .invalidValue(0x0D07))) {
            try X25Packet(parsing: buffer([0x10, 0x01, 0x0B, 0x00, 0x03, 0x42, 0x0D, 0x07]))
        }
        #expect(throws: X25PacketError(field: "clearing cause", offset: 3, reason: .truncated(needed: 1, available: 0))) {
            try X25Packet(parsing: buffer([0x10, 0x01, 0x13]))
        }
        #expect(throws: X25PacketError(field: "packet", offset: 0, reason: .tooLong(length: 5, limit: 4))) {
            try X25Packet(parsing: buffer([0x10, 0x01, 0x00, 1, 2]), maximumLength: 4)
        }
    }

    @Test func x121Address() {
        #expect(X121Address(parsing: "0123456789")?.description == "0123456789")
        #expect(X121Address(parsing: "1234567890123456") == nil)
        #expect(X121Address(parsing: "12a") == nil)
        #expect(X121Address(digits: [10]) == nil)
        #expect(X121Address.empty.isEmpty)
    }
}
