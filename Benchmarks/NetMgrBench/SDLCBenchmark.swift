import ArgumentParser
import NIOCore
import SDLC

/// `netmgr-bench sdlc`: frames per second through the HDLC codec (encode + decode, with
/// transparency) and messages per second through the PU (host link ↔ SDLC terminal in
/// memory: data messages up, each answered with +RSP).
struct SDLCBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sdlc", abstract: "HDLC codec frames/s and PU 2 messages/s (in memory).")

    @Option(help: "Timed runs per figure (the median is printed).") var runs = 7
    @Option(help: "Frames per codec run.") var frames = 200_000
    @Option(help: "Messages per PU run.") var messages = 20_000
    @Option(help: "Bytes of information per frame / message.") var size = 256

    func run() throws {
        // Codec: I-frames whose information has flag and escape bytes, so transparency works.
        var information = ByteBuffer()
        for index in 0..<size { information.writeInteger(UInt8(truncatingIfNeeded: index * 31)) }
        let frame = SDLCFrame(address: 0xC1, control: .information(ns: 3, nr: 5, pollFinal: false), information: information)
        var wire = ByteBuffer()
        let encode = timeRuns(runs) {
            wire = ByteBuffer()
            wire.reserveCapacity(frames * (size + size / 8 + 8))
            for _ in 0..<frames { HDLCFrameEncoder.encode(frame, into: &wire) }
        }
        var decoded = 0
        let decode = timeRuns(runs) {
            var bytes = wire
            var decoder = HDLCFrameDecoder()
            decoded = 0
            while let output = decoder.decode(buffer: &bytes) {
                if case .frame = output { decoded += 1 }
            }
        }
        precondition(decoded == frames, "decoded \(decoded) of \(frames)")
        let both = encode.median + decode.median
        print("HDLC codec, \(size)-byte I-fields (\(wire.readableBytes / frames) bytes framed), \(runs) runs, medians:")
        print("  encode \(format(Double(frames) / encode.median / 1e6, 2)) M frames/s, decode \(format(Double(frames) / decode.median / 1e6, 2)) M frames/s, encode+decode \(format(Double(frames) / both / 1e6, 2)) M frames/s (\(format(Double(frames * size) / both / 1e6, 0)) MB/s of information)")

        // PU: messages from netmgrd's LUs to the host, each with a definite response.
        let lus: [UInt8] = [2, 3, 4, 5]
        let payload = ByteBuffer(bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0) })
        var lineFrames = 0
        let pu = try timeRuns(runs) {
            var line = InMemorySDLCLine(station: 0xC1, lus: lus)
            line.start()
            line.frames = 0
            // Keep a window's worth in flight per LU, as a busy terminal would.
            var sent = 0
            while line.accepted < messages {
                while sent < messages, sent - line.accepted < 28 {
                    try line.submit(payload, lu: lus[sent % lus.count])
                    sent += 1
                }
                let target = line.accepted + 1
                line.run(until: { $0.accepted >= target })
            }
            precondition(line.received == messages, "host received \(line.received) of \(messages)")
            lineFrames = line.frames
        }
        print("PU 2 + SDLC primary/secondary in memory, \(size)-byte messages with +RSP, \(runs) runs, medians:")
        print("  \(format(Double(messages) / pu.median / 1e3, 1)) k messages/s, \(format(Double(lineFrames) / pu.median / 1e3, 1)) k frames/s")
    }
}
