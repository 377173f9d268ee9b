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

    /// SplitMix64: a seeded generator, so a failing sequence can be replayed.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("random acquires and releases, some released at once by the starter: never over the limit, never negative, in order, none lost",
          arguments: 1...200)
    func randomSequences(seed: Int) {
        var random = Seeded(state: UInt64(seed))
        let maximum = Int.random(in: 1...4, using: &random)
        let limiter = ConnectLimiter(maximum: maximum)
        var running: [Int] = []  // started and not yet released, oldest first
        var started: [Int] = []
        var asked = 0
        var overLimit = false
        func ask(immediateRelease: Bool) {
            asked += 1
            let id = asked
            limiter.acquire {
                started.append(id)
                if limiter.inProgress > maximum { overLimit = true }
                if immediateRelease { limiter.release() } else { running.append(id) }
            }
        }
        for _ in 0..<Int.random(in: 1...60, using: &random) {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<4: ask(immediateRelease: false)
            case 4..<6: ask(immediateRelease: true)
            case 6..<9:
                if !running.isEmpty { running.remove(at: Int.random(in: 0..<running.count, using: &random)); limiter.release() }
            default: if running.isEmpty { limiter.release() }  // a stray release, with no slot held
            }
            #expect(limiter.inProgress >= 0 && limiter.inProgress <= maximum)
            #expect(limiter.inProgress == running.count, "every slot counted is one held")
            #expect(limiter.waitingCount == 0 || limiter.inProgress == maximum, "nobody waits while a slot is free")
        }
        while !running.isEmpty {
            running.removeFirst()
            limiter.release()
        }
        #expect(!overLimit)
        #expect(started == (0..<asked).map { $0 + 1 }, "each started once, in the order asked")
        #expect(limiter.inProgress == 0 && limiter.waitingCount == 0)
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

        // A reload's limits reach the limiters that exist already; a larger one starts waiters.
        let existing = limiters.limiter(for: vipHost)
        limiters.learnLimits(of: definitions)
        #expect(existing.maximum == 3)
        var started = 0
        for _ in 0..<5 { existing.acquire { started += 1 } }
        #expect(started == 3 && existing.waitingCount == 2)
        definitions.resources[index].maxNegotiations = 4
        let tnvip = try #require(definitions.resources.firstIndex { $0.name == "TNVIP" })
        definitions.resources[tnvip].maxNegotiations = 4
        limiters.learnLimits(of: definitions)
        #expect(existing.maximum == 4 && started == 4 && existing.waitingCount == 1)
    }
}
