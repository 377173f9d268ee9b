import Foundation

/// Capture files written byte by byte, for the bad-input tests.
enum PcapBytes {
    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }

    static func header(linkType: UInt32, snaplen: UInt32 = 65535) -> [UInt8] {
        le32(0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(snaplen) + le32(linkType)
    }

    static func record(_ data: [UInt8], seconds: UInt32 = 1_700_000_000, caplen: UInt32? = nil) -> [UInt8] {
        le32(seconds) + le32(0) + le32(caplen ?? UInt32(data.count)) + le32(UInt32(data.count)) + data
    }

    static func block(type: UInt32, body: [UInt8]) -> [UInt8] {
        let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
        let length = UInt32(12 + padded.count)
        return le32(type) + le32(length) + padded + le32(length)
    }

    static let sectionHeader = block(type: 0x0A0D_0D0A, body: le32(0x1A2B_3C4D) + le16(1) + le16(0) + [UInt8](repeating: 0xFF, count: 8))

    static func interface(linkType: UInt16) -> [UInt8] { block(type: 1, body: le16(linkType) + le16(0) + le32(65535)) }

    static func packet(interface: UInt32, _ data: [UInt8]) -> [UInt8] {
        block(type: 6, body: le32(interface) + le32(0) + le32(1) + le32(UInt32(data.count)) + le32(UInt32(data.count)) + data)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
}
