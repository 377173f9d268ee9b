import Foundation

/// Capture files written byte by byte, to exercise the reader's error paths.
enum CaptureFileBytes {
    static func pcapHeader(linkType: UInt32, snaplen: UInt32 = 65535, nanosecond: Bool = false) -> [UInt8] {
        Build.le32(nanosecond ? 0xA1B2_3C4D : 0xA1B2_C3D4) + Build.le16(2) + Build.le16(4) + Build.le32(0) + Build.le32(0)
            + Build.le32(snaplen) + Build.le32(linkType)
    }

    static func pcapRecord(_ data: [UInt8], seconds: UInt32 = 1_700_000_000, micros: UInt32 = 0, caplen: UInt32? = nil, length: UInt32? = nil) -> [UInt8] {
        Build.le32(seconds) + Build.le32(micros) + Build.le32(caplen ?? UInt32(data.count)) + Build.le32(length ?? UInt32(data.count)) + data
    }

    static func pcapngBlock(type: UInt32, body: [UInt8]) -> [UInt8] {
        let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
        let length = UInt32(12 + padded.count)
        return Build.le32(type) + Build.le32(length) + padded + Build.le32(length)
    }

    static func pcapngSectionHeader() -> [UInt8] {
        pcapngBlock(type: 0x0A0D_0D0A, body: Build.le32(0x1A2B_3C4D) + Build.le16(1) + Build.le16(0) + [UInt8](repeating: 0xFF, count: 8))
    }

    static func pcapngInterface(linkType: UInt16, snaplen: UInt32 = 65535) -> [UInt8] {
        pcapngBlock(type: 1, body: Build.le16(linkType) + Build.le16(0) + Build.le32(snaplen))
    }

    static func pcapngPacket(interface: UInt32, _ data: [UInt8]) -> [UInt8] {
        pcapngBlock(type: 6, body: Build.le32(interface) + Build.le32(0) + Build.le32(1) + Build.le32(UInt32(data.count)) + Build.le32(UInt32(data.count)) + data)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
