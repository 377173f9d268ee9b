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

/// Signal attributes of a program started the way a shell starts it: nothing blocked, and
/// `defaults` at their default action (the test runner's threads block SIGTERM, and a
/// spawned child inherits the mask). `newProcessGroup`: the child leads its own group, so
/// that killing the group takes its children too.
public func setShellSignals(_ attributes: inout posix_spawnattr_t, defaults: [Int32] = [SIGINT, SIGTERM, SIGPIPE, SIGHUP],
                            newProcessGroup: Bool = false) {
    var empty = sigset_t()
    sigemptyset(&empty)
    var defaultSet = sigset_t()
    sigemptyset(&defaultSet)
    for signal in defaults { sigaddset(&defaultSet, signal) }
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setsigdefault(&attributes, &defaultSet)
    var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
    if newProcessGroup {
        posix_spawnattr_setpgroup(&attributes, 0)
        flags |= POSIX_SPAWN_SETPGROUP
    }
    posix_spawnattr_setflags(&attributes, Int16(flags))
}
