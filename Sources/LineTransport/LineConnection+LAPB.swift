import NIOCore
import SDLC
import X25

/// LAPB frames ride the same HDLC framing as SDLC frames (flag, transparency, CRC-16/X.25)
/// and have the same content layout (one address byte, one control byte modulo 8, the
/// information field), so an HDLC line carries either; these convert at the edge.
extension LineConnection {
    /// Frames and sends LAPB frames with one flush.
    public func send(lapb frames: [LAPBFrame]) {
        send(frames.map(SDLCFrame.init(lapb:)))
    }

    /// Frames and sends raw frame contents (address, control, information), e.g. what a
    /// LAPB station produced; contents shorter than address + control are dropped.
    public func send(contents: [ByteBuffer]) {
        send(contents.compactMap { try? SDLCFrame(parsing: $0) })
    }
}

extension SDLCFrame {
    /// The same bytes seen as an SDLC frame, for the HDLC encoder.
    public init(lapb frame: LAPBFrame) {
        self.init(address: frame.address, control: SDLCControl(byte: frame.control.byte), information: frame.information)
    }

    /// The received frame read as LAPB (the HDLC decoder bounds its length already).
    public var lapb: LAPBFrame {
        LAPBFrame(address: address, control: LAPBControl(byte: control.byte), information: information)
    }
}
