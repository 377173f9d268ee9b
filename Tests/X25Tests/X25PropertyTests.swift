import NIOCore
import Testing
@testable import X25

/// LAPB + X.25 on both ends of a line that loses, delays and (on some seeds) reorders
/// frames: every message is delivered once and in order (or a reset, clear or link loss is
/// reported, and what was delivered before it is an in-order prefix without duplicates).
@Suite struct X25PropertyTests {
    struct Side {
        var lapb: LAPBStation
        var packets: X25PacketLayer
        var channel: UInt16?
        var delivered: [[UInt8]] = []
        var disrupted = false
        var disruption = ""
        var outbox: [ByteBuffer] = []  // LAPB frame contents to put on the line

        mutating func handleLAPB(_ actions: [LAPBStation.Action], now: NIODeadline) {
            for action in actions {
                switch action {
                case .send(let frame): outbox.append(frame.bytes)
                case .deliver(let bytes): handlePackets(packets.receive(bytes, now: now), now: now)
                case .linkUp: handlePackets(packets.linkUp(now: now), now: now)
                case .linkDown(let reason):
                    if channel != nil { disrupted = true; disruption += "link down \(reason); " }
                    handlePackets(packets.linkDown(), now: now)
                case .frameRejected(let reject): disrupted = true; disruption += "\(reject); "
                }
            }
        }

        mutating func handlePackets(_ actions: [X25PacketLayer.Action], now: NIODeadline) {
            for action in actions {
                switch action {
                case .send(let packet):
                    if let frames = try? lapb.send(packet.bytes, now: now) { handleLAPB(frames, now: now) }
                case .incomingCall(let channel, _):
                    handlePackets(packets.accept(channel: channel, now: now), now: now)
                case .callConnected(let connection): channel = connection.channel
                case .deliver(_, let data, _): delivered.append(bytes(data))
                case .callCleared, .reset: disrupted = true; disruption += "\(action); "
                default: break
                }
            }
        }
    }

    struct InFlight { var at: NIODeadline; var bytes: ByteBuffer; var toDCE: Bool }

    @Test(arguments: 1...24)
    func lossAndReorderingKeepOrderAndExactlyOnce(seed: UInt64) throws {
        var random = TestRandom(seed: seed &* 7919)
        let lapbSettings = LAPBStation.Settings(t1: .milliseconds(200), n2: 12, window: 7)
        let packetSettings = X25PacketLayer.Settings(packetSize: 32, window: 3, t20: .seconds(5), t21: .seconds(5), t22: .seconds(5), t23: .seconds(5))
        var dte = Side(lapb: LAPBStation(role: .dte, settings: lapbSettings), packets: X25PacketLayer(role: .dte, settings: packetSettings))
        var dce = Side(lapb: LAPBStation(role: .dce, settings: lapbSettings), packets: X25PacketLayer(role: .dce, settings: packetSettings))
        let lossRate = Double(seed % 4) * 0.05  // 0, 5, 10, 15 %
        // A serial line never reorders, and LAPB takes a reordered frame's old N(R) as a
        // protocol error (FRMR): on every third seed frames overtake each other anyway, and
        // then a reported link reset is the acceptable outcome.
        let reorders = seed % 3 == 0
        var lastArrival = (toDCE: t0, toDTE: t0)
        let messages: [[UInt8]] = (0..<20).map { index in
            (0..<Int.random(in: 1...100, using: &random)).map { UInt8(truncatingIfNeeded: $0 &+ index) }
        }
        var now = t0
        var line: [InFlight] = []
        var called = false
        var submittedDTE = false
        var submittedDCE = false
        dte.handleLAPB(dte.lapb.start(now: now), now: now)

        for _ in 0..<20_000 {
            // Put what each side sent on the line, dropping and delaying at random.
            for (bytes, toDCE) in dte.outbox.map({ ($0, true) }) + dce.outbox.map({ ($0, false) }) {
                if Double.random(in: 0..<1, using: &random) < lossRate { continue }
                var at = now + .milliseconds(Int64.random(in: 1...40, using: &random))
                // Reordering starts once the call is up in both directions: before it, a
                // reordered SABM/UA/RESTART ends the run with nothing tested (seeds 3, 12, 15
                // and 24 did); after it, it is the data path that is put to the test.
                if !(reorders && submittedDTE && submittedDCE) {
                    at = max(at, toDCE ? lastArrival.toDCE : lastArrival.toDTE)
                    if toDCE { lastArrival.toDCE = at } else { lastArrival.toDTE = at }
                }
                line.append(InFlight(at: at, bytes: bytes, toDCE: toDCE))
            }
            dte.outbox.removeAll()
            dce.outbox.removeAll()
            if !called, dte.packets.state == .ready {
                called = true
                let (_, actions) = try dte.packets.call(X25CallSetup(calledAddress: X121Address(parsing: "4410")!), now: now)
                dte.handlePackets(actions, now: now)
                continue
            }
            if let channel = dte.channel, !submittedDTE, dte.packets.isConnected(channel) {
                submittedDTE = true
                for message in messages { dte.handlePackets(try dte.packets.send(buffer(message), channel: channel, now: now), now: now) }
                continue
            }
            if let channel = dce.channel, !submittedDCE, dce.packets.isConnected(channel) {
                submittedDCE = true
                for message in messages.reversed() { dce.handlePackets(try dce.packets.send(buffer(message), channel: channel, now: now), now: now) }
                continue
            }
            let done = dce.delivered.count == messages.count && dte.delivered.count == messages.count
                && dte.lapb.isIdle && dce.lapb.isIdle
            if done || dte.disrupted || dce.disrupted { break }
            // Next event: the earliest frame on the line or timer.
            let deadlines = [dte.lapb.nextDeadline, dce.lapb.nextDeadline, dte.packets.nextDeadline, dce.packets.nextDeadline].compactMap { $0 }
            // The earliest, and of equal times the first sent (FIFO when not reordering).
            let nextFrame = line.indices.min { line[$0].at < line[$1].at || (line[$0].at == line[$1].at && $0 < $1) }
            let nextTimer = deadlines.min()
            if let index = nextFrame, nextTimer.map({ line[index].at <= $0 }) ?? true {
                let frame = line.remove(at: index)
                now = max(now, frame.at)
                guard let parsed = try? LAPBFrame(parsing: frame.bytes) else { continue }
                if frame.toDCE {
                    dce.handleLAPB(dce.lapb.receive(parsed, now: now), now: now)
                } else {
                    dte.handleLAPB(dte.lapb.receive(parsed, now: now), now: now)
                }
            } else if let timer = nextTimer {
                now = max(now, timer)
                dte.handleLAPB(dte.lapb.tick(now: now), now: now)
                dce.handleLAPB(dce.lapb.tick(now: now), now: now)
                dte.handlePackets(dte.packets.tick(now: now), now: now)
                dce.handlePackets(dce.packets.tick(now: now), now: now)
            } else {
                break  // quiet
            }
        }
        // Exactly once and in order: a prefix of what was sent.
        #expect(dce.delivered == Array(messages.prefix(dce.delivered.count)), "seed \(seed): DTE→DCE out of order or duplicated")
        #expect(dte.delivered == Array(messages.reversed().prefix(dte.delivered.count)), "seed \(seed): DCE→DTE out of order or duplicated")
        if !(dte.disrupted || dce.disrupted) {
            #expect(dce.delivered.count == messages.count, "seed \(seed): not all delivered DTE→DCE, no disruption reported")
            #expect(dte.delivered.count == messages.count, "seed \(seed): not all delivered DCE→DTE, no disruption reported")
        }
        // In order, with at most 15 % loss and N2 = 12, the link holds: not vacuous.
        #expect(reorders || !(dte.disrupted || dce.disrupted), "seed \(seed): disrupted at loss \(lossRate): DTE \(dte.disruption) DCE \(dce.disruption)")
        // Reordering may end in a reported disruption, but not before anything happened: the
        // call got through both ways; otherwise these seeds would pass with nothing done.
        #expect(submittedDTE && submittedDCE,
                "seed \(seed): no call connected: DTE \(dte.disruption) DCE \(dce.disruption)")
    }
}
