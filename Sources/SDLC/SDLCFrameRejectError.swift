/// An FRMR information field shorter than 3 bytes.
public struct SDLCFrameRejectError: Error, Hashable, Sendable, CustomStringConvertible {
    public var length: Int
    public var description: String {
        "FRMR information field of \(length) byte(s), needs \(SDLCFrameReject.encodedLength)"
    }
}
