import ISDN
import NIOCore
import SDLC

/// Length-prefixed LAPD frames (no flags, no FCS) to the frame parser and to a data link of
/// each role; the first byte picks the time step.
enum LAPDTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let step = Int64(input.byte())
        var user = LAPDLink(role: .user)
        var network = LAPDLink(role: .network)
        var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        _ = user.establish(now: now)
        while !input.isAtEnd {
            let bytes = input.piece(Int(input.byte()))
            now = now + .milliseconds(step * 10)
            if let frame = try? LAPDFrame(parsing: bytes) {
                check((try? LAPDFrame(parsing: frame.bytes)) == frame, "\(frame) does not survive encode/parse")
                checkSent(user.receive(frame, now: now))
                checkSent(network.receive(frame, now: now))
            }
            checkSent(user.tick(now: now))
            checkSent(network.tick(now: now))
            if step & 1 == 1 { checkSent(user.send(ByteBuffer(bytes: [0x08, 0x01, 0x01, 0x05]), now: now)) }
        }
        _ = user.release(now: now)
    }

    static func checkSent(_ events: [LAPDLink.Event]) {
        for case .transmit(let frame) in events {
            check((try? LAPDFrame(parsing: frame.bytes)) == frame, "sent \(frame) does not parse back")
        }
    }
}

/// Length-prefixed Q.931 messages to the message parser, then (in LAPD UI frames) to a user
/// side and a network side; the first byte picks the user's incoming-call policy and time step.
enum Q931Target {
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let setting = input.byte()
        let policies: [ISDNUserSide.IncomingCallPolicy] = [.ask, .answer, .reject]
        var user = ISDNUserSide(configuration: .init(ownNumber: "0312340011", incomingCalls: policies[Int(setting % 3)]))
        var network = ISDNNetworkSide(configuration: .init(subscriberNumber: "0300002222"))
        var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        checkSent(user.start(now: now))
        if setting & 0x80 != 0 { checkSent(user.call("0300002222", now: now)) }
        while !input.isAtEnd {
            let bytes = input.piece(Int(input.byte()))
            now = now + .milliseconds(Int64(setting & 0x7F) * 50)
            if let message = try? Q931Message(parsing: bytes) {
                check((try? Q931Message(parsing: message.bytes)) == message, "\(message) does not survive encode/parse")
                _ = (message.callingNumber, message.calledNumber, message.cause, message.channel)
            }
            var fromNetwork = ByteBuffer(bytes: [0x02, 0x01, 0x03])
            fromNetwork.writeImmutableBuffer(bytes)
            var fromUser = ByteBuffer(bytes: [0x00, 0x01, 0x03])
            fromUser.writeImmutableBuffer(bytes)
            checkSent(user.receive(fromNetwork, now: now) + user.tick(now: now))
            for action in network.receive(fromUser, now: now) + network.tick(now: now) {
                switch action {
                case .send(let frame): check((try? LAPDFrame(parsing: frame)) != nil, "network side sent an unparsable frame")
                case .callRequested(let id, _, _, _): _ = network.alert(id, now: now)
                default: break
                }
            }
            if setting & 0x40 != 0 { checkSent(user.answerIncoming(true, now: now)) }
        }
        checkSent(user.hangUp(cause: 16, now: now))
    }

    static func checkSent(_ actions: [ISDNUserSide.Action]) {
        for case .send(let frame) in actions {
            check((try? LAPDFrame(parsing: frame)) != nil, "user side sent an unparsable frame")
        }
    }
}

/// The simulated BRI's byte stream (first byte: piece size) through the HDLC decoder and the
/// `[channel][frame]` parser; D-channel frames on to the LAPD parser.
enum ISDNInterfaceTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let stride = Int(input.byte()) + 1
        var decoder = ISDNInterfaceFrame.makeDecoder()
        var buffer = ByteBuffer()
        while !input.isAtEnd {
            var piece = input.piece(stride)
            buffer.writeBuffer(&piece)
            while let output = decoder.decode(buffer: &buffer) { handle(output) }
        }
        while let output = decoder.decodeLast(buffer: &buffer, seenEOF: true) { handle(output) }
    }

    static func handle(_ output: HDLCDecoderOutput) {
        guard case .frame(let content) = output else { return }
        check(content.readableBytes <= ISDNInterfaceFrame.maximumContentLength + 2, "frame beyond the limit")
        guard let frame = try? ISDNInterfaceFrame(parsing: content) else { return }
        if frame.channel == .d { _ = try? LAPDFrame(parsing: frame.frame) }
        var decoder = ISDNInterfaceFrame.makeDecoder()
        var encoded = frame.encoded
        check(decoder.decode(buffer: &encoded) == .frame(content), "\(frame.channel) frame does not survive encode/decode")
    }
}

/// Seeds: a call set up and cleared between a user side and a network side, in memory.
enum ISDNSeeds {
    static func session() -> (lapd: [[UInt8]], q931: [[UInt8]]) {
        var user = ISDNUserSide(configuration: .init(ownNumber: "0312340011"))
        var network = ISDNNetworkSide(configuration: .init(subscriberNumber: "0312340011"))
        var frames: [[UInt8]] = []
        var messages: [[UInt8]] = []
        let now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var toNetwork: [ByteBuffer] = []
        var toUser: [ByteBuffer] = []
        func userActions(_ actions: [ISDNUserSide.Action]) { for case .send(let frame) in actions { toNetwork.append(frame) } }
        func networkActions(_ actions: [ISDNNetworkSide.Action]) {
            for action in actions {
                switch action {
                case .send(let frame): toUser.append(frame)
                case .callRequested(let id, _, _, _):
                    networkActions(network.alert(id, now: now))
                    networkActions(network.connect(id, now: now))
                default: break
                }
            }
        }
        func settle() {
            var rounds = 0
            while (!toNetwork.isEmpty || !toUser.isEmpty), rounds < 1000 {
                rounds += 1
                for frame in toNetwork {
                    record(frame)
                    networkActions(network.receive(frame, now: now))
                }
                toNetwork.removeAll()
                let pending = toUser
                toUser.removeAll()
                for frame in pending {
                    record(frame)
                    userActions(user.receive(frame, now: now))
                }
            }
        }
        func record(_ frame: ByteBuffer) {
            frames.append(Array(frame.readableBytesView))
            if let parsed = try? LAPDFrame(parsing: frame), parsed.information.readableBytes > 0 {
                messages.append(Array(parsed.information.readableBytesView))
            }
        }
        userActions(user.start(now: now))
        settle()
        userActions(user.call("0300002222", now: now))
        settle()
        userActions(user.hangUp(cause: 16, now: now))
        settle()
        return (frames, messages)
    }
}
