import NIOCore

/// What the decoder yields per step.
public enum BasicModeDecoderOutput: Hashable, Sendable {
    case element(BasicModeElement)
    case error(BasicModeDecodingError)
}

/// Single-step decoder of basic-mode transmission elements from a byte stream in one coding.
/// It keeps its state between calls, so any split of the stream decodes the same, and it is
/// bounded: a heading is at most `maximumHeadingLength` bytes and a text at most
/// `maximumTextLength` (transparency removed). A longer heading makes the block faulty (reported
/// at its end); at the first text byte beyond the limit the block is reported as an error and
/// decoding starts over with the next byte (the rest of the block is skipped as noise). SYN fill is dropped everywhere except as data in transparent text.
///
/// A text block whose block check does not match is still yielded as an element, with
/// `blockCheckMismatch` set (the receiver answers NAK). Framing faults are yielded as
/// `.error`, and decoding goes on with the next element. Inside a block, as BSC receivers do,
/// only ETB, ETX and ENQ (DLE ETB, DLE ETX, DLE ENQ in transparent text) are looked for: a
/// stray control character or DLE sequence makes the block faulty, and the fault is reported
/// once the block has ended, so that one transmission gives one answer. ENQ aborts the block
/// at once (the sender's abort, or its reply request after a timeout).
public struct BasicModeDecoder: NIOSingleStepByteToMessageDecoder, Sendable {
    public typealias InboundOut = BasicModeDecoderOutput

    public static let defaultMaximumTextLength = 4096
    public static let maximumHeadingLength = 32

    public let coding: BasicModeCoding
    public let maximumTextLength: Int

    private enum State: Sendable {
        case control
        case controlEscape  // DLE seen between elements
        case address(first: UInt8, doubled: Bool)
        case heading
        case headingEscape  // DLE in a heading: DLE STX starts transparent text
        case text
        case transparent
        case transparentEscape
        case blockCheck(seen: Int)
    }

    private let characters: BasicModeControlCharacters
    private let check: BasicModeBlockCheck
    private var state = State.control
    private var garbageRun = false  // suppresses repeated errors for a run of noise
    private var hasHeading = false
    private var heading: [UInt8] = []
    private var text: ByteBuffer
    private var isTransparent = false
    private var end = BasicModeTextBlock.End.endOfText
    private var register: UInt16 = 0
    private var receivedCheck: UInt16 = 0
    /// The first fault of the block being read: it is read on to its end (ETB/ETX and block
    /// check) and then reported, so that the answer (NAK) comes when the sender expects it.
    private var fault: BasicModeDecodingError.Kind?
    private var textSeen = 0  // text bytes of the block so far, faulty ones included
    private var streamOffset = 0  // offset of the next byte to look at
    private var elementStart = 0

    public init(coding: BasicModeCoding, maximumTextLength: Int = BasicModeDecoder.defaultMaximumTextLength) {
        self.coding = coding
        self.maximumTextLength = max(1, maximumTextLength)
        self.characters = coding.characters
        self.check = coding.blockCheck
        self.text = ByteBufferAllocator().buffer(capacity: 256)
    }

    /// Bytes taken from the stream so far (the offset of the next byte).
    public var streamPosition: Int { streamOffset }

    /// Where in the stream the element being decoded starts (its first character after
    /// leading SYNs); right after `decode` yields an `.element`, that element's bytes on the
    /// wire are `elementStart..<streamPosition` (interior SYNs and DLE doubling included), so
    /// a recorder can keep them as they were sent.
    public var elementStreamStart: Int { elementStart }

    /// True between elements (nothing half-decoded).
    public var isBetweenElements: Bool {
        if case .control = state { return true }
        return false
    }

    public mutating func decode(buffer: inout ByteBuffer) -> BasicModeDecoderOutput? {
        var output: BasicModeDecoderOutput? = nil
        let used = buffer.withUnsafeReadableBytes { bytes -> Int in
            var index = 0
            while index < bytes.count, output == nil {
                // A run of text is copied and checked in one go, up to the length limit (the
                // byte beyond it goes through `step`, which reports it).
                let room = maximumTextLength - textSeen
                if room > 0, case .text = state, fault == nil, !characters.isControl(bytes[index]) {
                    var end = index + 1
                    let limit = min(bytes.count, index + room)
                    while end < limit, !characters.isControl(bytes[end]) { end += 1 }
                    appendRun(UnsafeRawBufferPointer(rebasing: bytes[index..<end]))
                    index = end
                    continue
                }
                if room > 0, case .transparent = state, fault == nil, bytes[index] != characters.dataLinkEscape {
                    var end = index + 1
                    let limit = min(bytes.count, index + room)
                    while end < limit, bytes[end] != characters.dataLinkEscape { end += 1 }
                    appendRun(UnsafeRawBufferPointer(rebasing: bytes[index..<end]))
                    index = end
                    continue
                }
                var consumed = true
                output = step(bytes[index], offset: streamOffset + index, consumed: &consumed)
                if consumed { index += 1 }
            }
            return index
        }
        buffer.moveReaderIndex(forwardBy: used)
        streamOffset += used
        return output
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) -> BasicModeDecoderOutput? {
        if let output = decode(buffer: &buffer) { return output }
        guard seenEOF, !isBetweenElements else { return nil }
        let error = BasicModeDecodingError(kind: .unterminated, streamOffset: elementStart)
        state = .control
        return .error(error)
    }

    /// Decodes every whole element in `bytes` (a convenience for tests and tools that
    /// hold a complete transmission, such as one capture record).
    public mutating func decodeAll(_ bytes: ByteBuffer) -> [BasicModeDecoderOutput] {
        var buffer = bytes
        var outputs: [BasicModeDecoderOutput] = []
        while let output = decode(buffer: &buffer) { outputs.append(output) }
        return outputs
    }

    // MARK: - One byte

    /// `consumed` false: the byte ended a broken element and is decoded again in control mode.
    private mutating func step(_ byte: UInt8, offset: Int, consumed: inout Bool) -> BasicModeDecoderOutput? {
        let c = characters
        switch state {
        case .control:
            return controlByte(byte, offset: offset)

        case .controlEscape:
            state = .control
            switch byte {
            case c.evenAcknowledgment: return element(.ack0)
            case c.oddAcknowledgment: return element(.ack1)
            case c.waitBeforeTransmit: return element(.waitBeforeTransmit)
            case c.reverseInterrupt: return element(.reverseInterrupt)
            case c.startOfText:
                beginBlock(offset: elementStart, withHeading: false)
                isTransparent = true
                state = .transparent
                return nil
            default:
                consumed = false
                return noise(.invalidDLESequence(byte), at: elementStart)
            }

        case .address(let first, let doubled):
            if byte == c.synchronousIdle { return nil }
            if !doubled, byte == first {
                state = .address(first: first, doubled: true)
                return nil
            }
            state = .control
            if doubled, byte == c.enquiry, let (address, isSelect) = BasicModeStationAddress.parse(addressCharacter: first) {
                return element(isSelect ? .select(address) : .poll(address))
            }
            consumed = false
            return noise(.invalidAddressSequence(first: first, following: byte), at: elementStart)

        case .heading:
            switch byte {
            case c.startOfText:
                register = check.update(register, byte: byte)
                textSeen = 0
                state = .text
                return nil
            case c.dataLinkEscape:
                state = .headingEscape
                return nil
            case c.synchronousIdle:
                return nil
            case c.enquiry:
                return blockError(.abortedBySender)
            case c.endOfText, c.endOfTransmissionBlock:
                noteFault(.unexpectedControlCharacter(byte))
                return endBlock(with: byte)
            default:
                // Beyond the heading limit the block is faulty but read on to its end (one
                // answer); beyond heading and text limits together it is given up at once.
                guard textSeen < Self.maximumHeadingLength + maximumTextLength else {
                    return tooLong(.headingTooLong(limit: Self.maximumHeadingLength))
                }
                textSeen += 1
                register = check.update(register, byte: byte)
                if c.isControl(byte) {
                    noteFault(.unexpectedControlCharacter(byte))
                } else if heading.count < Self.maximumHeadingLength {
                    heading.append(byte)
                } else {
                    noteFault(.headingTooLong(limit: Self.maximumHeadingLength))
                }
                return nil
            }

        case .headingEscape:
            if byte == c.startOfText {
                register = check.update(register, byte: byte)
                textSeen = 0
                isTransparent = true
                state = .transparent
                return nil
            }
            state = .heading
            noteFault(.invalidDLESequence(byte))
            consumed = false  // read again as a heading character (ETX/ETB end the block)
            return nil

        case .text:
            switch byte {
            case c.endOfText, c.endOfTransmissionBlock:
                return endBlock(with: byte)
            case c.synchronousIdle:
                return nil
            case c.enquiry:
                return blockError(.abortedBySender)
            default:
                if c.isControl(byte) {
                    // BSC receivers look only for ETB, ETX and ENQ in text.
                    noteFault(.unexpectedControlCharacter(byte))
                }
                return appendText(byte)
            }

        case .transparent:
            if byte == c.dataLinkEscape {
                state = .transparentEscape
                return nil
            }
            return appendText(byte)

        case .transparentEscape:
            switch byte {
            case c.dataLinkEscape:
                state = .transparent
                return appendText(byte)
            case c.synchronousIdle:
                state = .transparent
                return nil
            case c.endOfText, c.endOfTransmissionBlock:
                return endBlock(with: byte)
            case c.enquiry:
                return blockError(.abortedBySender)
            default:
                state = .transparent
                noteFault(.invalidDLESequence(byte))
                return appendText(byte)
            }

        case .blockCheck(let seen):
            receivedCheck |= UInt16(byte) << (8 * UInt16(seen))
            guard seen + 1 == check.length else {
                state = .blockCheck(seen: seen + 1)
                return nil
            }
            return finishBlock()
        }
    }

    private mutating func controlByte(_ byte: UInt8, offset: Int) -> BasicModeDecoderOutput? {
        let c = characters
        elementStart = offset
        switch byte {
        case c.synchronousIdle:
            return nil
        case c.endOfTransmission:
            return element(.endOfTransmission)
        case c.enquiry:
            return element(.enquiry)
        case c.negativeAcknowledgment:
            return element(.negativeAcknowledgment)
        case c.dataLinkEscape:
            state = .controlEscape
            return nil
        case c.startOfHeading:
            beginBlock(offset: offset, withHeading: true)
            state = .heading
            return nil
        case c.startOfText:
            beginBlock(offset: offset, withHeading: false)
            state = .text
            return nil
        default:
            if byte >= 0x40 {
                state = .address(first: byte, doubled: false)
                return nil
            }
            return noise(.unexpectedCharacter(byte), at: offset)
        }
    }

    // MARK: - Pieces

    private mutating func element(_ element: BasicModeElement) -> BasicModeDecoderOutput {
        garbageRun = false
        state = .control
        return .element(element)
    }

    /// An error between elements: reported for the first of a run only.
    private mutating func noise(_ kind: BasicModeDecodingError.Kind, at offset: Int) -> BasicModeDecoderOutput? {
        state = .control
        defer { garbageRun = true }
        return garbageRun ? nil : .error(BasicModeDecodingError(kind: kind, streamOffset: offset))
    }

    private mutating func blockError(_ kind: BasicModeDecodingError.Kind) -> BasicModeDecoderOutput {
        state = .control
        garbageRun = false
        clearBlock()
        return .error(BasicModeDecodingError(kind: kind, streamOffset: elementStart, inBlock: true))
    }

    private mutating func beginBlock(offset: Int, withHeading: Bool) {
        garbageRun = false
        elementStart = offset
        hasHeading = withHeading
        clearBlock()
    }

    private mutating func noteFault(_ kind: BasicModeDecodingError.Kind) {
        if fault == nil { fault = kind }
    }

    private mutating func clearBlock() {
        heading.removeAll(keepingCapacity: true)
        text.clear()
        isTransparent = false
        register = 0
        receivedCheck = 0
        fault = nil
        textSeen = 0
    }

    /// One text byte (a fault's byte too: it counts toward the limit). Beyond the limit the
    /// block is given up at once and decoding starts over, so a block whose end was lost
    /// cannot swallow the line.
    private mutating func appendText(_ byte: UInt8) -> BasicModeDecoderOutput? {
        guard textSeen < maximumTextLength else {
            return tooLong(.textTooLong(limit: maximumTextLength))
        }
        textSeen += 1
        register = check.update(register, byte: byte)
        if fault == nil { text.writeInteger(byte) }
        return nil
    }

    /// A run that fits the limit, with no fault so far.
    private mutating func appendRun(_ bytes: UnsafeRawBufferPointer) {
        textSeen += bytes.count
        for byte in bytes { register = check.update(register, byte: byte) }
        text.writeBytes(bytes)
    }

    private mutating func tooLong(_ kind: BasicModeDecodingError.Kind) -> BasicModeDecoderOutput {
        let output = blockError(kind)
        garbageRun = true  // the rest of the block is noise: one error is enough
        return output
    }

    private mutating func endBlock(with endCharacter: UInt8) -> BasicModeDecoderOutput? {
        register = check.update(register, byte: endCharacter)
        end = endCharacter == characters.endOfText ? .endOfText : .endOfBlock
        receivedCheck = 0
        state = .blockCheck(seen: 0)
        return nil
    }

    private mutating func finishBlock() -> BasicModeDecoderOutput {
        state = .control
        garbageRun = false
        if let fault {
            clearBlock()
            return .error(BasicModeDecodingError(kind: fault, streamOffset: elementStart, inBlock: true))
        }
        let mismatch = receivedCheck == register ? nil : BasicModeBlockCheckMismatch(received: receivedCheck, computed: register)
        let block = BasicModeTextBlock(
            heading: hasHeading ? BasicModeHeading(parsing: heading, coding: coding) : nil,
            text: text, end: end, isTransparent: isTransparent, blockCheckMismatch: mismatch
        )
        text = ByteBufferAllocator().buffer(capacity: 256)
        clearBlock()
        return .element(.textBlock(block))
    }
}
