import ISDN
import NIOCore

/// An in-memory world for the machine tests: user sides attached to network sides, the
/// D-channel frames carried between them (optionally lost), a clock advanced by hand, and a
/// tiny exchange that routes calls by number as the simulator will.
struct ISDNTestBench {
    var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    var users: [ISDNUserSide]
    var networks: [ISDNNetworkSide]
    var userActions: [[ISDNUserSide.Action]]
    var networkActions: [[ISDNNetworkSide.Action]]
    /// Frames in flight: (interface, toNetwork, bytes).
    var inFlight: [(Int, Bool, ByteBuffer)] = []
    /// Drop frames to the network on this interface while true.
    var cutToNetwork: Set<Int> = []
    var cutToUser: Set<Int> = []
    var routing = true
    /// Share of frames lost at random (both directions), drawn from `random`.
    var lossRate = 0.0
    var random: () -> Double = { 1.0 }
    /// Exchange legs: (interface, call) ↔ (interface, call).
    var legs: [Leg: Leg] = [:]

    struct Leg: Hashable { var interface: Int; var call: ISDNCallID }

    init(numbers: [String], userConfiguration: (String) -> ISDNUserSide.Configuration = { ISDNUserSide.Configuration(ownNumber: $0) },
         networkConfiguration: (String) -> ISDNNetworkSide.Configuration = { ISDNNetworkSide.Configuration(subscriberNumber: $0) }) {
        users = numbers.map { ISDNUserSide(configuration: userConfiguration($0)) }
        networks = numbers.map { ISDNNetworkSide(configuration: networkConfiguration($0)) }
        userActions = numbers.map { _ in [] }
        networkActions = numbers.map { _ in [] }
    }

    mutating func user(_ index: Int, _ body: (inout ISDNUserSide, NIODeadline) -> [ISDNUserSide.Action]) {
        let actions = body(&users[index], now)
        performUser(index, actions)
        settle()
    }

    mutating func performUser(_ index: Int, _ actions: [ISDNUserSide.Action]) {
        for action in actions {
            if case .send(let frame) = action {
                if !cutToNetwork.contains(index) { inFlight.append((index, true, frame)) }
            } else if case .setTimer = action {
            } else {
                userActions[index].append(action)
            }
        }
    }

    mutating func performNetwork(_ index: Int, _ actions: [ISDNNetworkSide.Action]) {
        for action in actions {
            switch action {
            case .send(let frame):
                if !cutToUser.contains(index) { inFlight.append((index, false, frame)) }
            case .setTimer:
                break
            default:
                networkActions[index].append(action)
                if routing { route(index, action) }
            }
        }
    }

    /// The exchange: numbers are the users' own numbers.
    mutating func route(_ index: Int, _ action: ISDNNetworkSide.Action) {
        switch action {
        case .callRequested(let id, _, let calling, let called):
            let from = Leg(interface: index, call: id)
            guard let target = networks.firstIndex(where: { $0.configuration.subscriberNumber == called }) else {
                performNetwork(index, networks[index].release(id, cause: Q931Cause.unallocatedNumber, now: now))
                return
            }
            let (call, actions) = networks[target].deliverSetup(callingNumber: calling, calledNumber: called, now: now)
            guard let call else {
                performNetwork(index, networks[index].release(id, cause: Q931Cause.userBusy, now: now))
                return
            }
            let to = Leg(interface: target, call: call)
            legs[from] = to
            legs[to] = from
            performNetwork(target, actions)
        case .alerting(let id):
            if let other = legs[Leg(interface: index, call: id)] {
                performNetwork(other.interface, networks[other.interface].alert(other.call, now: now))
            }
        case .answered(let id, _):
            if let other = legs[Leg(interface: index, call: id)] {
                performNetwork(other.interface, networks[other.interface].connect(other.call, now: now))
            }
        case .cleared(let id, let cause, _):
            let leg = Leg(interface: index, call: id)
            if let other = legs[leg] {
                legs[leg] = nil
                legs[other] = nil
                performNetwork(other.interface, networks[other.interface].release(other.call, cause: cause, now: now))
            }
        default:
            break
        }
    }

    /// Delivers frames until none are in flight (bounded).
    mutating func settle() {
        var rounds = 0
        while !inFlight.isEmpty, rounds < 10_000 {
            rounds += 1
            let (index, toNetwork, frame) = inFlight.removeFirst()
            if lossRate > 0, random() < lossRate { continue }
            if toNetwork {
                performNetwork(index, networks[index].receive(frame, now: now))
            } else {
                performUser(index, users[index].receive(frame, now: now))
            }
        }
    }

    /// Advances the clock by `amount` in steps, firing every due timer.
    mutating func advance(_ amount: TimeAmount, step: TimeAmount = .milliseconds(100)) {
        let end = now + amount
        while now < end {
            now = min(end, now + step)
            for index in users.indices {
                performUser(index, users[index].tick(now: now))
                performNetwork(index, networks[index].tick(now: now))
            }
            settle()
        }
    }

    mutating func startAll() {
        for index in users.indices {
            performNetwork(index, networks[index].start(now: now))
            performUser(index, users[index].start(now: now))
        }
        settle()
    }

    func connected(_ index: Int) -> [ISDNUserSide.Action] {
        userActions[index].filter { if case .connected = $0 { return true } else { return false } }
    }

    func cleared(_ index: Int) -> [(UInt8, String)] {
        userActions[index].compactMap { if case .cleared(let cause, let reason) = $0 { return (cause, reason) } else { return nil } }
    }
}
