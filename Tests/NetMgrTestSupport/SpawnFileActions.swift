#if canImport(Glibc)
import Glibc
#endif

/// Adds "close every descriptor from `lowest` up" to a spawn's file actions, with glibc's
/// `posix_spawn_file_actions_addclosefrom_np` (2.34+; the Glibc module does not show it
/// to Swift, so it is looked up once). Every program a test spawns needs it: SwiftNIO's
/// accepted sockets are not close-on-exec, and a child holding a copy of another test's
/// socket keeps it open after that test closed it, so the peer never sees the close.
public func addCloseFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32 = 3) -> Int32 {
    closeFromFunction(&actions, lowest)
}

private let closeFromFunction: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
        fatalError("glibc 2.34 or later is needed (posix_spawn_file_actions_addclosefrom_np)")
    }
    return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
}()
