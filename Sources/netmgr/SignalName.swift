import Synchronization

/// The name of the signal that stopped a capture, set from a dispatch source's handler.
final class SignalName: Sendable {
    private let name = Mutex<String?>(nil)

    func set(_ value: String) { name.withLock { if $0 == nil { $0 = value } } }
    func get() -> String? { name.withLock { $0 } }
}
