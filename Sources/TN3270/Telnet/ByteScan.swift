#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Fast search for one byte value; libc's memchr is vectorised, which the
/// capture observer relies on to skip 3270 data at memory speed.
@usableFromInline
enum ByteScan {
    /// Offset of the first `byte` in `bytes[from...]`, or nil.
    @inlinable
    static func firstIndex(of byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), bytes.count - start) else { return nil }
        return UnsafeRawPointer(found) - base
    }
}
