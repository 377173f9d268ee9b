/// Waits for `condition` until `timeout` passes, checking it every few milliseconds; true
/// as soon as it holds. For `#expect(await eventually { ... })` on state other tasks change.
public func eventually(_ timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))  // polling interval under a deadline
    }
    return try await condition()
}
