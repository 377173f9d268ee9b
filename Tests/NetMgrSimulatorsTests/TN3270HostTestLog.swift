import Foundation

/// Things that happen on other threads (journal entries, client events, log lines), kept
/// in order, with a way to wait for one with a deadline instead of sleeping.
final class TN3270HostTestLog<Element: Sendable>: @unchecked Sendable {
    struct TimedOut: Error, CustomStringConvertible {
        var what: String
        var timeout: Duration
        var seen: String
        var description: String { "no \(what) within \(timeout); seen so far:\n\(seen)" }
    }

    private typealias Waiter = (predicate: @Sendable (Element) -> Bool, continuation: CheckedContinuation<Element, any Error>)

    private let lock = NSLock()
    private var elements: [Element] = []
    private var waiters: [UUID: Waiter] = [:]

    func append(_ element: Element) {
        lock.lock()
        elements.append(element)
        let ready = waiters.filter { $0.value.predicate(element) }
        for key in ready.keys { waiters[key] = nil }
        lock.unlock()
        for waiter in ready.values { waiter.continuation.resume(returning: element) }
    }

    var all: [Element] { lock.withLock { elements } }

    /// The first element, past or future, that matches; throws `TimedOut` at the deadline.
    func first(_ what: String, timeout: Duration = .seconds(10), where predicate: @escaping @Sendable (Element) -> Bool) async throws -> Element {
        let id = UUID()
        return try await withThrowingTaskGroup(of: Element.self) { group in
            group.addTask {
                try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Element, any Error>) in
                        self.lock.lock()
                        if let found = self.elements.first(where: predicate) {
                            self.lock.unlock()
                            continuation.resume(returning: found)
                        } else if Task.isCancelled {
                            self.lock.unlock()
                            continuation.resume(throwing: CancellationError())
                        } else {
                            self.waiters[id] = (predicate, continuation)
                            self.lock.unlock()
                        }
                    }
                } onCancel: {
                    let waiter = self.lock.withLock { self.waiters.removeValue(forKey: id) }
                    waiter?.continuation.resume(throwing: CancellationError())
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)  // a deadline, not synchronisation
                throw TimedOut(what: what, timeout: timeout, seen: self.all.map { "  \($0)" }.joined(separator: "\n"))
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
