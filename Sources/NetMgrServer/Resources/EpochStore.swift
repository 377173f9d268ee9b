import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The cluster-wide activation counter, kept in a state directory. Put the directory on
/// the partition the failover group switches (or a shared one) so that each activation,
/// on either node, gets a larger number than any before it. Concurrent callers are
/// serialised with flock(2); the new value is fsynced before it is used.
public struct EpochStore: Sendable {
    public let path: String

    public init(stateDirectory: String) {
        self.path = (stateDirectory as NSString).appendingPathComponent("epoch")
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Returns a new epoch larger than any recorded, and at least `atLeast`.
    public func next(atLeast: UInt64 = 0) throws -> UInt64 {
        try update { max($0 + 1, atLeast) }
    }

    /// Records an epoch learned elsewhere (an engine, a peer) so later ones exceed it.
    public func observe(_ epoch: UInt64) throws {
        _ = try update { max($0, epoch) }
    }

    public func current() throws -> UInt64 { try update { $0 } }

    private func update(_ change: (UInt64) -> UInt64) throws -> UInt64 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "\(path): cannot open the epoch file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw Failure(description: "\(path): cannot lock: \(String(cString: strerror(errno)))") }
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &bytes, bytes.count, 0)
        let text = String(decoding: bytes.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.isEmpty || UInt64(text) != nil else {
            throw Failure(description: "\(path): holds \"\(text)\", not an epoch number; fix or remove it")
        }
        let old = UInt64(text) ?? 0
        let new = change(old)
        if new != old {
            let line = Array("\(new)\n".utf8)
            guard ftruncate(fd, 0) == 0, pwrite(fd, line, line.count, 0) == line.count, fsync(fd) == 0 else {
                throw Failure(description: "\(path): cannot write the epoch: \(String(cString: strerror(errno)))")
            }
        }
        return new
    }
}
