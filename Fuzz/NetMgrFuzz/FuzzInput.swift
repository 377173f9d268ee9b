import NIOCore

/// A fuzzer's input read as a few leading decision bytes and then a stream, fed in
/// pieces of `stride` bytes so that every split point gets tried.
struct FuzzInput {
    let bytes: UnsafeRawBufferPointer
    private var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isAtEnd: Bool { offset >= bytes.count }

    /// The next byte, 0 once the input is used up.
    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// The next piece of at most `length` bytes (1...).
    mutating func piece(_ length: Int) -> ByteBuffer {
        let end = min(bytes.count, offset + max(1, length))
        defer { offset = end }
        return ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
    }

    /// Everything not read yet.
    mutating func rest() -> ByteBuffer { piece(bytes.count) }
}
