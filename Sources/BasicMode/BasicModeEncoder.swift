import NIOCore

/// Writes transmission elements as basic-mode characters in one coding, each preceded by
/// `synchronousIdles` SYN characters (2 by default, as basic mode wants at least two before
/// a transmission; 0 for the bytes a capture records).
public struct BasicModeEncoder: Sendable {
    public let coding: BasicModeCoding
    public var synchronousIdles: Int

    public init(coding: BasicModeCoding, synchronousIdles: Int = 2) {
        self.coding = coding
        self.synchronousIdles = max(0, synchronousIdles)
    }

    /// Appends `element` to `buffer`. Throws, writing nothing, when a heading or a normal
    /// (non-transparent) text holds one of the coding's control characters.
    public func encode(_ element: BasicModeElement, into buffer: inout ByteBuffer) throws(BasicModeEncodingError) {
        let characters = coding.characters
        var headingBytes: [UInt8] = []
        if case .textBlock(let block) = element {
            headingBytes = try validate(block)
        }
        for _ in 0..<synchronousIdles { buffer.writeInteger(characters.synchronousIdle) }
        switch element {
        case .poll(let address):
            buffer.writeBytes([address.pollCharacter, address.pollCharacter, characters.enquiry])
        case .select(let address):
            buffer.writeBytes([address.selectCharacter, address.selectCharacter, characters.enquiry])
        case .endOfTransmission:
            buffer.writeInteger(characters.endOfTransmission)
        case .enquiry:
            buffer.writeInteger(characters.enquiry)
        case .ack0:
            buffer.writeBytes([characters.dataLinkEscape, characters.evenAcknowledgment])
        case .ack1:
            buffer.writeBytes([characters.dataLinkEscape, characters.oddAcknowledgment])
        case .negativeAcknowledgment:
            buffer.writeInteger(characters.negativeAcknowledgment)
        case .waitBeforeTransmit:
            buffer.writeBytes([characters.dataLinkEscape, characters.waitBeforeTransmit])
        case .reverseInterrupt:
            buffer.writeBytes([characters.dataLinkEscape, characters.reverseInterrupt])
        case .textBlock(let block):
            writeBlock(block, heading: headingBytes, into: &buffer)
        }
    }

    /// The element's bytes in a new buffer.
    public func encode(_ element: BasicModeElement) throws(BasicModeEncodingError) -> ByteBuffer {
        var buffer = ByteBuffer()
        try encode(element, into: &buffer)
        return buffer
    }

    /// The element's bytes as an array.
    public func bytes(_ element: BasicModeElement) throws(BasicModeEncodingError) -> [UInt8] {
        let buffer = try encode(element)
        return Array(buffer.readableBytesView)
    }

    private func validate(_ block: BasicModeTextBlock) throws(BasicModeEncodingError) -> [UInt8] {
        let characters = coding.characters
        let heading = block.heading?.bytes(in: coding) ?? []
        if let offset = heading.firstIndex(where: characters.isControl) {
            throw BasicModeEncodingError(kind: .controlCharacterInHeading(heading[offset]), offset: offset)
        }
        if !block.isTransparent,
           let offset = block.text.readableBytesView.firstIndex(where: characters.isControl) {
            let relative = offset - block.text.readableBytesView.startIndex
            throw BasicModeEncodingError(kind: .controlCharacterInText(block.text.readableBytesView[offset]), offset: relative)
        }
        return heading
    }

    private func writeBlock(_ block: BasicModeTextBlock, heading: [UInt8], into buffer: inout ByteBuffer) {
        let characters = coding.characters
        let check = coding.blockCheck
        var register: UInt16 = 0
        if block.heading != nil {
            buffer.writeInteger(characters.startOfHeading)
            buffer.writeBytes(heading)
            for byte in heading { register = check.update(register, byte: byte) }
            if block.isTransparent { buffer.writeInteger(characters.dataLinkEscape) }
            buffer.writeInteger(characters.startOfText)
            register = check.update(register, byte: characters.startOfText)
        } else {
            if block.isTransparent { buffer.writeInteger(characters.dataLinkEscape) }
            buffer.writeInteger(characters.startOfText)
        }
        let end = block.end == .endOfText ? characters.endOfText : characters.endOfTransmissionBlock
        if block.isTransparent {
            let dle = characters.dataLinkEscape
            buffer.reserveCapacity(minimumWritableBytes: block.text.readableBytes + block.text.readableBytes / 16 + 4)
            let view = block.text.readableBytesView
            var start = view.startIndex
            for index in view.indices where view[index] == dle {
                // Copy the run up to and including this DLE, then double it.
                buffer.writeBytes(view[start...index])
                buffer.writeInteger(dle)
                start = index + 1
            }
            buffer.writeBytes(view[start...])
            buffer.writeInteger(dle)
        } else {
            buffer.writeBytes(block.text.readableBytesView)
        }
        for byte in block.text.readableBytesView { register = check.update(register, byte: byte) }
        buffer.writeInteger(end)
        register = check.update(register, byte: end)
        buffer.writeBytes(check.wireBytes(block.blockCheckMismatch?.received ?? register))
    }
}

/// An element the encoder refuses: its text or heading would end the block early.
public struct BasicModeEncodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// Headings cannot be transparent.
        case controlCharacterInHeading(UInt8)
        /// Normal text cannot carry control characters; send it transparent.
        case controlCharacterInText(UInt8)
    }

    public var kind: Kind
    /// Offset of the character in the heading or text.
    public var offset: Int

    public init(kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        switch kind {
        case .controlCharacterInHeading(let byte):
            return "basic-mode heading byte \(offset) is the control character 0x\(hex8(byte)); headings cannot carry control characters"
        case .controlCharacterInText(let byte):
            return "basic-mode text byte \(offset) is the control character 0x\(hex8(byte)); such text must be sent transparent"
        }
    }
}
