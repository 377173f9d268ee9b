/// Raw SDLC frame bytes too short to hold address and control.
public struct SDLCFrameError: Error, Hashable, Sendable, CustomStringConvertible {
    public var length: Int

    public init(length: Int) { self.length = length }

    public var description: String {
        "SDLC frame of \(length) byte(s) is shorter than address + control (2 bytes)"
    }
}
