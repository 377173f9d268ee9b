import NIOCore
import NetMgrProtocol
@testable import NetMgrServer
import PropertyBased
import TN3270
import Testing

@Suite("LU delivery machine")
struct LUDeliveryMachineTests {
    private static let steps = Gen.int(in: 0...(LUDeliveryWorld.HostStep.allCases.count - 1)).array(of: 0...120)

    @Test("random host behaviour: nothing acked before the host took it, no input while locked or queried, order kept, and everything settles once the host behaves")
    func randomHosts() async {
        await propertyCheck(count: 300, input: Self.steps, Gen.int(in: 0...2)) { codes, kind in
            var world = LUDeliveryWorld(host: LUDeliveryWorld.HostKind(rawValue: kind)!)
            for code in codes { world.step(LUDeliveryWorld.HostStep(rawValue: code)!) }
            let settled = world.behave()
            #expect(world.violations.isEmpty, "\(world.violations)")
            #expect(settled, "\(world.machine.unackedCount) message(s) neither acked nor failed (phase \(world.machine.phase))")
            let ended = Set(world.accepted + world.failed)
            #expect(ended == Set(world.submitted), "submitted \(world.submitted.count), acked \(world.accepted.count), failed \(world.failed.count)")
            #expect(world.accepted.count + world.failed.count == world.submitted.count, "a message ended twice")
        }
    }

    @Test("random host behaviour, then stop: the machine reports stopped once and holds no connect slot")
    func randomStops() async {
        await propertyCheck(count: 200, input: Self.steps, Gen.int(in: 0...2)) { codes, kind in
            var world = LUDeliveryWorld(host: LUDeliveryWorld.HostKind(rawValue: kind)!)
            for code in codes { world.step(LUDeliveryWorld.HostStep(rawValue: code)!) }
            let stopped = world.stopAndSettle()
            #expect(stopped, "never reported stopped (phase \(world.machine.phase))")
            #expect(world.slotsHeld == 0)
            #expect(world.violations.isEmpty, "\(world.violations)")
        }
    }

    @Test("a host that queries after the bind gets a Query Reply, and the message waits for the keyboard", arguments: [false, true])
    func queryAfterBind(basic: Bool) {
        var world = LUDeliveryWorld(basicHost: basic)
        world.step(.grantSlot)
        world.step(.completeConnect)
        #expect(world.isBound)
        world.step(.submit)
        world.step(.query)
        #expect(world.queryReplies == 1)
        #expect(world.records == 0, "no input before the host gives the keyboard back")
        // The keyboard restore that answers the Query Reply acks nothing.
        world.step(.restoreKeyboard)
        #expect(world.accepted.isEmpty)
        #expect(world.records == 1)
        world.step(basic ? .restoreKeyboard : .respondPositive)
        #expect(world.accepted == [1])
        #expect(world.violations.isEmpty, "\(world.violations)")
    }

    @Test("the keyboard stays locked until the host restores it: no self-unlock after any time")
    func noSelfUnlock() {
        var world = LUDeliveryWorld(basicHost: true)
        world.step(.grantSlot)
        world.step(.completeConnect)
        world.step(.submit)
        for _ in 0..<5 { world.step(.advanceTime); world.step(.fireTimer) }
        #expect(world.records == 0)
        #expect(world.machine.keyboardLocked)
    }

    @Test("a session closed without taking input is a rejection with the screen's first line; backoff grows across such cycles")
    func screenRejection() {
        var world = LUDeliveryWorld(basicHost: false)
        var delays: [TimeAmount] = []
        for _ in 0..<5 {
            world.reconnect()
            world.step(.submit)
            world.step(.paintScreen)
            let before = world.now
            world.step(.closeConnection)
            #expect(world.machine.rejection == .closedWithoutInput(screen: "NO AVAILABLE 3270 DEVICES"))
            delays.append(world.timers[.reconnect]! - before)
        }
        #expect(world.accepted.isEmpty && world.records == 0)
        #expect(zip(delays, delays.dropFirst()).allSatisfy { $0 < $1 }, "\(delays)")
        // Once the host takes input, the rejection is over and the messages go out.
        let settled = world.behave()
        #expect(settled)
        #expect(world.machine.rejection == nil)
        #expect(world.accepted.count == 5)
    }

    @Test("issue 16: after a screen-level refusal, a new session is not bound until the host takes the LU", arguments: [false, true])
    func refusedAtScreenIsNotBound(basic: Bool) {
        var world = LUDeliveryWorld(basicHost: basic)
        world.step(.submit)
        // The first session: nothing on record yet, so the negotiation counts as the bind.
        world.reconnect()
        #expect(world.states.last?.state == .bound, "\(world.states)")
        world.step(.paintScreen)
        world.step(.closeConnection)
        #expect(world.machine.rejection == .closedWithoutInput(screen: "NO AVAILABLE 3270 DEVICES"))
        // Refused again and again (a frozen node still holds the device): never bound.
        for _ in 0..<3 {
            world.reconnect()
            #expect(world.machine.phase == .bound)
            #expect(world.states.last?.state == .hostLost, "\(world.states)")
            #expect(world.states.last?.detail.contains("not bound until the host takes the LU") == true, "\(world.states)")
            world.step(.paintScreen)
            #expect(world.states.last?.state != .bound)
            #expect(world.machine.rejection != nil)
            world.step(.closeConnection)
        }
        // The device is free: the host's keyboard restore is the bind, and the message goes.
        world.reconnect()
        #expect(world.states.last?.state != .bound)
        world.step(.restoreKeyboard)
        #expect(world.states.last?.state == .bound, "\(world.states)")
        #expect(world.machine.rejection == nil)
        #expect(world.records == 1)
        #expect(world.violations.isEmpty, "\(world.violations)")
    }

    @Test("issue 16: after a screen-level refusal, another first screen without the keyboard (Hercules with no OS) is the bind")
    func otherScreenIsBound() {
        var world = LUDeliveryWorld(basicHost: true)
        world.reconnect()
        world.step(.paintScreen)
        world.step(.closeConnection)
        world.reconnect()
        #expect(world.states.last?.state == .hostLost)
        world.step(.paintOtherScreen)
        #expect(world.states.last?.state == .bound, "\(world.states)")
        #expect(world.machine.rejection == nil)
        #expect(world.machine.keyboardLocked)
        #expect(world.violations.isEmpty, "\(world.violations)")
    }

    @Test("issue 16: DEVICE-IN-USE shows as a refusal until the host grants the LU, and a connection given up on says the host refuses, not that it hung")
    func deviceInUseIsARefusal() {
        var world = LUDeliveryWorld(host: .tn3270e)
        world.step(.rejectNextRequest)
        world.reconnect()
        #expect(world.machine.rejection == .refused(.deviceInUse))
        #expect(world.states.last?.state == .waitingForHost && world.states.last?.detail.contains("DEVICE-IN-USE") == true, "\(world.states)")
        // Refused on every retry on this connection until the negotiation deadline closes it.
        for _ in 0..<100 where world.machine.phase == .negotiating {
            if let again = world.timers[.renegotiate], let deadline = world.timers[.negotiation], again < deadline {
                world.step(.rejectNextRequest)
            }
            world.step(.fireTimer)
        }
        #expect(world.machine.phase == .retryWait)
        #expect(world.states.last?.detail.contains("host still refuses LU01: DEVICE-IN-USE") == true, "\(world.states.last.map { "\($0)" } ?? "none")")
        #expect(world.logs.contains { $0.level == .info && $0.message.contains("still refuses") })
        #expect(!world.logs.contains { $0.message.contains("did not complete negotiation") })
        #expect(world.machine.rejection == .refused(.deviceInUse))
        #expect(!world.states.contains { $0.state == .bound })
        // The host lets go: granted on the next connection, and the refusal is over.
        world.reconnect()
        #expect(world.states.last?.state == .bound)
        #expect(world.machine.rejection == nil)
        #expect(world.violations.isEmpty, "\(world.violations)")
    }

    @Test("a permanent REJECT is a configuration error: shown as such and retried after tens of seconds")
    func permanentReject() {
        var world = LUDeliveryWorld(basicHost: false)
        world.step(.refuseNextRequestPermanently)
        world.step(.grantSlot)
        world.step(.completeConnect)
        #expect(world.machine.rejection == .permanent(.invalidDeviceType))
        #expect(world.machine.phase == .retryWait)
        let delay = world.timers[.reconnect].map { $0 - world.now } ?? .zero
        #expect(delay >= .seconds(20))
        #expect(world.slotsHeld == 0)
    }

    @Test("a message the host refuses by closing, again and again, fails as host-rejected and the next one goes on")
    func poisonMessage() {
        var world = LUDeliveryWorld(basicHost: false, refusalLimit: 3)
        world.step(.submit)
        world.step(.submit)
        for _ in 0..<3 {
            world.reconnect()
            world.step(.restoreKeyboard)
            world.step(.closeConnection)
        }
        #expect(world.failed == [1])
        let settled = world.behave()
        #expect(settled)
        #expect(world.accepted == [2])
        #expect(world.violations.isEmpty, "\(world.violations)")
    }

    @Test("netmgrd's own close (a deactivation) is no host refusal: the message in flight is not failed")
    func ownCloseIsNoRefusal() {
        var world = LUDeliveryWorld(basicHost: false, refusalLimit: 1)
        world.step(.submit)
        world.reconnect()
        world.step(.restoreKeyboard)
        #expect(world.machine.inFlightCount == 1)
        let settled = world.stopAndSettle()
        #expect(settled)
        #expect(world.failed.isEmpty, "failed \(world.failed) at a stop")
        #expect(world.violations.isEmpty, "\(world.violations)")
    }

    @Test("a stall is warned about once, after 30 s without an ack, and again only after progress")
    func stallWarning() {
        var world = LUDeliveryWorld(host: .tn3270e)
        world.reconnect()
        world.step(.submit)  // the host never gives the keyboard back
        world.advance(by: .seconds(29))
        #expect(world.logs.filter { $0.level == .warning && $0.message.contains("no message acked") }.isEmpty, "not before 30 s")
        for _ in 0..<120 { world.advance(by: .seconds(1)) }
        let warnings = world.logs.filter { $0.level == .warning && $0.message.contains("no message acked") }
        #expect(warnings.count == 1, "\(warnings)")
        #expect(warnings.first?.message.contains("keeps the keyboard locked") == true)
        #expect(world.machine.oldestUnackedAge(now: world.now).map { $0 >= .seconds(120) } == true)
        // Progress ends the stall; the next one is warned about again.
        world.step(.restoreKeyboard)
        world.step(.respondPositive)
        #expect(world.accepted == [1])
        world.step(.submit)
        world.advance(by: .seconds(31))
        #expect(world.logs.filter { $0.level == .warning && $0.message.contains("no message acked") }.count == 2)
    }

    @Test("a TN3270E terminal on a host without definite responses says so (the attachment logs it once per resource)", arguments: [
        LUDeliveryWorld.HostKind.basic, .tn3270eWithoutResponses, .tn3270e,
    ])
    func noDefiniteResponses(host: LUDeliveryWorld.HostKind) {
        var world = LUDeliveryWorld(host: host)
        world.reconnect()
        #expect(world.isBound)
        #expect(world.noDefiniteResponseWarnings.count == (host == .tn3270e ? 0 : 1))
    }

    @Test("connect slots are released when negotiation ends, not at TCP connect")
    func slotHeldThroughNegotiation() {
        var machine = LUDeliveryMachine(configuration: .init(client: TN3270ClientConfiguration(luName: "LU01"), retry: RetryPolicy()))
        let now = NIODeadline.uptimeNanoseconds(1)
        _ = machine.start(now: now)
        _ = machine.slotGranted(now: now)
        let connected = machine.connected(now: now)
        #expect(!connected.contains { if case .releaseConnectSlot = $0 { true } else { false } })
        let closed = machine.closed(now: now)
        #expect(closed.filter { if case .releaseConnectSlot = $0 { true } else { false } }.count == 1)
    }
}
