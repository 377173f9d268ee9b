/// Limits how many host connections a netmgrd opens at once, across all its resources,
/// so that activating tens of thousands of LUs does not overflow the host's accept queue
/// (an overflowed queue leaves connections the client thinks open and the host never saw).
/// Confined to the daemon's event loop.
final class ConnectLimiter {
    let maximum: Int
    private var inProgress = 0
    private var waiting = CircularBuffer<() -> Void>()

    init(maximum: Int = 128) {
        self.maximum = maximum
    }

    /// Runs `start` now if a slot is free, or when one is; `start` must lead to exactly one `release()`.
    func acquire(_ start: @escaping () -> Void) {
        if inProgress < maximum {
            inProgress += 1
            start()
        } else {
            waiting.append(start)
        }
    }

    func release() {
        inProgress -= 1
        if let next = waiting.popFirst() {
            inProgress += 1
            next()
        }
    }
}

import NIOCore
