import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Stops a live capture from any thread, task or signal handler context: sets a flag and
/// writes one byte into a pipe that the capture loop polls beside libpcap's fd. Not the
/// read timeout: on an idle Linux interface that may never fire.
public final class LiveCaptureStopHandle: Sendable {
    private let requested = Atomic<Bool>(false)
    let readFD: Int32
    private let writeFD: Int32

    public init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        } else {
            fds = [-1, -1]  // the capture loop then falls back to checking the flag
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        if readFD >= 0 { Glibc.close(readFD) }
        if writeFD >= 0 { Glibc.close(writeFD) }
    }

    /// Asks the capture to stop; it returns its statistics soon after. Idempotent.
    public func stop() {
        guard !requested.exchange(true, ordering: .sequentiallyConsistent) else { return }
        if writeFD >= 0 {
            var byte: UInt8 = 1
            _ = Glibc.write(writeFD, &byte, 1)
        }
    }

    public var isStopRequested: Bool { requested.load(ordering: .sequentiallyConsistent) }
}
