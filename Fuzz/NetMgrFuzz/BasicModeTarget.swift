import BasicMode
import NIOCore

/// A basic-mode byte stream (first byte: piece size; second: bit 0 the coding, the rest the
/// decoder's text limit) through `BasicModeDecoder`; what it yields goes to a tributary station
/// (netmgrd's side) and a control station (the host simulator's), as if both heard the line.
enum BasicModeTarget {
    static let address = BasicModeStationAddress(rawValue: 0x41)

    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let stride = Int(input.byte()) + 1
        let setting = input.byte()
        let coding: BasicModeCoding = setting & 1 == 0 ? .ascii : .ebcdic
        let limit = Int(setting >> 1) * 8 + 1
        guard let address else { return }
        var decoder = BasicModeDecoder(coding: coding, maximumTextLength: limit)
        var tributary = BasicModeTributaryStation<Int>(configuration: .init(address: address, coding: coding, maximumTextLength: limit))
        var control = BasicModeControlStation<Int>(configuration: .init(coding: coding, stations: [address], maximumTextLength: limit))
        var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        check(tributary.start(now: now).allSatisfy { encodes($0, coding) }, "tributary start sends what cannot be encoded")
        check(control.start(now: now).allSatisfy { encodes($0, coding) }, "control start sends what cannot be encoded")
        try? tributary.enqueue(tag: 1, lu: 2, payload: ByteBuffer(bytes: [0x10, 0x02, 0x41]))
        try? control.enqueue(tag: 1, station: address, lu: 3, payload: ByteBuffer(bytes: [0x41, 0x42]))
        var buffer = ByteBuffer()
        while !input.isAtEnd {
            var piece = input.piece(stride)
            buffer.writeBuffer(&piece)
            now = now + .milliseconds(Int64(stride) * 50)
            while let output = decoder.decode(buffer: &buffer) {
                handle(output, coding: coding, limit: limit)
                check(tributary.receive(output, now: now).allSatisfy { encodes($0, coding) }, "tributary sends what cannot be encoded")
                check(control.receive(output, now: now).allSatisfy { encodes($0, coding) }, "control station sends what cannot be encoded")
            }
            check(buffer.readableBytes == 0, "the decoder left bytes unread")
            check(tributary.tick(now: now).allSatisfy { encodes($0, coding) }, "tributary tick sends what cannot be encoded")
            check(control.tick(now: now).allSatisfy { encodes($0, coding) }, "control tick sends what cannot be encoded")
        }
        while let output = decoder.decodeLast(buffer: &buffer, seenEOF: true) { handle(output, coding: coding, limit: limit) }
        _ = tributary.stop()
        _ = control.stop()
    }

    /// A decoded element encodes to bytes that decode to the same element.
    static func handle(_ output: BasicModeDecoderOutput, coding: BasicModeCoding, limit: Int) {
        _ = "\(output)"
        guard case .element(let element) = output else { return }
        if case .textBlock(let block) = element {
            check(block.text.readableBytes <= limit, "a text longer than the limit: \(block)")
        }
        let bytes: ByteBuffer
        do {
            bytes = try BasicModeEncoder(coding: coding).encode(element)
        } catch {
            check(false, "decoded \(element) does not encode: \(error)")
            return
        }
        var again = BasicModeDecoder(coding: coding, maximumTextLength: limit)
        let outputs = again.decodeAll(bytes)
        check(outputs == [output], "\(element) does not survive encode/decode: \(outputs)")
    }

    static func encodes<Tag>(_ action: BasicModeTributaryStation<Tag>.Action, _ coding: BasicModeCoding) -> Bool {
        guard case .send(let element) = action else { return true }
        return (try? BasicModeEncoder(coding: coding).encode(element)) != nil
    }

    static func encodes<Tag>(_ action: BasicModeControlStation<Tag>.Action, _ coding: BasicModeCoding) -> Bool {
        guard case .send(let element) = action else { return true }
        return (try? BasicModeEncoder(coding: coding).encode(element)) != nil
    }
}
