import NetMgrCore
@testable import NetMgrServer
import NetMgrTestSupport
import Testing

@Suite("Connect pacing per host")
struct ConnectLimiterTests {
    @Test("at most the limit run at once; the rest start in the order asked as slots free")
    func order() {
        let limiter = ConnectLimiter(maximum: 2)
        var started: [Int] = []
        for n in 1...5 { limiter.acquire { started.append(n) } }
        #expect(started == [1, 2] && limiter.inProgress == 2 && limiter.waitingCount == 3)
        limiter.release()
        #expect(started == [1, 2, 3] && limiter.inProgress == 2)
        limiter.release()
        limiter.release()
        #expect(started == [1, 2, 3, 4, 5] && limiter.inProgress == 2 && limiter.waitingCount == 0)
        limiter.release()
        limiter.release()
        #expect(limiter.inProgress == 0)
    }

    @Test("waiters that release at once are served by a loop, not by recursion, and the count stays right")
    func synchronousReleases() {
        let limiter = ConnectLimiter(maximum: 1)
        var started = 0
        var deepest = 0
        var depth = 0
        limiter.acquire {}  // holds the only slot
        // 100,000 waiters that each give their slot back at once: recursion would nest
        // one release() per waiter and overflow the stack.
        for _ in 0..<100_000 {
            limiter.acquire {
                started += 1
                depth += 1
                deepest = max(deepest, depth)
                limiter.release()
                depth -= 1
            }
        }
        limiter.release()
        #expect(started == 100_000)
        #expect(deepest == 1)
        #expect(limiter.inProgress == 0 && limiter.waitingCount == 0)
    }

    @Test("a release without a slot held never drives the count negative")
    func extraRelease() {
        let limiter = ConnectLimiter(maximum: 1)
        limiter.release()
        limiter.release()
        #expect(limiter.inProgress == 0)
        var started: [Int] = []
        limiter.acquire { started.append(1) }
        limiter.acquire { started.append(2) }
        #expect(started == [1], "one slot means one at a time, even after stray releases")
    }

    @Test("an acquire made while waiters are being started queues behind them")
    func fairness() {
        let limiter = ConnectLimiter(maximum: 1)
        var started: [String] = []
        limiter.acquire { started.append("first") }
        limiter.acquire {
            started.append("second")
            limiter.release()
            limiter.acquire { started.append("late") }
        }
        limiter.acquire { started.append("third") }
        limiter.release()
        #expect(started == ["first", "second", "third"])
        limiter.release()
        #expect(started == ["first", "second", "third", "late"])
    }

    @Test("limits are per host endpoint: the smallest max-negotiations of the resources there")
    func perHost() throws {
        let directory = try TemporaryDirectory(prefix: "limiters")
        let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path
        for name in ["cluster.yaml", "lines.yaml", "lus.yaml"] {
            try String(contentsOfFile: "\(phonebook)/\(name)", encoding: .utf8).write(toFile: directory.file(name), atomically: true, encoding: .utf8)
        }
        try String(contentsOfFile: "\(phonebook)/phonebook.yaml", encoding: .utf8)
            .replacingOccurrences(of: "dialect: tn3270e ", with: "dialect: tn3270e\n    max-negotiations: 5 ")
            .replacingOccurrences(of: "  - name: TNREAL\n    line: LAN1\n    host: 127.0.0.100:2323",
                                  with: "  - name: TNREAL\n    line: LAN1\n    host: 127.0.0.101:2323\n    max-negotiations: 3")
            .write(toFile: directory.file("phonebook.yaml"), atomically: true, encoding: .utf8)
        let loaded = try DefinitionsLoader.load(directory: directory.path)
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        #expect(loaded.definitions.resource(named: "TNVIP")?.maxNegotiations == 5)
        var definitions = loaded.definitions
        let limiters = ConnectLimiters(definitions: definitions)
        let vipHost = Endpoint(host: "127.0.0.100", port: 2323)
        #expect(limiters.limiter(for: vipHost).maximum == 5)
        #expect(limiters.limiter(for: vipHost) === limiters.limiter(for: vipHost), "one limiter per endpoint")
        #expect(limiters.limiter(for: Endpoint(host: "127.0.0.101", port: 2323)).maximum == 3)
        #expect(limiters.limiter(for: Endpoint(host: "127.0.0.100", port: 23)).maximum == Resource.defaultMaxNegotiations)

        // Two resources at one endpoint share the smaller limit.
        let index = try #require(definitions.resources.firstIndex { $0.name == "TNREAL" })
        definitions.resources[index].host = .tcp(vipHost)
        #expect(ConnectLimiters(definitions: definitions).limiter(for: vipHost).maximum == 3)
    }
}
