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

/// The AF_PACKET transport (`hdlc:IFNAME`) on a veth pair inside a network namespace the test
/// makes (`nmser-<pid>`): a veth is an Ethernet-type interface, so the frames go in Ethernet
/// headers with ethertype ETH_P_HDLC. Needs root (CI is root): fails, not skips, without it.
@Suite("Generic-HDLC interface transport (hdlc: on a veth pair)", .serialized)
struct PacketLineTransportTests {
    static let logger = Logger(label: "test")

    /// glibc's setns, which the Glibc module does not show to Swift; looked up once.
    static let setns: @convention(c) (Int32, Int32) -> Int32 = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { fatalError("glibc has no setns") }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()
    static let cloneNewNet: Int32 = 0x4000_0000

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Runs `body` on a new thread that has joined the namespace `name`: a socket keeps the
    /// namespace it was made in, and the test's other threads stay where they were.
    static func inNamespace<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async throws -> T {
        let namespace = open("/var/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        guard namespace >= 0 else { throw Failure(description: "open namespace \(name): \(String(cString: strerror(errno)))") }
        defer { close(namespace) }
        let result: Result<T, Failure> = await withCheckedContinuation { continuation in
            let thread = Thread {
                guard setns(namespace, cloneNewNet) == 0 else {
                    continuation.resume(returning: .failure(Failure(description: "setns \(name): \(String(cString: strerror(errno)))")))
                    return
                }
                continuation.resume(returning: .success(body()))
            }
            thread.start()
        }
        return try result.get()
    }

    static func ip(_ arguments: [String]) async throws {
        let result = try await runProcess("ip", arguments)
        guard result.status == 0 else { throw Failure(description: "ip \(arguments.joined(separator: " ")): \(result.standardError)") }
    }

    static func frames(_ events: NIOLockedValueBox<[LineEvent]>) -> [SDLCFrame] {
        events.withLockedValue { $0.compactMap { if case .frame(let frame) = $0 { frame } else { nil } } }
    }

    @Test func framesBothWaysOverAVethPairInANamespace() async throws {
        try #require(geteuid() == 0, "the AF_PACKET test makes a network namespace and a veth pair: run it as root (CI does)")
        let namespace = "nmser-\(getpid())"
        try await Self.ip(["netns", "add", namespace])
        defer { _ = try? runSynchronously("ip", ["netns", "delete", namespace]) }
        try await Self.ip(["-n", namespace, "link", "add", "nmser-a", "type", "veth", "peer", "name", "nmser-b"])
        try await Self.ip(["-n", namespace, "link", "set", "nmser-a", "up"])
        try await Self.ip(["-n", namespace, "link", "set", "nmser-b", "up"])

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        let loop = group.next()
        let aEvents = NIOLockedValueBox<[LineEvent]>([]), bEvents = NIOLockedValueBox<[LineEvent]>([])
        let aDevice = try LineDevice.parse(device: "hdlc:nmser-a")
        let aOpening = try await Self.inNamespace(namespace) {
            makeLineTransport(device: aDevice, logger: Self.logger).open(on: loop) { event in aEvents.withLockedValue { $0.append(event) } }
        }
        let bOpening = try await Self.inNamespace(namespace) {
            PacketLineTransport(interface: "nmser-b", logger: Self.logger).open(on: loop) { event in bEvents.withLockedValue { $0.append(event) } }
        }
        let a = try await aOpening.get()
        let b = try await bOpening.get()
        #expect(a.device == .hdlc(interface: "nmser-a"))
        #expect(a.modemLines == nil)

        // Several frames sent with one flush still go as one datagram each.
        let toB = (0..<8).map { n in
            SDLCFrame(address: 0xC1, control: .information(ns: UInt8(n), nr: 0, pollFinal: false), information: ByteBuffer(bytes: (0..<(n * 100)).map { UInt8(truncatingIfNeeded: $0 &+ n) } + [0x7E, 0x7D]))
        }
        a.send(toB)
        #expect(await eventually { Self.frames(bEvents).count == toB.count })
        #expect(Self.frames(bEvents) == toB)
        let toA = [SDLCFrame(address: 0xC1, control: .unnumbered(.ua, pollFinal: true)),
                   SDLCFrame(address: 0xC1, control: .unnumbered(.xid, pollFinal: true), information: ByteBuffer(bytes: [0x02, 0x05, 0xD0, 0x00, 0x03]))]
        b.send(toA)
        #expect(await eventually { Self.frames(aEvents).count == toA.count })
        // Only the other end's frames: no echo of its own (PACKET_IGNORE_OUTGOING), nothing
        // of the IPv6 chatter a new interface sends (other ethertypes).
        #expect(Self.frames(aEvents) == toA)
        #expect(Self.frames(bEvents) == toB)
        // On the wire: a 14-byte Ethernet header, then address, control, information; no FCS.
        let expectedBytes = toB.map { 14 + 2 + $0.information.readableBytes }.reduce(0, +)
        #expect(a.counters.bytesSent == expectedBytes)
        #expect(b.counters.bytesReceived >= expectedBytes)
        #expect(a.counters.framesSent == toB.count && b.counters.framesReceived == toB.count)
        #expect(a.counters.framingErrors == 0 && b.counters.framingErrors == 0)

        try await a.close().get()
        try await b.close().get()
        #expect(await eventually { aEvents.withLockedValue { $0.contains { if case .closed = $0 { true } else { false } } } })
    }

    @Test func aMissingInterfaceNamesTheDevice() async throws {
        let transport = makeLineTransport(device: .hdlc(interface: "nmser-none"), logger: Self.logger)
        do {
            _ = try await transport.open(on: MultiThreadedEventLoopGroup.singleton.next()) { _ in }.get()
            Issue.record("opened an interface that does not exist")
        } catch {
            #expect("\(error)".hasPrefix("cannot open line device hdlc:nmser-none: "))
        }
    }
}

/// Runs a program to the end, blocking: for clean-up in a `defer`, which cannot await.
func runSynchronously(_ executable: String, _ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try findExecutable(executable))
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}
