#if canImport(Glibc)
import Glibc
#endif

/// Process-wide resource limits netmgr's long-running programs need.
public enum ProcessLimits {
    /// Raises the soft open-file limit to the hard limit: a server holds one socket per
    /// LU session (tens of thousands), which many systems' default soft limit of 1024 forbids.
    /// Returns the limit now in force.
    @discardableResult
    public static func raiseOpenFiles() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return UInt64(limit.rlim_cur)
    }

    /// The open-file limit in force (the soft limit).
    public static func openFiles() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        return UInt64(limit.rlim_cur)
    }
}
