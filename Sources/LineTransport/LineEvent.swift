import SDLC

/// What a line connection reports to its owner, on the connection's event loop.
public enum LineEvent: Sendable {
    /// A frame that passed the FCS check.
    case frame(SDLCFrame)
    /// A frame was dropped (bad FCS, runt, abort, too long); the line carries on. Already
    /// logged and counted.
    case framingError(HDLCFramingError)
    /// The line closed: the peer went away (nil) or an I/O error (the error).
    case closed((any Error)?)
}
