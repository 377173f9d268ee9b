import NIOCore
import SDLC

/// One frame of the simulated basic-rate interface: `[channel][frame]`, HDLC-framed on
/// the TCP stream (flag, transparency, CRC-16/X.25 FCS; SWITCHED.md).
public struct ISDNInterfaceFrame: Hashable, Sendable {
    /// The largest HDLC content accepted: channel byte + an SDLC frame of the leased line's size.
    public static let maximumContentLength = 1 + HDLCFrameDecoder.defaultMaximumFrameLength

    public var channel: ISDNChannel
    public var frame: ByteBuffer

    public init(channel: ISDNChannel, frame: ByteBuffer) {
        self.channel = channel
        self.frame = frame
    }

    /// Parses the content of one HDLC frame (FCS already checked and removed).
    public init(parsing content: ByteBuffer) throws(ISDNInterfaceFrameError) {
        var buffer = content
        guard let first = buffer.readInteger(as: UInt8.self) else { throw .empty }
        guard let channel = ISDNChannel(rawValue: first) else { throw .unknownChannel(first) }
        guard buffer.readableBytes > 0 else { throw .noFrame(channel) }
        self.channel = channel
        self.frame = buffer
    }

    /// Appends the HDLC-framed bytes (flag, content with transparency, FCS, flag).
    public func encode(into out: inout ByteBuffer) {
        var content = ByteBuffer()
        content.reserveCapacity(frame.readableBytes + 1)
        content.writeInteger(channel.rawValue)
        content.writeImmutableBuffer(frame)
        HDLCFrameEncoder.encode(content: content.readableBytesView, into: &out)
    }

    public var encoded: ByteBuffer {
        var out = ByteBuffer()
        encode(into: &out)
        return out
    }

    /// A decoder for the interface's byte stream: HDLC frames of at most
    /// `maximumContentLength` bytes (+ FCS).
    public static func makeDecoder() -> HDLCFrameDecoder {
        HDLCFrameDecoder(maximumFrameLength: maximumContentLength + 2)
    }
}

public enum ISDNInterfaceFrameError: Error, Hashable, Sendable, CustomStringConvertible {
    case empty
    case unknownChannel(UInt8)
    case noFrame(ISDNChannel)

    public var description: String {
        switch self {
        case .empty: return "BRI frame without a channel byte"
        case .unknownChannel(let byte): return "BRI frame for unknown channel 0x\(String(byte, radix: 16)) (0 D, 1 B1, 2 B2)"
        case .noFrame(let channel): return "BRI frame on \(channel) with nothing after the channel byte"
        }
    }
}
