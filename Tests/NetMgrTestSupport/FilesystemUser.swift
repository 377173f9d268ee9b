import Foundation

/// Runs `body` with this THREAD's filesystem uid switched to `uid` (Linux setfsuid), so a
/// root test can see "permission denied" like an ordinary user would. The kernel drops
/// CAP_DAC_OVERRIDE with a non-zero fsuid and restores it when it goes back to 0.
/// `body` must be synchronous: an await could move the task to another thread.
public func withFilesystemUser<R>(_ uid: UInt32 = 65534, _ body: () throws -> R) rethrows -> R {
    typealias SetFSUID = @convention(c) (UInt32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setfsuid") else {
        return try body()  // RTLD_DEFAULT is 0 on glibc; without the symbol run as we are
    }
    let setfsuid = unsafeBitCast(symbol, to: SetFSUID.self)
    let previous = UInt32(bitPattern: setfsuid(uid))
    defer { _ = setfsuid(previous) }
    return try body()
}
