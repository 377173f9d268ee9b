import Foundation
import Logging
import NetMgrProtocol
#if canImport(Glibc)
import Glibc
#endif

/// The cluster-wide activation counter, kept in a state directory. Put the directory on
/// the partition the failover group switches (or a shared one) so that each activation,
/// on either node, gets a larger number than any before it.
///
/// Concurrent callers (in this process or another) are serialised with flock(2) on
/// `epoch.lock`. A new value is written to `epoch.tmp`, fsynced, renamed over `epoch` and
/// the directory fsynced, so a crash leaves the old or the new number, never a torn one.
/// A file that holds no valid epoch (damaged, edited, or past `Epoch.maximum` from an
/// older netmgrd) is moved to `epoch.invalid` with a warning, and counting goes on from
/// the clock and the epochs seen in the cluster, so a restart does not fail forever.
///
/// Every call blocks on the file system: call it off the event loop.
public struct EpochStore: Sendable {
    public let path: String
    let directory: String
    let logger: Logger

    public init(stateDirectory: String, logger: Logger = Logger(label: "netmgrd.epoch")) {
        self.directory = stateDirectory
        self.path = (stateDirectory as NSString).appendingPathComponent("epoch")
        self.logger = logger
    }

    var lockPath: String { path + ".lock" }
    var temporaryPath: String { path + ".tmp" }
    public var invalidPath: String { path + ".invalid" }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Returns and records a new epoch: above every recorded and `seen`, and at least `floor`.
    public func next(after seen: Epoch = .zero, atLeast floor: Epoch = .zero) throws -> Epoch {
        try update { stored in
            do {
                return try Epoch.next(after: max(stored, seen), atLeast: floor)
            } catch {
                throw Failure(description: "\(path): \(error)")
            }
        }
    }

    /// Records an epoch learned elsewhere (an engine, a peer) so later ones exceed it.
    public func observe(_ epoch: Epoch) throws {
        _ = try update { max($0, epoch) }
    }

    public func current() throws -> Epoch { try update { $0 } }

    private func update(_ change: (Epoch) throws -> Epoch) throws -> Epoch {
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw failure("cannot open the lock file \(lockPath)") }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else { throw failure("cannot lock \(lockPath)") }
        let old = try readStored()
        let new = try change(old)
        if new != old { try write(new) }
        return new
    }

    private func readStored() throws -> Epoch {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        if fd < 0, errno == ENOENT { return .zero }
        guard fd >= 0 else {
            if errno == ELOOP { throw Failure(description: "\(path): is a symbolic link; the epoch file must be a regular file") }
            throw failure("cannot open the epoch file \(path)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("cannot inspect \(path)") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw Failure(description: "\(path): is not a regular file; remove it and netmgrd creates the epoch file anew")
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &bytes, bytes.count, 0)
        guard count >= 0 else { throw failure("cannot read \(path)") }
        let text = String(decoding: bytes.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty && info.st_size == 0 { return .zero }
        if info.st_size <= 32, let number = UInt64(text), let epoch = try? Epoch(validating: number) { return epoch }
        let why = UInt64(text).map { "\($0), past the largest epoch \(Epoch.maximum)" } ?? "\"\(text.prefix(24))\", not an epoch number"
        guard rename(path, invalidPath) == 0 else {
            throw failure("\(path) holds \(why), and it cannot be moved to \(invalidPath); remove it")
        }
        syncDirectory()
        logger.warning("\(path) held \(why); moved it to \(invalidPath) and counting on from the clock and the epochs seen in the cluster")
        return .zero
    }

    private func write(_ epoch: Epoch) throws {
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw failure("cannot record the epoch: cannot create \(temporaryPath)") }
        let line = Array("\(epoch.value)\n".utf8)
        let written = Glibc.write(fd, line, line.count)
        let code = written < 0 ? errno : written < line.count ? ENOSPC : fsync(fd) == 0 ? 0 : errno
        close(fd)
        guard code == 0 else {
            unlink(temporaryPath)
            throw failure("cannot record the epoch in \(temporaryPath)", code)
        }
        guard rename(temporaryPath, path) == 0 else {
            let code = errno
            unlink(temporaryPath)
            throw failure("cannot record the epoch: cannot rename \(temporaryPath) to \(path)", code)
        }
        guard syncDirectory() else { throw failure("cannot record the epoch: cannot fsync \(directory)") }
    }

    @discardableResult
    private func syncDirectory() -> Bool {
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return fsync(fd) == 0
    }

    private func failure(_ what: String, _ code: Int32 = errno) -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(code)))")
    }
}
