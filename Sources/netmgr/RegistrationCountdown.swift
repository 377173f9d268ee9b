import Synchronization

/// Calls `action` once `count` registrations have reported in, from any threads.
final class RegistrationCountdown: Sendable {
    private let remaining: Mutex<Int>
    private let action: @Sendable () -> Void

    init(_ count: Int, action: @escaping @Sendable () -> Void) {
        remaining = Mutex(count)
        self.action = action
    }

    func done() {
        let left = remaining.withLock { value -> Int in
            value -= 1
            return value
        }
        if left == 0 { action() }
    }
}
