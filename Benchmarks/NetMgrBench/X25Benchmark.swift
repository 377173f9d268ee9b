import ArgumentParser
import NIOCore
import SDLC
import X25

/// `netmgr-bench x25`: frames per second through the LAPB + X.25 codecs (an I-frame holding
/// a DATA packet: encode = packet then frame then HDLC; decode = HDLC then frame then
/// packet), and through the HDLC-free part alone.
struct X25Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "x25", abstract: "LAPB + X.25 codec frames/s (in memory).")

    @Option(help: "Timed runs per figure (the median is printed).") var runs = 7
    @Option(help: "Frames per run.") var frames = 200_000
    @Option(help: "Bytes of user data per DATA packet.") var size = 128

    func run() throws {
        var payload = ByteBuffer()
        for index in 0..<size { payload.writeInteger(UInt8(truncatingIfNeeded: index * 31)) }
        let packet = X25Packet(logicalChannel: 1, body: .data(ps: 3, pr: 5, more: false, payload: payload))

        // LAPB + X.25 only: frame content bytes in, frame content bytes out.
        var contents: [ByteBuffer] = []
        contents.reserveCapacity(frames)
        let encode = timeRuns(runs) {
            contents.removeAll(keepingCapacity: true)
            for index in 0..<frames {
                let frame = LAPBFrame(
                    address: LAPBRole.dte.commandAddress,
                    control: .information(ns: UInt8(truncatingIfNeeded: index) & 7, nr: 2, poll: false), information: packet.bytes)
                contents.append(frame.bytes)
            }
        }
        var decoded = 0
        let decode = try timeRuns(runs) {
            decoded = 0
            for content in contents {
                let frame = try LAPBFrame(parsing: content)
                let parsed = try X25Packet(parsing: frame.information)
                if case .data = parsed.body { decoded += 1 }
            }
        }
        precondition(decoded == frames, "decoded \(decoded) of \(frames)")
        let both = encode.median + decode.median
        print("LAPB + X.25 codec, DATA packets of \(size) bytes in I-frames, \(runs) runs, medians:")
        print("  encode \(format(Double(frames) / encode.median / 1e6, 2)) M frames/s, decode \(format(Double(frames) / decode.median / 1e6, 2)) M frames/s, encode+decode \(format(Double(frames) / both / 1e6, 2)) M frames/s")

        // With HDLC framing (flags, transparency, FCS), as on the access line.
        var wire = ByteBuffer()
        let encodeLine = timeRuns(runs) {
            wire = ByteBuffer()
            wire.reserveCapacity(frames * (size + size / 8 + 12))
            let hdlc = HDLCFrameEncoder()
            for content in contents { hdlc.encode(data: content, out: &wire) }
        }
        var lineDecoded = 0
        let decodeLine = timeRuns(runs) {
            var bytes = wire
            var decoder = HDLCFrameDecoder()
            lineDecoded = 0
            while let output = decoder.decode(buffer: &bytes) {
                guard case .frame(let content) = output, let frame = try? LAPBFrame(parsing: content),
                    (try? X25Packet(parsing: frame.information)) != nil
                else { continue }
                lineDecoded += 1
            }
        }
        precondition(lineDecoded == frames, "decoded \(lineDecoded) of \(frames) from the line")
        let lineBoth = encode.median + encodeLine.median + decodeLine.median
        print("  with HDLC framing: encode+decode \(format(Double(frames) / lineBoth / 1e6, 2)) M frames/s (\(format(Double(frames * size) / lineBoth / 1e6, 0)) MB/s of user data)")
    }
}
