import ISDN
import NIOCore
import Testing
import NetMgrTestSupport

/// The user side (netmgrd, host) against the network side (exchange), in memory: two or
/// three subscribers, a routing exchange, a hand-advanced clock.
@Suite("ISDN calls: user side against network side")
struct ISDNCallTests {
    static let nodeA = "0312340011"
    static let host = "0300002222"

    func bench(hostPolicy: ISDNUserSide.IncomingCallPolicy = .answer, noAnswer: TimeAmount = .seconds(30)) -> ISDNTestBench {
        var bench = ISDNTestBench(
            numbers: [Self.nodeA, Self.host],
            userConfiguration: { number in
                ISDNUserSide.Configuration(ownNumber: number, incomingCalls: number == Self.host ? hostPolicy : .reject)
            },
            networkConfiguration: { ISDNNetworkSide.Configuration(subscriberNumber: $0, noAnswerTimeout: noAnswer) })
        bench.startAll()
        return bench
    }

    @Test("data links come up on start (SABME/UA)")
    func linksUp() {
        let bench = bench()
        #expect(bench.users.allSatisfy { $0.link.isEstablished })
        #expect(bench.networks.allSatisfy { $0.link.isEstablished })
        #expect(bench.networkActions[0].contains(.linkUp))
    }

    @Test("node calls host: the host sees the node's number, both ends connected on a B channel")
    func callSetUp() throws {
        var bench = bench()
        bench.user(0) { $0.call(Self.host, now: $1) }
        #expect(bench.userActions[1].contains(.incomingCall(callingNumber: Self.nodeA, calledNumber: Self.host)))
        let caller = try #require(bench.connected(0).first)
        let callee = try #require(bench.connected(1).first)
        guard case .connected(let channel, let calling, let called) = caller, case .connected(_, let hostSawCalling, _) = callee else {
            Issue.record("not connected")
            return
        }
        #expect(channel == .b1)
        #expect(calling == Self.nodeA && called == Self.host)
        #expect(hostSawCalling == Self.nodeA)
        #expect(bench.users[0].callState == .active && bench.users[1].callState == .active)
    }

    @Test("clearing by the caller: both see cause 16 and return to the null state")
    func clearingByCaller() {
        var bench = bench()
        bench.user(0) { $0.call(Self.host, now: $1) }
        bench.user(0) { $0.hangUp(cause: Q931Cause.normalClearing, now: $1) }
        #expect(bench.cleared(0).map(\.0) == [16])
        #expect(bench.cleared(1).map(\.0) == [16])
        #expect(bench.users[0].callState == .null && bench.users[1].callState == .null)
        #expect(bench.networks.allSatisfy { $0.callStates.isEmpty })
    }

    @Test("clearing by the called side reaches the caller with its cause")
    func clearingByCalled() {
        var bench = bench()
        bench.user(0) { $0.call(Self.host, now: $1) }
        bench.user(1) { $0.hangUp(cause: Q931Cause.normalUnspecified, now: $1) }
        #expect(bench.cleared(0).map(\.0) == [31])
        #expect(bench.cleared(1).map(\.0) == [31])
    }

    @Test("a refused call: the caller sees cause 21")
    func rejected() {
        var bench = bench(hostPolicy: .reject)
        bench.user(0) { $0.call(Self.host, now: $1) }
        #expect(bench.cleared(0).map(\.0) == [Q931Cause.callRejected])
        #expect(bench.connected(0).isEmpty)
    }

    @Test("busy: a second caller to a host with both B channels in use sees cause 17")
    func busy() {
        var bench = ISDNTestBench(numbers: ["1", "2", "3", Self.host],
                                  userConfiguration: { ISDNUserSide.Configuration(ownNumber: $0, incomingCalls: .answer) })
        bench.startAll()
        bench.user(0) { $0.call(Self.host, now: $1) }
        #expect(bench.connected(0).count == 1)
        // The host's user side has one call: the second SETUP is answered busy by the user.
        bench.user(1) { $0.call(Self.host, now: $1) }
        #expect(bench.cleared(1).map(\.0) == [Q931Cause.userBusy])
        #expect(bench.networks[3].callStates.count == 1)
    }

    @Test("the network side offers at most two calls (B1, B2); a third gets no channel")
    func bothChannelsInUse() {
        var network = ISDNNetworkSide(configuration: .init(subscriberNumber: Self.host))
        let now = NIODeadline.uptimeNanoseconds(0)
        let first = network.deliverSetup(callingNumber: "1", calledNumber: Self.host, now: now)
        let second = network.deliverSetup(callingNumber: "2", calledNumber: Self.host, now: now)
        let third = network.deliverSetup(callingNumber: "3", calledNumber: Self.host, now: now)
        #expect(first.call != nil && second.call != nil && first.call != second.call)
        #expect(third.call == nil && third.actions.isEmpty)
        // The first SETUP waits for the data link: a SABME goes out first.
        #expect(first.actions.contains { if case .send(let frame) = $0 { bytes(frame) == [0x02, 0x01, 0x7F] } else { false } })
    }

    @Test("no answer: the network clears with cause 19 after the configured time")
    func noAnswer() {
        var bench = bench(hostPolicy: .ask, noAnswer: .seconds(3))
        bench.user(0) { $0.call(Self.host, now: $1) }
        #expect(bench.userActions[1].contains(.incomingCall(callingNumber: Self.nodeA, calledNumber: Self.host)))
        bench.advance(.seconds(2))
        #expect(bench.cleared(0).isEmpty)
        bench.advance(.seconds(2))
        #expect(bench.cleared(0).map(\.0) == [Q931Cause.noAnswer])
        #expect(bench.cleared(1).map(\.0) == [Q931Cause.noAnswer])
    }

    @Test("answering by hand: CALL PROCEEDING, ALERTING, CONNECT after answerIncoming(true)")
    func answerByHand() {
        var bench = bench(hostPolicy: .ask)
        bench.user(0) { $0.call(Self.host, now: $1) }
        #expect(bench.connected(0).isEmpty)
        #expect(bench.users[1].callState == .callPresent)
        bench.user(1) { $0.answerIncoming(true, now: $1) }
        #expect(bench.connected(0).count == 1 && bench.connected(1).count == 1)
    }

    @Test("an unknown number: the caller sees cause 1")
    func unknownNumber() {
        var bench = bench()
        bench.user(0) { $0.call("0999", now: $1) }
        #expect(bench.cleared(0).map(\.0) == [Q931Cause.unallocatedNumber])
    }

    @Test("T303: no answer to SETUP at all (frames lost) clears the call")
    func t303() {
        var bench = bench()
        bench.cutToNetwork.insert(0)
        bench.user(0) { $0.call(Self.host, now: $1) }
        bench.advance(.seconds(3))
        #expect(bench.cleared(0).isEmpty)
        bench.advance(.seconds(10))
        // LAPD gives up first (T200 × N200) or Q.931 T303 twice: either way the call is gone.
        #expect(bench.cleared(0).count == 1)
        #expect(bench.users[0].callState == .null)
    }

    @Test("data link loss during a call clears it with cause 41 on the user side, the exchange clears the other leg")
    func linkLoss() {
        var bench = bench()
        bench.user(0) { $0.call(Self.host, now: $1) }
        #expect(bench.connected(0).count == 1)
        bench.cutToNetwork.insert(0)
        bench.cutToUser.insert(0)
        bench.advance(.seconds(20))
        #expect(bench.cleared(0).map(\.0) == [Q931Cause.temporaryFailure])
        #expect(bench.cleared(1).map(\.0) == [Q931Cause.temporaryFailure])
        // The link comes back when the frames flow again.
        bench.cutToNetwork.removeAll()
        bench.cutToUser.removeAll()
        bench.advance(.seconds(3))
        #expect(bench.users[0].link.isEstablished)
        bench.user(0) { $0.call(Self.host, now: $1) }
        #expect(bench.connected(0).count == 2)
    }

    @Test("layer 1 deactivation clears the call at once (cause 41)")
    func layer1() {
        var bench = bench()
        bench.user(0) { $0.call(Self.host, now: $1) }
        bench.performNetwork(0, bench.networks[0].layer1Deactivated(now: bench.now))
        bench.performUser(0, bench.users[0].layer1Deactivated(now: bench.now))
        bench.settle()
        #expect(bench.cleared(0).map(\.0) == [41])
        #expect(bench.cleared(1).map(\.0) == [41])
    }

    @Test("T305/T308: a network that never answers DISCONNECT still ends the call")
    func clearingTimers() {
        var bench = bench()
        bench.user(0) { $0.call(Self.host, now: $1) }
        bench.cutToNetwork.insert(0)
        bench.cutToUser.insert(0)
        bench.user(0) { $0.hangUp(cause: Q931Cause.normalClearing, now: $1) }
        bench.advance(.seconds(60))
        #expect(bench.users[0].callState == .null)
        #expect(bench.cleared(0).count == 1)
    }

    @Test("random frames to both sides never trap, and every frame they send parses")
    func randomFrames() throws {
        var generator = SplitMix64Generator(seed: 0x931_921)
        var user = ISDNUserSide(configuration: .init(ownNumber: "1", incomingCalls: .answer))
        var network = ISDNNetworkSide(configuration: .init(subscriberNumber: "2"))
        var now = NIODeadline.uptimeNanoseconds(0)
        var sent = 0
        _ = user.start(now: now)
        for _ in 0..<20_000 {
            now = now + .milliseconds(Int64.random(in: 0...300, using: &generator))
            var frame: [UInt8] = [[0x00, 0x02][Int.random(in: 0...1, using: &generator)], 0x01]
            frame += [[0x7F, 0x73, 0x1F, 0x53, 0x00, 0x01, 0x09, 0x05][Int.random(in: 0..<8, using: &generator)]]
            frame += (0..<Int.random(in: 0...12, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if frame[2] == 0x00, frame.count > 4, Bool.random(using: &generator) {
                frame.replaceSubrange(4..., with: Q931CodecTests.setupVector)
            }
            for action in user.receive(buffer(frame), now: now) + user.tick(now: now) {
                if case .send(let bytes) = action {
                    sent += 1
                    _ = try LAPDFrame(parsing: bytes)
                }
            }
            for action in network.receive(buffer(frame), now: now) + network.tick(now: now) {
                if case .send(let bytes) = action { _ = try LAPDFrame(parsing: bytes) }
            }
        }
        #expect(sent > 100)
    }
}
