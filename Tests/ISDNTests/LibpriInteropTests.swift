import CLibpriPeer
import Glibc
import ISDN
import NIOCore
import Testing

/// Our `ISDNUserSide` against libpri 1.6 (Debian libpri-dev), a real Q.921/Q.931
/// implementation, as the network side (BRI point-to-point, EuroISDN) in its own pthread,
/// over a SOCK_SEQPACKET socketpair carrying bare LAPD frames.
final class LibpriPeerSession {
    let socket: Int32
    private var peer: OpaquePointer?
    var user: ISDNUserSide
    private(set) var actions: [ISDNUserSide.Action] = []
    private(set) var libpriEvents: [String] = []

    init(ownNumber: String, incomingCalls: ISDNUserSide.IncomingCallPolicy = .ask) throws {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw LibpriPeerError("socketpair: errno \(errno)")
        }
        socket = pair[0]
        let debug: Int32 = getenv("NETMGR_LIBPRI_DEBUG") != nil ? 1 : 0
        guard let started = libpri_peer_start(pair[1], debug) else {
            close(pair[0])
            close(pair[1])
            throw LibpriPeerError("libpri_peer_start failed")
        }
        peer = started
        user = ISDNUserSide(configuration: .init(ownNumber: ownNumber, incomingCalls: incomingCalls))
    }

    /// Stops libpri's thread (joined) and closes both socket ends.
    func stop() {
        if let peer { libpri_peer_stop(peer) }
        peer = nil
        close(socket)
    }

    deinit { if peer != nil { stop() } }

    func command(_ line: String) {
        guard let peer else { return }
        #expect(libpri_peer_command(peer, line) == 0, "libpri command queue refused \(line)")
    }

    func perform(_ new: [ISDNUserSide.Action]) {
        for action in new {
            switch action {
            case .send(let frame):
                let bytes = Array(frame.readableBytesView)
                _ = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            case .setTimer:
                break
            default:
                actions.append(action)
            }
        }
    }

    func user(_ body: (inout ISDNUserSide, NIODeadline) -> [ISDNUserSide.Action]) {
        perform(body(&user, .now()))
    }

    private func drainLibpri() {
        guard let peer else { return }
        var line = [CChar](repeating: 0, count: 300)
        while true {
            let length = Int(libpri_peer_next_event(peer, &line, Int32(line.count)))
            guard length > 0 else { break }
            libpriEvents.append(String(decoding: line.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    /// Runs both sides until `condition` holds or `timeout` passes: waits in poll() on the
    /// socket (bounded by our next timer), never sleeps.
    @discardableResult
    func run(until condition: (LibpriPeerSession) -> Bool, timeout: Duration = .seconds(20)) -> Bool {
        let end = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 600)
        while ContinuousClock.now < end {
            drainLibpri()
            if condition(self) { return true }
            var wait: Int32 = 20
            if let deadline = user.nextDeadline {
                let milliseconds = (Int64(deadline.uptimeNanoseconds) - Int64(NIODeadline.now().uptimeNanoseconds)) / 1_000_000
                wait = Int32(max(0, min(20, milliseconds)))
            }
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, wait) > 0, descriptor.revents & Int16(POLLIN) != 0 {
                let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if count > 0 { perform(user.receive(ByteBuffer(bytes: buffer[0..<count]), now: .now())) }
            }
            perform(user.tick(now: .now()))
        }
        drainLibpri()
        return condition(self)
    }

    func sawLibpri(_ prefix: String) -> Bool { libpriEvents.contains { $0.hasPrefix(prefix) } }

    var connected: [ISDNUserSide.Action] { actions.filter { if case .connected = $0 { true } else { false } } }
    var cleared: [UInt8] { actions.compactMap { if case .cleared(let cause, _) = $0 { cause } else { nil } } }
}

struct LibpriPeerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@Suite("Interop with libpri as the network side", .serialized)
struct LibpriInteropTests {
    static let ours = "0312340011"
    static let theirs = "0300002222"

    func upSession(_ policy: ISDNUserSide.IncomingCallPolicy = .ask) throws -> LibpriPeerSession {
        let session = try LibpriPeerSession(ownNumber: Self.ours, incomingCalls: policy)
        session.user { $0.start(now: $1) }
        #expect(session.run(until: { $0.user.link.isEstablished && $0.sawLibpri("up") }),
                "data link not up; libpri said \(session.libpriEvents)")
        return session
    }

    @Test("our call to libpri: it sees our calling and called number; CONNECT reached; we clear with cause 16")
    func outgoingCall() throws {
        let session = try upSession()
        defer { session.stop() }
        session.user { $0.call(Self.theirs, now: $1) }
        #expect(session.run(until: { $0.sawLibpri("ring") }), "no SETUP at libpri: \(session.libpriEvents)")
        #expect(session.libpriEvents.contains { $0.hasPrefix("ring calling=\(Self.ours) called=\(Self.theirs)") }, "\(session.libpriEvents)")
        session.command("proceeding")
        session.command("alerting")
        session.command("answer")
        #expect(session.run(until: { !$0.connected.isEmpty }), "not connected: \(session.actions) libpri \(session.libpriEvents)")
        #expect(session.user.callState == .active)
        #expect(session.run(until: { $0.sawLibpri("connect_ack") }), "libpri saw no CONNECT ACKNOWLEDGE: \(session.libpriEvents)")
        session.user { $0.hangUp(cause: Q931Cause.normalClearing, now: $1) }
        #expect(session.run(until: { $0.sawLibpri("hangup_req cause=16") || $0.sawLibpri("hangup cause=16") }),
                "libpri did not see cause 16: \(session.libpriEvents)")
        #expect(session.run(until: { $0.cleared == [16] && $0.user.callState == .null }), "\(session.actions)")
    }

    @Test("libpri calls us: we see its calling number, answer, it sees CONNECT; it clears with cause 16")
    func incomingCall() throws {
        let session = try upSession(.ask)
        defer { session.stop() }
        session.command("call \(Self.ours) \(Self.theirs)")
        #expect(session.run(until: { $0.actions.contains(.incomingCall(callingNumber: Self.theirs, calledNumber: Self.ours)) }),
                "no incoming call: \(session.actions) libpri \(session.libpriEvents)")
        session.user { $0.answerIncoming(true, now: $1) }
        #expect(session.run(until: { $0.sawLibpri("answer") }), "libpri saw no CONNECT: \(session.libpriEvents)")
        #expect(session.run(until: { !$0.connected.isEmpty }), "we did not get CONNECT ACKNOWLEDGE: \(session.actions)")
        let numbers = try #require(session.connected.compactMap { action -> [String]? in
            if case .connected(_, let calling, let called) = action { [calling, called] } else { nil }
        }.first, "no CONNECT: \(session.actions)")
        #expect(numbers == [Self.theirs, Self.ours])
        session.command("hangup 16")
        #expect(session.run(until: { $0.cleared == [16] && $0.user.callState == .null }),
                "\(session.actions) libpri \(session.libpriEvents)")
    }

    @Test("libpri clears our call as busy: we see cause 17")
    func busy() throws {
        let session = try upSession()
        defer { session.stop() }
        session.user { $0.call(Self.theirs, now: $1) }
        #expect(session.run(until: { $0.sawLibpri("ring") }), "no SETUP at libpri: \(session.libpriEvents)")
        // libpri 1.6 sends nothing for a hang-up straight from Call Present: CALL PROCEEDING
        // first, then the far end's busy as DISCONNECT cause 17.
        session.command("proceeding")
        #expect(session.run(until: { $0.user.callState == .outgoingCallProceeding }), "no CALL PROCEEDING: \(session.libpriEvents)")
        session.command("hangup 17")
        #expect(session.run(until: { $0.cleared == [17] && $0.user.callState == .null }),
                "\(session.actions) libpri \(session.libpriEvents)")
    }

    @Test("we refuse libpri's call: it sees cause 21")
    func refused() throws {
        let session = try upSession(.reject)
        defer { session.stop() }
        session.command("call \(Self.ours) \(Self.theirs)")
        #expect(session.run(until: { $0.sawLibpri("hangup cause=21") || $0.sawLibpri("hangup_req cause=21") }),
                "libpri did not see cause 21: \(session.libpriEvents) ours \(session.actions)")
        #expect(session.cleared == [21])
    }
}
