import Foundation
import Logging
import LineTransport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NetMgrTestSupport
import SDLC
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Two ptys joined by socat: what one side writes, the other reads, like two serial ports
/// with a null-modem cable between them (without modem lines: a pty has none).
final class PTYPair {
    let directory: TemporaryDirectory
    let socat: BackgroundProcess
    private var stopped = false
    var a: String { directory.file("a") }
    var b: String { directory.file("b") }

    init() async throws {
        directory = try TemporaryDirectory(prefix: "nmser-\(getpid())")
        let a = directory.file("a"), b = directory.file("b")
        socat = try BackgroundProcess("/usr/bin/socat", ["-d", "-d", "pty,raw,echo=0,link=\(a)", "pty,raw,echo=0,link=\(b)"])
        let ready = await eventually { FileManager.default.fileExists(atPath: a) && FileManager.default.fileExists(atPath: b) }
        if !ready {
            stop()
            throw PTYPairFailure(description: "socat made no pty pair within 20 s")
        }
    }

    func stop() {
        guard !stopped else { return }
        stopped = true
        socat.signal(SIGTERM)
        socat.reap()
    }
}

struct PTYPairFailure: Error, CustomStringConvertible { var description: String }

@Suite("Serial port transport (tty: on a socat pty pair)")
struct TTYLineTransportTests {
    static let logger = Logger(label: "test")

    static func encoded(_ frame: SDLCFrame) -> [UInt8] {
        var buffer = ByteBuffer()
        HDLCFrameEncoder.encode(frame, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    final class Recorder<Event: Sendable>: Sendable {
        let events = NIOLockedValueBox<[Event]>([])
        var sink: @Sendable (Event) -> Void { { event in self.events.withLockedValue { $0.append(event) } } }
        var all: [Event] { events.withLockedValue { $0 } }
    }

    static func frames(_ recorder: Recorder<LineEvent>) -> [SDLCFrame] {
        recorder.all.compactMap { if case .frame(let frame) = $0 { frame } else { nil } }
    }

    static func closes(_ recorder: Recorder<LineEvent>) -> Int {
        recorder.all.filter { if case .closed = $0 { true } else { false } }.count
    }

    static func bytes(_ recorder: Recorder<RawLineEvent>) -> [UInt8] {
        recorder.all.flatMap { event -> [UInt8] in if case .bytes(let b) = event { Array(b.readableBytesView) } else { [] } }
    }

    @Test func hdlcFramesBothWaysBetweenTwoPorts() async throws {
        let pair = try await PTYPair()
        defer { pair.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        let device = try LineDevice.parse(device: "tty:\(pair.a)@19200")
        #expect(device == .tty(path: pair.a, speed: 19200))
        let aEvents = Recorder<LineEvent>(), bEvents = Recorder<LineEvent>()
        let a = try await makeLineTransport(device: device, logger: Self.logger).open(on: group.next(), events: aEvents.sink).get()
        let b = try await TTYLineTransport(path: pair.b, speed: 19200, flowControl: .rtscts, logger: Self.logger).open(on: group.next(), events: bEvents.sink).get()
        #expect(a.device == device)
        // A pty has no modem lines (TIOCMGET fails with ENOTTY/EINVAL): none offered, no crash.
        #expect(a.modemLines == nil && b.modemLines == nil)

        var toB: [SDLCFrame] = []
        for n in 0..<20 {
            // Flag and escape bytes in the information field exercise the transparency.
            let info = (0..<(n * 13)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n) } + [0x7E, 0x7D]
            toB.append(SDLCFrame(address: 0xC1, control: .information(ns: UInt8(n % 8), nr: 0, pollFinal: n % 7 == 0), information: ByteBuffer(bytes: info)))
        }
        a.send(toB)
        #expect(await eventually { Self.frames(bEvents).count == toB.count })
        #expect(Self.frames(bEvents) == toB)
        let toA = [SDLCFrame(address: 0xC1, control: .unnumbered(.ua, pollFinal: true)),
                   SDLCFrame(address: 0xC1, control: .unnumbered(.xid, pollFinal: true), information: ByteBuffer(bytes: [0x02, 0x05, 0xD0, 0x00, 0x03]))]
        for frame in toA { b.send(frame) }
        #expect(await eventually { Self.frames(aEvents).count == toA.count })
        #expect(Self.frames(aEvents) == toA)
        #expect(a.counters.framesSent == toB.count && b.counters.framesReceived == toB.count)
        #expect(b.counters.bytesReceived == toB.map { Self.encoded($0).count }.reduce(0, +))

        // Closing: reported once, to the side that closed.
        try await a.close().get()
        #expect(await eventually { Self.closes(aEvents) == 1 })
        #expect(!a.isActive)
        try await b.close().get()
        #expect(await eventually { Self.closes(bEvents) == 1 })
        #expect(Self.closes(aEvents) == 1)
    }

    @Test func badFCSIsAFramingErrorAndTheLineCarriesOn() async throws {
        let pair = try await PTYPair()
        defer { pair.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        let rawEvents = Recorder<RawLineEvent>(), lineEvents = Recorder<LineEvent>()
        let raw = try await makeRawLineTransport(device: .tty(path: pair.a, speed: 9600), logger: Self.logger).open(on: group.next(), events: rawEvents.sink).get()
        let line = try await TTYLineTransport(path: pair.b, logger: Self.logger).open(on: group.next(), events: lineEvents.sink).get()
        #expect(raw.modemLines == nil)

        let good = SDLCFrame(address: 0xC1, control: .unnumbered(.xid, pollFinal: true), information: ByteBuffer(bytes: [1, 2, 3]))
        var bad = Self.encoded(good)
        bad[3] ^= 0x01  // one information bit: the FCS no longer checks
        raw.send(ByteBuffer(bytes: bad + Self.encoded(good)))
        #expect(await eventually { Self.frames(lineEvents).count == 1 })
        #expect(Self.frames(lineEvents) == [good])
        let errors = lineEvents.all.compactMap { if case .framingError(let e) = $0 { e } else { nil } }
        #expect(errors.count == 1)
        if case .badFCS = errors.first?.kind {} else { Issue.record("expected a bad FCS, got \(errors)") }
        #expect(line.counters.framingErrors == 1)
        #expect(Self.closes(lineEvents) == 0 && line.isActive)

        // And the other way: the raw side sees exactly the HDLC bytes.
        line.send(good)
        #expect(await eventually { Self.bytes(rawEvents) == Self.encoded(good) })
        try await raw.close().get()
        try await line.close().get()
    }

    @Test func rawBytesBothWaysThenBothSidesSwitchToHDLC() async throws {
        let pair = try await PTYPair()
        defer { pair.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        let aRaw = Recorder<RawLineEvent>(), bRaw = Recorder<RawLineEvent>()
        let a = try await TTYRawLineTransport(path: pair.a, speed: 115200, logger: Self.logger).open(on: group.next(), events: aRaw.sink).get()
        let b = try await TTYRawLineTransport(path: pair.b, speed: 115200, logger: Self.logger).open(on: group.next(), events: bRaw.sink).get()
        #expect(a.device == .tty(path: pair.a, speed: 115200))

        // Every byte value, both ways, untouched by the line discipline (raw mode: no CR/LF
        // mapping, no echo, no signals on ^C, no XON/XOFF).
        let all = (0...255).map { UInt8($0) }
        a.send(ByteBuffer(bytes: all))
        #expect(await eventually { Self.bytes(bRaw).count == all.count })
        #expect(Self.bytes(bRaw) == all)
        let dialogue = Array("ATZ\r\r\nOK\r\n\u{03}\u{11}\u{13}".utf8)
        b.send(ByteBuffer(bytes: dialogue))
        #expect(await eventually { Self.bytes(aRaw).count == dialogue.count })
        #expect(Self.bytes(aRaw) == dialogue)

        let aLine = Recorder<LineEvent>(), bLine = Recorder<LineEvent>()
        let aHDLC = try await a.upgradeToHDLC(events: aLine.sink).get()
        let bHDLC = try await b.upgradeToHDLC(events: bLine.sink).get()
        let frame = SDLCFrame(address: 0xC1, control: .unnumbered(.snrm, pollFinal: true))
        aHDLC.send(frame)
        #expect(await eventually { Self.frames(bLine) == [frame] })
        bHDLC.send(frame)
        #expect(await eventually { Self.frames(aLine) == [frame] })

        // socat gone: the ports' other ends are closed, and both lines report it once.
        pair.stop()
        #expect(await eventually { Self.closes(aLine) == 1 && Self.closes(bLine) == 1 })
        _ = try? await aHDLC.close().get()
        _ = try? await bHDLC.close().get()
        #expect(Self.closes(aLine) == 1 && Self.closes(bLine) == 1)
        #expect(aRaw.all.allSatisfy { if case .bytes = $0 { true } else { false } })
    }

    @Test func aMissingPortNamesTheDeviceAndTheReason() async throws {
        let transport = makeLineTransport(device: .tty(path: "/dev/nmser-no-such-port", speed: 9600), logger: Self.logger)
        do {
            _ = try await transport.open(on: MultiThreadedEventLoopGroup.singleton.next()) { _ in }.get()
            Issue.record("opened a port that does not exist")
        } catch {
            #expect("\(error)" == "cannot open line device tty:/dev/nmser-no-such-port@9600: No such file or directory")
        }
        let raw = makeRawLineTransport(device: .hdlc(interface: "hdlc0"), logger: Self.logger)
        await #expect(throws: LineOpenError.self) { try await raw.open(on: MultiThreadedEventLoopGroup.singleton.next()) { _ in }.get() }
    }
}
