/// Something the decoder could not take as a transmission element. It reports these as
/// values and carries on: between elements, the byte that broke a sequence is decoded again as
/// the start of the next one; inside a block, the block is read to its end first.
public struct BasicModeDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// A byte that starts no element (reported once per run of such bytes).
        case unexpectedCharacter(UInt8)
        /// An address character not followed by the same character and ENQ.
        case invalidAddressSequence(first: UInt8, following: UInt8)
        /// DLE followed by a character that makes no sequence (outside a block; or inside one,
        /// which is then read to its end and dropped).
        case invalidDLESequence(UInt8)
        /// A control character inside a heading or normal text (the block is read to its end
        /// and dropped).
        case unexpectedControlCharacter(UInt8)
        /// ENQ inside a block (or STX ENQ, temporary text delay): the sender gave the block
        /// up and expects NAK.
        case abortedBySender
        /// A heading longer than `BasicModeDecoder.maximumHeadingLength`: reported when the
        /// block ends.
        case headingTooLong(limit: Int)
        /// A text longer than the decoder's maximum: reported at the first byte beyond it; the
        /// rest of the block is skipped as noise.
        case textTooLong(limit: Int)
        /// The stream ended inside an element.
        case unterminated
    }

    public var kind: Kind
    /// Offset in the byte stream (from the decoder's first byte) of the element's first byte.
    public var streamOffset: Int
    /// Whether a text block had begun (SOH or STX seen): the receiver answers NAK, as to a
    /// block with a bad block check, so that the sender repeats it.
    public var isBlockError: Bool {
        switch kind {
        case .unexpectedControlCharacter, .abortedBySender, .headingTooLong, .textTooLong: return true
        case .invalidDLESequence: return inBlock
        case .unexpectedCharacter, .invalidAddressSequence, .unterminated: return false
        }
    }
    /// Set for an invalid DLE sequence inside transparent text.
    var inBlock: Bool

    public init(kind: Kind, streamOffset: Int, inBlock: Bool = false) {
        self.kind = kind
        self.streamOffset = streamOffset
        self.inBlock = inBlock
    }

    public var description: String {
        let place = "basic-mode element at stream offset \(streamOffset)"
        switch kind {
        case .unexpectedCharacter(let byte):
            return "\(place): 0x\(hex8(byte)) starts no element; skipped up to the next element"
        case .invalidAddressSequence(let first, let following):
            return "\(place): address character 0x\(hex8(first)) followed by 0x\(hex8(following)), not by itself and ENQ"
        case .invalidDLESequence(let byte):
            return "\(place): DLE followed by 0x\(hex8(byte)), which makes no sequence\(inBlock ? " in transparent text" : "")"
        case .unexpectedControlCharacter(let byte):
            return "\(place): control character 0x\(hex8(byte)) inside a block's heading or normal text; block dropped"
        case .abortedBySender:
            return "\(place): block aborted by the sender (ENQ inside the block)"
        case .headingTooLong(let limit):
            return "\(place): heading longer than \(limit) bytes; block dropped"
        case .textTooLong(let limit):
            return "\(place): text longer than \(limit) bytes; block dropped"
        case .unterminated:
            return "\(place): stream ended inside the element"
        }
    }
}
