/// HDLC framing, SDLC primary and secondary stations, SNA FID2 transmission headers,
/// request/response headers and the PU 2 state machine, free of sockets.
public enum SDLC {}
