import ISDN
import NIOCore
import Testing

/// The Q.921 procedure alone: a user and a network data link wired back to back, with
/// frames that can be lost and a clock advanced by hand.
@Suite("LAPD data link procedure (Q.921)")
struct LAPDLinkTests {
    struct Pair {
        var user = LAPDLink(role: .user)
        var network = LAPDLink(role: .network)
        var now = NIODeadline.uptimeNanoseconds(0)
        var toNetwork: [LAPDFrame] = []
        var toUser: [LAPDFrame] = []
        var userEvents: [LAPDLink.Event] = []
        var networkEvents: [LAPDLink.Event] = []
        var dropToNetwork = 0
        var dropToUser = 0
        var sentByUser: [LAPDFrame] = []

        mutating func fromUser(_ events: [LAPDLink.Event]) {
            for event in events {
                if case .transmit(let frame) = event {
                    sentByUser.append(frame)
                    if dropToNetwork > 0 { dropToNetwork -= 1 } else { toNetwork.append(frame) }
                } else { userEvents.append(event) }
            }
        }

        mutating func fromNetwork(_ events: [LAPDLink.Event]) {
            for event in events {
                if case .transmit(let frame) = event {
                    if dropToUser > 0 { dropToUser -= 1 } else { toUser.append(frame) }
                } else { networkEvents.append(event) }
            }
        }

        mutating func settle() {
            for _ in 0..<1000 where !toNetwork.isEmpty || !toUser.isEmpty {
                let up = toNetwork, down = toUser
                toNetwork = []
                toUser = []
                for frame in up { fromNetwork(network.receive(frame, now: now)) }
                for frame in down { fromUser(user.receive(frame, now: now)) }
            }
        }

        mutating func advance(_ amount: TimeAmount) {
            let end = now + amount
            while now < end {
                now = now + .milliseconds(50)
                fromUser(user.tick(now: now))
                fromNetwork(network.tick(now: now))
                settle()
            }
        }

        func received(_ events: [LAPDLink.Event]) -> [[UInt8]] {
            events.compactMap { if case .received(let bytes) = $0 { Array(bytes.readableBytesView) } else { nil } }
        }
    }

    @Test("SABME/UA establishment; user commands carry C/R 0, the network's responses C/R 0 too")
    func establishment() throws {
        var pair = Pair()
        pair.fromUser(pair.user.establish(now: pair.now))
        #expect(pair.toNetwork.first.map { bytes($0.bytes) } == [0x00, 0x01, 0x7F])
        pair.settle()
        #expect(pair.user.isEstablished && pair.network.isEstablished)
        #expect(pair.userEvents == [.established] && pair.networkEvents == [.established])
    }

    @Test("I frames in order both ways, acknowledged; sequence numbers wrap at 128")
    func dataBothWays() {
        var pair = Pair()
        pair.fromUser(pair.user.establish(now: pair.now))
        pair.settle()
        for index in 0..<300 {
            pair.fromUser(pair.user.send(ByteBuffer(bytes: [UInt8(index & 0xFF)]), now: pair.now))
            pair.fromNetwork(pair.network.send(ByteBuffer(bytes: [UInt8(index & 0xFF), 1]), now: pair.now))
            pair.settle()
        }
        #expect(pair.received(pair.networkEvents) == (0..<300).map { [UInt8($0 & 0xFF)] })
        #expect(pair.received(pair.userEvents) == (0..<300).map { [UInt8($0 & 0xFF), 1] })
    }

    @Test("window k = 7: the eighth I frame waits for an acknowledgement")
    func window() {
        var pair = Pair()
        pair.fromUser(pair.user.establish(now: pair.now))
        pair.settle()
        pair.sentByUser.removeAll()
        pair.dropToNetwork = 100  // nothing gets through: no acknowledgements
        for index in 0..<10 { pair.fromUser(pair.user.send(ByteBuffer(bytes: [UInt8(index)]), now: pair.now)) }
        let information = pair.sentByUser.filter { if case .information = $0.control { true } else { false } }
        #expect(information.count == 7)
    }

    @Test("a lost I frame: T200, enquiry (RR P=1), retransmission; delivered once, in order")
    func retransmission() {
        var pair = Pair()
        pair.fromUser(pair.user.establish(now: pair.now))
        pair.settle()
        pair.dropToNetwork = 1
        pair.fromUser(pair.user.send(ByteBuffer(bytes: [1]), now: pair.now))
        pair.fromUser(pair.user.send(ByteBuffer(bytes: [2]), now: pair.now))
        pair.settle()
        // The second arrived out of sequence: REJ brings the first again.
        #expect(pair.received(pair.networkEvents) == [[1], [2]])
        pair.dropToNetwork = 1
        pair.fromUser(pair.user.send(ByteBuffer(bytes: [3]), now: pair.now))
        pair.settle()
        #expect(pair.received(pair.networkEvents) == [[1], [2]])
        pair.advance(.seconds(3))
        #expect(pair.received(pair.networkEvents) == [[1], [2], [3]])
        #expect(pair.user.state == .established)
    }

    @Test("no answer to SABME: N200 retries, then released")
    func establishmentFails() {
        var pair = Pair()
        pair.dropToNetwork = 100
        pair.sentByUser.removeAll()
        pair.fromUser(pair.user.establish(now: pair.now))
        pair.advance(.seconds(6))
        #expect(pair.sentByUser.count == 4)  // the first SABME and N200 = 3 retries
        #expect(pair.user.state == .released)
        #expect(pair.userEvents.contains { if case .released = $0 { true } else { false } })
    }

    @Test("a peer that stops answering: T203/T200 enquiries, released after N200, establishment again")
    func peerSilent() {
        var pair = Pair()
        pair.fromUser(pair.user.establish(now: pair.now))
        pair.settle()
        pair.dropToNetwork = 1000
        pair.advance(.seconds(16))
        #expect(pair.userEvents.contains { if case .released = $0 { true } else { false } })
        pair.dropToNetwork = 0
        // Whichever side gave up last, the next enquiry (T203) or SABME brings both up.
        pair.advance(.seconds(15))
        #expect(pair.user.isEstablished && pair.network.isEstablished)
    }

    @Test("DM from the peer while established: the link is set up again")
    func disconnectedMode() {
        var pair = Pair()
        pair.fromUser(pair.user.establish(now: pair.now))
        pair.settle()
        pair.fromUser(pair.user.receive(LAPDFrame(address: LAPDAddress(sapi: 0, commandResponse: false, tei: 0),
                                                  control: .unnumbered(.disconnectedMode, pollFinal: false)), now: pair.now))
        pair.settle()
        #expect(pair.user.isEstablished)
        #expect(pair.userEvents.filter { $0 == .established }.count == 2)
    }

    @Test("DISC from the network: UA, released; frames for other TEIs or SAPIs are ignored")
    func release() {
        var pair = Pair()
        pair.fromUser(pair.user.establish(now: pair.now))
        pair.settle()
        let other = LAPDFrame(address: LAPDAddress(sapi: 0, commandResponse: true, tei: 5), control: .unnumbered(.disconnect, pollFinal: true))
        #expect(pair.user.receive(other, now: pair.now).isEmpty)
        pair.fromNetwork(pair.network.release(now: pair.now))
        pair.settle()
        #expect(pair.user.state == .released && pair.network.state == .released)
    }

    @Test("the send queue is bounded")
    func boundedQueue() {
        var link = LAPDLink(role: .user, settings: .init(maximumQueued: 4))
        let now = NIODeadline.uptimeNanoseconds(0)
        var discarded = 0
        for _ in 0..<10 {
            for event in link.send(ByteBuffer(bytes: [1]), now: now) { if case .discarded = event { discarded += 1 } }
        }
        #expect(discarded == 6)
    }
}
