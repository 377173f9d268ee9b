/// A test's own failure with what went wrong, for `throw` in test support.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

