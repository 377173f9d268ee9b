import NIOCore

/// A LAPB frame's content: address, control, information (empty when the frame has none).
/// No flags, no FCS: HDLC framing is the SDLC module's `HDLCFrameEncoder`/`HDLCFrameDecoder`,
/// the same on this line as on the SDLC one.
public struct LAPBFrame: Hashable, Sendable {
    public var address: UInt8
    public var control: LAPBControl
    public var information: ByteBuffer

    /// Largest information field `init(parsing:)` accepts by default: an X.25 packet of 4096
    /// data bytes plus its header.
    public static let defaultMaximumInformationLength = 4096 + 3

    public init(address: UInt8, control: LAPBControl, information: ByteBuffer = ByteBuffer()) {
        self.address = address
        self.control = control
        self.information = information
    }

    /// Parses address, control and information; the information is a slice of `bytes`.
    public init(
        parsing bytes: ByteBuffer, maximumInformationLength: Int = LAPBFrame.defaultMaximumInformationLength
    ) throws(LAPBFrameError) {
        let length = bytes.readableBytes
        guard length >= 2,
            let address = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self),
            let control = bytes.getInteger(at: bytes.readerIndex + 1, as: UInt8.self)
        else {
            throw .tooShort(length: length)
        }
        guard length - 2 <= maximumInformationLength else {
            throw .informationTooLong(length: length - 2, limit: maximumInformationLength)
        }
        guard let information = bytes.getSlice(at: bytes.readerIndex + 2, length: length - 2) else {
            throw .tooShort(length: length)
        }
        self.address = address
        self.control = LAPBControl(byte: control)
        self.information = information
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(address)
        buffer.writeInteger(control.byte)
        var information = information
        buffer.writeBuffer(&information)
    }

    /// The frame's bytes (as LINKTYPE_SITA stores them after its header).
    public var bytes: ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: information.readableBytes + 2)
        write(into: &buffer)
        return buffer
    }

    /// The FRMR information field, when this is an FRMR with at least 3 bytes of it (the
    /// same modulo-8 format as SDLC's, ISO 4335).
    public var frameReject: SDLCFrameReject? {
        guard case .unnumbered(.frameReject, _) = control else { return nil }
        return try? SDLCFrameReject(parsing: information)
    }
}

extension LAPBFrame: CustomStringConvertible {
    public var description: String {
        let info = information.readableBytes > 0 ? " +\(information.readableBytes) bytes" : ""
        return "[0x\(hex2(address)) \(control)\(info)]"
    }
}

/// LAPB frame bytes that cannot be a frame.
public enum LAPBFrameError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer than the 2 bytes of address and control.
    case tooShort(length: Int)
    /// The information field exceeds what this receiver accepts.
    case informationTooLong(length: Int, limit: Int)

    public var description: String {
        switch self {
        case .tooShort(let length):
            return "LAPB frame of \(length) byte(s) is shorter than address + control (2 bytes)"
        case .informationTooLong(let length, let limit):
            return "LAPB information field of \(length) bytes exceeds the limit of \(limit)"
        }
    }
}
