import NIOCore

/// An SDLC frame as pcap LINKTYPE_SDLC (268) stores it: address byte, control byte, then the
/// information field (empty when the frame has none). No flags, no FCS.
public struct SDLCFrame: Hashable, Sendable {
    /// Address of the secondary station, in commands and responses alike.
    public var address: UInt8
    public var control: SDLCControl
    public var information: ByteBuffer

    /// The all-stations address a secondary accepts besides its own.
    public static let broadcastAddress: UInt8 = 0xFF

    public init(address: UInt8, control: SDLCControl, information: ByteBuffer = ByteBuffer()) {
        self.address = address
        self.control = control
        self.information = information
    }

    /// Parses address, control and information from raw frame bytes. The information is a
    /// slice of `bytes` (no copy).
    public init(parsing bytes: ByteBuffer) throws(SDLCFrameError) {
        guard bytes.readableBytes >= 2,
            let address = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self),
            let control = bytes.getInteger(at: bytes.readerIndex + 1, as: UInt8.self)
        else {
            throw SDLCFrameError(length: bytes.readableBytes)
        }
        self.address = address
        self.control = SDLCControl(byte: control)
        self.information = bytes.getSlice(at: bytes.readerIndex + 2, length: bytes.readableBytes - 2)!
    }

    /// Appends address, control and information to `buffer`.
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(address)
        buffer.writeInteger(control.byte)
        var information = information
        buffer.writeBuffer(&information)
    }

    /// The frame's bytes as pcap LINKTYPE_SDLC stores them.
    public var bytes: ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: information.readableBytes + 2)
        write(into: &buffer)
        return buffer
    }
}

extension SDLCFrame: CustomStringConvertible {
    public var description: String {
        let info = information.readableBytes > 0 ? " +\(information.readableBytes) bytes" : ""
        return "[0x\(hex8(address)) \(control)\(info)]"
    }
}
