import NIOCore
import SDLC

/// An HDLC byte stream (first byte: piece size) through the HDLC decoder; good frames go
/// on to the SDLC frame and SNA parsers.
enum HDLCTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let stride = Int(input.byte()) + 1
        var decoder = HDLCFrameDecoder(maximumFrameLength: 1024)
        var buffer = ByteBuffer()
        while !input.isAtEnd {
            var piece = input.piece(stride)
            buffer.writeBuffer(&piece)
            while let output = decoder.decode(buffer: &buffer) { handle(output) }
        }
        while let output = decoder.decodeLast(buffer: &buffer, seenEOF: true) { handle(output) }
    }

    static func handle(_ output: HDLCDecoderOutput) {
        guard case .frame(let bytes) = output, let frame = try? SDLCFrame(parsing: bytes) else { return }
        SDLCFramesTarget.parseInformation(of: frame)
    }
}
