import ArgumentParser
import BasicMode
import NIOCore

/// `netmgr-bench bdlc`: text blocks per second through the basic-mode codec (encode +
/// decode, transparent text with DLE doubling) in both codings, and through a tributary
/// station and a control station joined in memory (each block polled for, sent, decoded,
/// acknowledged).
struct BasicModeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bdlc", abstract: "Basic-mode codec blocks/s and tributary + control station blocks/s (in memory).")

    @Option(help: "Timed runs per figure (the median is printed).") var runs = 7
    @Option(help: "Blocks per codec run.") var blocks = 100_000
    @Option(help: "Messages per station run.") var messages = 20_000
    @Option(help: "Bytes of text per block.") var size = 256

    func run() throws {
        // Text with DLE and control characters, so the blocks are transparent.
        let payload = ByteBuffer(bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 * 7) })
        for coding in BasicModeCoding.allCases {
            let block = BasicModeElement.textBlock(BasicModeTextBlock(lu: 2, message: payload, coding: coding))
            let encoder = BasicModeEncoder(coding: coding)
            var wire = ByteBuffer()
            let encode = try timeRuns(runs) {
                wire = ByteBuffer()
                wire.reserveCapacity(blocks * (size + size / 8 + 16))
                for _ in 0..<blocks { try encoder.encode(block, into: &wire) }
            }
            var decoded = 0
            let decode = timeRuns(runs) {
                var bytes = wire
                var decoder = BasicModeDecoder(coding: coding)
                decoded = 0
                while let output = decoder.decode(buffer: &bytes) {
                    if case .element(.textBlock) = output { decoded += 1 }
                }
            }
            precondition(decoded == blocks, "decoded \(decoded) of \(blocks)")
            let both = encode.median + decode.median
            print("basic-mode codec, \(coding), \(size)-byte transparent texts (\(wire.readableBytes / blocks) bytes on the wire), \(runs) runs, medians:")
            print("  encode \(format(Double(blocks) / encode.median / 1e6, 2)) M blocks/s, decode \(format(Double(blocks) / decode.median / 1e6, 2)) M blocks/s, encode+decode \(format(Double(blocks) / both / 1e6, 2)) M blocks/s (\(format(Double(blocks * size) / both / 1e6, 0)) MB/s of text)")

            var transmissions = 0
            let stations = timeRuns(runs) {
                transmissions = runStations(coding: coding, payload: payload)
            }
            print("basic-mode tributary + control station in memory, \(coding), \(size)-byte messages, \(runs) runs, medians:")
            print("  \(format(Double(messages) / stations.median / 1e3, 1)) k blocks/s accepted, \(format(Double(transmissions) / stations.median / 1e3, 1)) k transmissions/s (encoded and decoded)")
        }
    }

    /// Every message queued at the tributary, the line run until the last is accepted.
    /// Returns the number of transmissions.
    func runStations(coding: BasicModeCoding, payload: ByteBuffer) -> Int {
        guard let address = BasicModeStationAddress(rawValue: 0x41) else { return 0 }
        var tributary = BasicModeTributaryStation<Int>(configuration: .init(address: address, coding: coding, blocksPerPoll: 8))
        var control = BasicModeControlStation<Int>(configuration: .init(coding: coding, stations: [address]))
        var toTributary = ByteBuffer(), toControl = ByteBuffer()
        var tributaryDecoder = tributary.makeDecoder(), controlDecoder = control.makeDecoder()
        let encoder = BasicModeEncoder(coding: coding)
        var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        for tag in 0..<messages {
            try? tributary.enqueue(tag: tag, lu: UInt8(2 + tag % 4), payload: payload)
        }
        var accepted = 0, received = 0, transmissions = 0
        func send(_ element: BasicModeElement, into buffer: inout ByteBuffer) {
            transmissions += 1
            try? encoder.encode(element, into: &buffer)
        }
        _ = tributary.start(now: now)
        for action in control.start(now: now) { if case .send(let element) = action { send(element, into: &toTributary) } }
        while accepted < messages {
            // One step of virtual time per exchange, so no answer lands at its own instant.
            now = now + .microseconds(10)
            var progressed = false
            while let output = tributaryDecoder.decode(buffer: &toTributary) {
                progressed = true
                for action in tributary.receive(output, now: now) {
                    switch action {
                    case .send(let element): send(element, into: &toControl)
                    case .accepted: accepted += 1
                    default: break
                    }
                }
            }
            now = now + .microseconds(10)
            while let output = controlDecoder.decode(buffer: &toControl) {
                progressed = true
                for action in control.receive(output, now: now) {
                    switch action {
                    case .send(let element): send(element, into: &toTributary)
                    case .received: received += 1
                    default: break
                    }
                }
            }
            if !progressed, let deadline = control.nextDeadline {
                now = max(now, deadline)
                for action in control.tick(now: now) { if case .send(let element) = action { send(element, into: &toTributary) } }
            }
        }
        precondition(received == messages, "host received \(received) of \(messages)")
        return transmissions
    }
}
