/// A frame the HDLC decoder had to drop. The decoder reports these as values and carries on
/// with the next flag, so a noisy line never stops the stream.
public struct HDLCFramingError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The FCS did not check: `received` is the FCS on the wire, `computed` what the
        /// content before it gives.
        case badFCS(received: UInt16, computed: UInt16)
        /// Fewer than 4 bytes (address, control, 2 FCS bytes) between two flags.
        case runt
        /// Control escape immediately followed by a flag: the sender aborted the frame.
        case aborted
        /// The frame grew beyond the decoder's maximum; bytes are skipped up to the next flag.
        case tooLong(limit: Int)
        /// The stream ended inside a frame.
        case unterminated
    }

    public var kind: Kind
    /// Offset in the byte stream (counted from the decoder's first byte) of the frame's first
    /// byte after its opening flag.
    public var streamOffset: Int
    /// Bytes of frame content (after removing transparency) seen before the error, FCS included.
    public var length: Int

    public init(kind: Kind, streamOffset: Int, length: Int) {
        self.kind = kind
        self.streamOffset = streamOffset
        self.length = length
    }

    public var description: String {
        let place = "HDLC frame at stream offset \(streamOffset), \(length) bytes"
        switch kind {
        case .badFCS(let received, let computed):
            return "\(place): bad FCS 0x\(hex16(received)), content gives 0x\(hex16(computed))"
        case .runt:
            return "\(place): runt frame, shorter than address + control + FCS (4 bytes)"
        case .aborted:
            return "\(place): aborted by the sender (control escape before flag)"
        case .tooLong(let limit):
            return "\(place): longer than the limit of \(limit) bytes, skipped to the next flag"
        case .unterminated:
            return "\(place): stream ended before the closing flag"
        }
    }
}

func hex16(_ value: UInt16) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

func hex8(_ value: UInt8) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return digits.count == 1 ? "0" + digits : digits
}
