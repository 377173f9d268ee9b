import NIOCore
import NetMgrCore
@testable import NetMgrServer
import TN3270
import Testing

/// Which LU an emulator gets (TNLUAssigner): by name, by address, from a pool; the same pool
/// LU on both nodes; KEEPLU reservations against an injected clock.
@Suite("TN server: LU assignment")
struct TNLUAssignerTests {
    static let here = SourceLocation(file: "tn.yaml", line: 1, column: 1)

    static func settings(keepLU: Int = 60) -> TNServerSettings {
        var settings = TNServerSettings(location: here)
        settings.keepLUSeconds = keepLU
        settings.pools = [TNPool(name: "POOL", lus: (1...8).map { "TERM0\($0)" }, location: here)]
        settings.map = [
            TNClientMap(clients: [AddressBlock(parsing: "10.0.0.0/8")!], lus: ["NAMED1"], generic: .pool("POOL"), location: here),
            TNClientMap(clients: [AddressBlock(parsing: "10.9.0.0/16")!], lus: ["NAMED2"], generic: nil, location: here),
            TNClientMap(clients: [AddressBlock(parsing: "10.9.9.9")!], lus: [], generic: .lu("FIXED"), location: here),
        ]
        return settings
    }

    static func address(_ text: String) -> IPAddress { IPAddress(text)! }
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    @Test("by name: granted when the client's entry maps it, INV-NAME otherwise")
    func byName() {
        var assigner = TNLUAssigner(settings: Self.settings())
        #expect(assigner.decide(.connect("NAMED1"), from: Self.address("10.1.1.1"), now: Self.t0).lu == "NAMED1")
        #expect(assigner.decide(.connect("named1"), from: Self.address("10.1.1.1"), now: Self.t0).lu == "NAMED1", "names are case-insensitive")
        // A pool's LU may be asked for by name by clients of that pool.
        #expect(assigner.decide(.connect("TERM03"), from: Self.address("10.1.1.1"), now: Self.t0).lu == "TERM03")
        // The most specific entry decides: 10.9/16 maps NAMED2 only.
        #expect(assigner.decide(.connect("NAMED1"), from: Self.address("10.9.1.1"), now: Self.t0).reason == .invalidName)
        #expect(assigner.decide(.connect("NAMED2"), from: Self.address("10.9.1.1"), now: Self.t0).lu == "NAMED2")
        #expect(assigner.decide(.connect("NAMED2"), from: Self.address("10.1.1.1"), now: Self.t0).reason == .invalidName)
        // No entry holds the address.
        #expect(assigner.decide(.connect("NAMED1"), from: Self.address("192.0.2.1"), now: Self.t0).reason == .invalidName)
        // ASSOCIATE of a display without a printer pair (TNPrinterAssignerTests has the rest).
        #expect(assigner.decide(.associate("NAMED1"), deviceType: "IBM-3287-1", from: Self.address("10.1.1.1"), now: Self.t0).reason == .invalidAssociate)
    }

    @Test("generic: the entry's LU or a pool LU; UNSUPPORTED-REQ without one; the pool's name is a generic request")
    func generic() {
        var assigner = TNLUAssigner(settings: Self.settings())
        #expect(assigner.decide(.any, from: Self.address("10.9.9.9"), now: Self.t0).lu == "FIXED")
        #expect(assigner.decide(.any, from: Self.address("10.9.1.1"), now: Self.t0).reason == .unsupportedRequest)
        #expect(assigner.decide(.any, from: Self.address("192.0.2.1"), now: Self.t0).reason == .unsupportedRequest)
        let client = Self.address("10.1.1.1")
        let ranked = TNLUAssigner.rank(Self.settings().pools[0].lus, for: client)
        #expect(assigner.decide(.any, from: client, now: Self.t0).lu == ranked[0])
        #expect(assigner.decide(.connect("POOL"), from: client, now: Self.t0).lu == ranked[0])
    }

    @Test("a pool gives a client the same LU on two nodes that share nothing; others are passed over")
    func determinism() {
        let pool = Self.settings().pools[0].lus
        let clients = (1...40).map { Self.address("10.0.\($0 / 10).\($0)") }
        // Node A serves them one after the other; node B sees each alone, as after a failover.
        var nodeA = TNLUAssigner(settings: Self.settings())
        var firstChoices = 0
        for client in clients.prefix(8) {
            guard let lu = nodeA.decide(.any, from: client, now: Self.t0).lu else { Issue.record("no LU for \(client)"); continue }
            nodeA.hold(lu, client: client)
            var nodeB = TNLUAssigner(settings: Self.settings())
            let alone = nodeB.decide(.any, from: client, now: Self.t0).lu
            #expect(alone == TNLUAssigner.rank(pool, for: client)[0])
            if lu == alone { firstChoices += 1 }
            // Passed over only for LUs node A had given to earlier clients.
            let ranked = TNLUAssigner.rank(pool, for: client)
            let skipped = ranked.prefix { $0 != lu }
            #expect(skipped.allSatisfy { nodeA.held[$0] != nil && nodeA.held[$0] != client })
        }
        #expect(firstChoices >= 1)
        // The ranking is a pure function of address and pool: pinned, so no per-process seed creeps in.
        #expect(TNLUAssigner.rank(["A", "B", "C", "D"], for: Self.address("127.0.98.1")) == TNLUAssigner.rank(["D", "C", "B", "A"], for: Self.address("127.0.98.1")))
        #expect(TNLUAssigner.score(Array("127.0.98.1".utf8), "TERM01") == Self.pinnedScore)
        // Different clients spread over the pool.
        let firsts = Set(clients.map { TNLUAssigner.rank(pool, for: $0)[0] })
        #expect(firsts.count >= 5, "40 clients over 8 LUs: \(firsts)")
    }

    /// FNV-1a 64 + SplitMix64 finaliser of "127.0.98.1\0TERM01", computed independently (Python) once.
    static let pinnedScore: UInt64 = 8_387_103_004_725_209_110

    @Test("held LUs are DEVICE-IN-USE by name (but to their own address, which takes them over) and passed over in a pool")
    func held() {
        var assigner = TNLUAssigner(settings: Self.settings())
        let a = Self.address("10.1.1.1"), b = Self.address("10.1.1.2")
        assigner.hold("NAMED1", client: a)
        #expect(assigner.decide(.connect("NAMED1"), from: b, now: Self.t0).reason == .deviceInUse)
        // The same address naming the LU takes it over (takeover: same-address, the default).
        #expect(assigner.decide(.connect("NAMED1"), from: a, now: Self.t0).lu == "NAMED1")
        var strict = Self.settings()
        strict.takeover = .off
        var noTakeover = TNLUAssigner(settings: strict)
        noTakeover.hold("NAMED1", client: a)
        #expect(noTakeover.decide(.connect("NAMED1"), from: a, now: Self.t0).reason == .deviceInUse, "takeover: off: one session per LU, the same client included")
        let first = TNLUAssigner.rank(Self.settings().pools[0].lus, for: b)
        assigner.hold(first[0], client: a)
        #expect(assigner.decide(.any, from: b, now: Self.t0).lu == first[1])
        // Taken by a LAN application: passed over, and refused by name.
        #expect(assigner.decide(.any, from: b, now: Self.t0, takenElsewhere: { $0 == first[1] }).lu == first[2])
        #expect(assigner.decide(.connect("TERM01"), from: b, now: Self.t0, takenElsewhere: { $0 == "TERM01" }).reason == .deviceInUse)
        // Everything held: DEVICE-IN-USE.
        for lu in Self.settings().pools[0].lus { assigner.hold(lu, client: a) }
        #expect(assigner.decide(.any, from: b, now: Self.t0).reason == .deviceInUse)
    }

    @Test("keep-lu: an LU is kept for its last client until the time is up, then anyone may have it")
    func keepLU() {
        var assigner = TNLUAssigner(settings: Self.settings(keepLU: 60))
        let a = Self.address("10.1.1.1"), b = Self.address("10.1.1.2")
        assigner.hold("NAMED1", client: a)
        assigner.release("NAMED1", client: a, now: Self.t0)
        #expect(assigner.decide(.connect("NAMED1"), from: b, now: Self.t0 + .seconds(59)).reason == .deviceInUse)
        #expect(assigner.decide(.connect("NAMED1"), from: a, now: Self.t0 + .seconds(59)).lu == "NAMED1")
        #expect(assigner.decide(.connect("NAMED1"), from: b, now: Self.t0 + .seconds(60)).lu == "NAMED1")
        #expect(assigner.reserved.isEmpty, "expired reservations are dropped")

        // A pool client that got its second choice gets it back, not its (now free) first.
        var pool = TNLUAssigner(settings: Self.settings(keepLU: 60))
        let ranked = TNLUAssigner.rank(Self.settings().pools[0].lus, for: a)
        pool.hold(ranked[0], client: b)
        let second = pool.decide(.any, from: a, now: Self.t0).lu
        #expect(second == ranked[1])
        pool.hold(ranked[1], client: a)
        pool.release(ranked[1], client: a, now: Self.t0)
        pool.release(ranked[0], client: b, now: Self.t0)
        #expect(pool.decide(.any, from: a, now: Self.t0 + .seconds(10)).lu == ranked[1])
        // b's kept LU is not given to a, nor a's to b.
        #expect(pool.decide(.any, from: b, now: Self.t0 + .seconds(10)).lu == ranked[0])
        // keep-lu 0: freed at once.
        var none = TNLUAssigner(settings: Self.settings(keepLU: 0))
        none.hold("NAMED1", client: a)
        none.release("NAMED1", client: a, now: Self.t0)
        #expect(none.decide(.connect("NAMED1"), from: b, now: Self.t0).lu == "NAMED1")
    }
}

extension TNLUAssigner.Decision {
    var lu: String? { if case .grant(let lu, _) = self { lu } else { nil } }
    var reason: TN3270ERejectReason? { if case .reject(let reason, _) = self { reason } else { nil } }
}
