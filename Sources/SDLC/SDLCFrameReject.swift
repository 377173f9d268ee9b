import NIOCore

/// The 3-byte information field of an FRMR response, modulo 8 (ISO 4335): byte 0 the rejected
/// control field; byte 1 `V(R) C/R V(S) 0` (V(R) in bits 5–7, C/R bit 4, V(S) bits 1–3);
/// byte 2 the reasons W (0x01), X (0x02), Y (0x04), Z (0x08).
public struct SDLCFrameReject: Hashable, Sendable {
    public var rejectedControl: UInt8
    /// The rejecting station's send state variable V(S).
    public var sendState: UInt8
    /// The rejecting station's receive state variable V(R).
    public var receiveState: UInt8
    /// Whether the rejected frame was a response (HDLC C/R bit; SDLC secondaries send 0).
    public var rejectedResponse: Bool
    /// W: control field invalid or not implemented.
    public var invalidControl: Bool
    /// X: an information field where the frame type allows none (sent together with W).
    public var informationNotAllowed: Bool
    /// Y: information field longer than the receiver's buffer.
    public var informationTooLong: Bool
    /// Z: N(R) outside the frames sent and not yet acknowledged.
    public var invalidReceiveSequence: Bool

    public init(
        rejectedControl: UInt8, sendState: UInt8, receiveState: UInt8, rejectedResponse: Bool = false,
        invalidControl: Bool = false, informationNotAllowed: Bool = false,
        informationTooLong: Bool = false, invalidReceiveSequence: Bool = false
    ) {
        self.rejectedControl = rejectedControl
        self.sendState = sendState & 0x07
        self.receiveState = receiveState & 0x07
        self.rejectedResponse = rejectedResponse
        self.invalidControl = invalidControl
        self.informationNotAllowed = informationNotAllowed
        self.informationTooLong = informationTooLong
        self.invalidReceiveSequence = invalidReceiveSequence
    }

    public static let encodedLength = 3

    /// Decodes the first 3 bytes of an FRMR information field.
    public init(parsing information: ByteBuffer) throws(SDLCFrameRejectError) {
        guard let bytes = information.getBytes(at: information.readerIndex, length: Self.encodedLength) else {
            throw SDLCFrameRejectError(length: information.readableBytes)
        }
        self.init(
            rejectedControl: bytes[0], sendState: (bytes[1] >> 1) & 0x07, receiveState: bytes[1] >> 5,
            rejectedResponse: bytes[1] & 0x10 != 0, invalidControl: bytes[2] & 0x01 != 0,
            informationNotAllowed: bytes[2] & 0x02 != 0, informationTooLong: bytes[2] & 0x04 != 0,
            invalidReceiveSequence: bytes[2] & 0x08 != 0)
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(rejectedControl)
        buffer.writeInteger(receiveState << 5 | (rejectedResponse ? 0x10 : 0) | sendState << 1)
        var reasons: UInt8 = 0
        if invalidControl { reasons |= 0x01 }
        if informationNotAllowed { reasons |= 0x02 }
        if informationTooLong { reasons |= 0x04 }
        if invalidReceiveSequence { reasons |= 0x08 }
        buffer.writeInteger(reasons)
    }

    public var information: ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: Self.encodedLength)
        write(into: &buffer)
        return buffer
    }
}

extension SDLCFrameReject: CustomStringConvertible {
    public var description: String {
        var reasons: [String] = []
        if invalidControl { reasons.append("W invalid control") }
        if informationNotAllowed { reasons.append("X information not allowed") }
        if informationTooLong { reasons.append("Y information too long") }
        if invalidReceiveSequence { reasons.append("Z invalid N(R)") }
        return "FRMR of control 0x\(hex8(rejectedControl)) (\(SDLCControl(byte: rejectedControl))), "
            + "V(S)=\(sendState) V(R)=\(receiveState): \(reasons.joined(separator: ", "))"
    }
}
