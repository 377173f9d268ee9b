import NIOCore
import SDLC

/// One V.25bis message in an HDLC frame: address 0xFF, control 0x13 (UI, P/F set), IA5 text.
public enum V25bisFrame {
    public static let address: UInt8 = 0xFF
    public static let control: UInt8 = 0x13
    /// Longest text accepted (V.25bis messages are short; a CRN number is at most ~40 digits).
    public static let maximumTextLength = 128
}

/// Reads V.25bis messages from a byte stream with the SDLC module's HDLC decoder.
struct V25bisFrameReader: Sendable {
    var decoder = HDLCFrameDecoder(maximumFrameLength: V25bisFrame.maximumTextLength + 4)
}
