/// A broken property of the code under test: trap, so libFuzzer keeps the input as a crash.
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
