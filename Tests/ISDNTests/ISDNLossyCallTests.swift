import ISDN
import NIOCore
import Testing
import NetMgrTestSupport

/// Calls over D channels that lose frames at random (seeded): whatever is lost, every call
/// ends connected or cleared, and after clearing every machine is back to null in bounded time.
@Suite("ISDN calls over lossy D channels")
struct ISDNLossyCallTests {
    @Test("random frame loss never leaves a call hanging", arguments: 1...40)
    func lossy(seed: UInt64) {
        var generator = SplitMix64Generator(seed: seed)
        var bench = ISDNTestBench(numbers: ["0312340011", "0300002222"],
                                  userConfiguration: { ISDNUserSide.Configuration(ownNumber: $0, incomingCalls: .answer) },
                                  networkConfiguration: { ISDNNetworkSide.Configuration(subscriberNumber: $0, noAnswerTimeout: .seconds(20)) })
        bench.startAll()
        bench.lossRate = 0.3
        bench.random = { Double.random(in: 0..<1, using: &generator) }
        bench.user(0) { $0.call("0300002222", now: $1) }
        bench.advance(.seconds(70))
        let outcome = bench.connected(0).count + bench.cleared(0).count
        #expect(outcome >= 1, "seed \(seed): the call neither connected nor cleared: \(bench.userActions[0])")
        bench.user(0) { $0.hangUp(cause: Q931Cause.normalClearing, now: $1) }
        bench.lossRate = 0
        bench.advance(.seconds(80))
        #expect(bench.users.allSatisfy { $0.callState == .null }, "seed \(seed): \(bench.users.map(\.callState))")
        #expect(bench.networks.allSatisfy { $0.callStates.isEmpty }, "seed \(seed): \(bench.networks.map(\.callStates))")
        #expect(bench.users.allSatisfy { $0.link.isEstablished })
    }
}
