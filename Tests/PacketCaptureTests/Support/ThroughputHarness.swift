import PacketCapture
#if canImport(Glibc)
import Glibc
#endif

/// Generates a capture of TCP traffic and measures how fast it can be read, decoded and
/// reassembled. Imports only PacketCapture so a throwaway release executable can compile
/// this file as is (see ThroughputTests for the commands).
enum ThroughputHarness {
    struct Generated {
        var path: String
        var bytes: Int64
        var packets: Int
        var connections: Int
        /// TCP payload bytes on the wire, retransmissions included.
        var payloadBytes: UInt64
    }

    struct Measurement: CustomStringConvertible {
        var name: String
        var fileBytes: Int64
        var packets: Int
        var seconds: Double
        var megabytesPerSecond: Double { Double(fileBytes) / 1e6 / seconds }
        var description: String {
            let mbps = (megabytesPerSecond * 10).rounded() / 10
            let kpps = (Double(packets) / seconds / 1000).rounded()
            return "\(name): \(mbps) MB/s, \(kpps) kpackets/s (\(fileBytes / 1_000_000) MB, \(packets) packets, \((seconds * 1000).rounded()) ms)"
        }
    }

    /// xorshift64*: deterministic, fast, good enough for traffic shapes.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    private struct FlowState {
        var clientPort: UInt16
        var clientSeq: UInt32
        var serverSeq: UInt32
        var phase = 0
        var dataLeft: Int
        var held: (fromClient: Bool, seq: UInt32, length: Int)?
        var last: (fromClient: Bool, seq: UInt32, length: Int)?
    }

    /// Writes about `megabytes` of Ethernet/IPv4/TCP: `concurrent` interleaved telnet-like
    /// connections (small client writes, full-size server segments) with handshakes, FINs,
    /// ~1% retransmissions and ~0.5% reordered segments.
    static func generate(path: String, megabytes: Int, concurrent: Int = 64, seed: UInt64 = 0x6E65_746D_6772) throws -> Generated {
        let writer = try CaptureWriter(path: path, linkType: .ethernet)
        var random = Random(state: seed)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1600, alignment: 8)
        defer { buffer.deallocate() }
        // Fixed Ethernet + IPv4 + TCP template; fields are patched per packet.
        let template: [UInt8] = Array(repeating: 0, count: 54)
        buffer.copyBytes(from: template)
        buffer.storeBytes(of: UInt16(0x0800).bigEndian, toByteOffset: 12, as: UInt16.self)
        buffer[14] = 0x45
        buffer[22] = 64
        buffer[23] = 6
        buffer[46] = 0x50
        let serverIP = UInt32(0x0A01_0001)
        let clientIP = UInt32(0x0A00_0001)
        var nextPort: UInt16 = 20000
        func newFlow() -> FlowState {
            nextPort = nextPort == 65000 ? 20000 : nextPort + 1
            return FlowState(clientPort: nextPort, clientSeq: UInt32(truncatingIfNeeded: random.next()), serverSeq: UInt32(truncatingIfNeeded: random.next()), dataLeft: 500 + random.below(3000))
        }
        var flows = (0..<concurrent).map { _ in newFlow() }
        var generated = Generated(path: path, bytes: 0, packets: 0, connections: concurrent, payloadBytes: 0)
        var time = CaptureTime(seconds: 1_700_000_000)
        let target = Int64(megabytes) * 1_000_000

        func emit(fromClient: Bool, flow: FlowState, seq: UInt32, ack: UInt32, flags: TCPFlags, length: Int) throws {
            let src = fromClient ? clientIP : serverIP, dst = fromClient ? serverIP : clientIP
            let sport = fromClient ? flow.clientPort : 23, dport = fromClient ? 23 : flow.clientPort
            buffer.storeBytes(of: UInt16(40 + length).bigEndian, toByteOffset: 16, as: UInt16.self)
            buffer.storeBytes(of: src.bigEndian, toByteOffset: 26, as: UInt32.self)
            buffer.storeBytes(of: dst.bigEndian, toByteOffset: 30, as: UInt32.self)
            buffer.storeBytes(of: sport.bigEndian, toByteOffset: 34, as: UInt16.self)
            buffer.storeBytes(of: dport.bigEndian, toByteOffset: 36, as: UInt16.self)
            buffer.storeBytes(of: seq.bigEndian, toByteOffset: 38, as: UInt32.self)
            buffer.storeBytes(of: ack.bigEndian, toByteOffset: 42, as: UInt32.self)
            buffer[47] = flags.rawValue
            buffer.storeBytes(of: UInt16(65535).bigEndian, toByteOffset: 48, as: UInt16.self)
            // Payload: a pattern derived from the sequence number, so a copy can be checked.
            for i in 0..<length { buffer[54 + i] = UInt8(truncatingIfNeeded: seq &+ UInt32(i)) }
            time = time + .microseconds(10)
            try writer.write(UnsafeRawBufferPointer(rebasing: buffer[0..<(54 + length)]), timestamp: time)
            generated.packets += 1
            generated.bytes += Int64(16 + 54 + length)
            generated.payloadBytes += UInt64(length)
        }

        while generated.bytes < target {
            let i = random.below(flows.count)
            var flow = flows[i]
            switch flow.phase {
            case 0:
                try emit(fromClient: true, flow: flow, seq: flow.clientSeq, ack: 0, flags: .syn, length: 0)
                flow.clientSeq &+= 1
            case 1:
                try emit(fromClient: false, flow: flow, seq: flow.serverSeq, ack: flow.clientSeq, flags: [.syn, .ack], length: 0)
                flow.serverSeq &+= 1
            case 2:
                try emit(fromClient: true, flow: flow, seq: flow.clientSeq, ack: flow.serverSeq, flags: .ack, length: 0)
            case 3 where flow.dataLeft > 0 || flow.held != nil:
                flow.dataLeft -= 1
                if let held = flow.held {
                    try emit(fromClient: held.fromClient, flow: flow, seq: held.seq, ack: 0, flags: [.ack, .psh], length: held.length)
                    flow.held = nil
                    flows[i] = flow
                    continue
                }
                let fromClient = random.below(10) < 3
                let roll = random.below(1000)
                if roll < 10, let last = flow.last {
                    try emit(fromClient: last.fromClient, flow: flow, seq: last.seq, ack: 0, flags: [.ack, .psh], length: last.length)
                    flows[i] = flow
                    continue
                }
                let length = fromClient ? 20 + random.below(180) : 536 + random.below(925)
                let seq = fromClient ? flow.clientSeq : flow.serverSeq
                if fromClient { flow.clientSeq &+= UInt32(length) } else { flow.serverSeq &+= UInt32(length) }
                flow.last = (fromClient, seq, length)
                if roll < 15 {
                    // Reorder: hold this segment, send the one after it first.
                    flow.held = (fromClient, seq, length)
                    let nextSeq = fromClient ? flow.clientSeq : flow.serverSeq
                    if fromClient { flow.clientSeq &+= UInt32(length) } else { flow.serverSeq &+= UInt32(length) }
                    flow.last = (fromClient, nextSeq, length)
                    try emit(fromClient: fromClient, flow: flow, seq: nextSeq, ack: 0, flags: [.ack, .psh], length: length)
                    flows[i] = flow
                    continue
                }
                try emit(fromClient: fromClient, flow: flow, seq: seq, ack: fromClient ? flow.serverSeq : flow.clientSeq, flags: [.ack, .psh], length: length)
                flows[i] = flow
                continue
            case 3:
                try emit(fromClient: true, flow: flow, seq: flow.clientSeq, ack: flow.serverSeq, flags: [.fin, .ack], length: 0)
                flow.clientSeq &+= 1
            case 4:
                try emit(fromClient: false, flow: flow, seq: flow.serverSeq, ack: flow.clientSeq, flags: [.fin, .ack], length: 0)
                flow.serverSeq &+= 1
            default:
                try emit(fromClient: true, flow: flow, seq: flow.clientSeq, ack: flow.serverSeq, flags: .ack, length: 0)
                flows[i] = newFlow()
                generated.connections += 1
                continue
            }
            flow.phase += 1
            flows[i] = flow
        }
        try writer.close()
        generated.bytes += 24
        return generated
    }

    /// Touches every delivered byte (a word-wise sum), as a real consumer would.
    struct SummingConsumer: TCPStreamConsumer {
        var interest: TCPPayloadInterest
        var sum: UInt64 = 0
        var delivered: UInt64 = 0
        var gaps = 0
        var opened = 0
        var closed = 0

        mutating func connectionOpened(_ connection: TCPConnection, at time: CaptureTime, sawHandshake: Bool) -> TCPPayloadInterest {
            opened += 1
            return interest
        }

        mutating func streamData(_ connection: TCPConnection, _ direction: TCPDirection, _ chunk: TCPStreamChunk, at time: CaptureTime) -> Bool {
            delivered &+= UInt64(chunk.length)
            let b = chunk.bytes
            var i = 0
            while i + 8 <= b.count {
                sum &+= b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                i += 8
            }
            while i < b.count {
                sum &+= UInt64(b[i])
                i += 1
            }
            return true
        }

        mutating func streamGap(_ connection: TCPConnection, _ direction: TCPDirection, length: Int, streamOffset: UInt64, at time: CaptureTime) {
            gaps += 1
        }

        mutating func connectionClosed(_ connection: TCPConnection, reason: TCPCloseReason, at time: CaptureTime) {
            closed += 1
        }
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        let (s, atto) = (clock.now - start).components
        return Double(s) + Double(atto) / 1e18
    }

    static func measureRead(_ path: String, size: Int64) throws -> Measurement {
        var packets = 0
        var bytes = 0
        let t = try seconds {
            let reader = try CaptureReader(path: path)
            while let p = try reader.nextPacket() {
                packets += 1
                bytes &+= p.bytes.count
            }
        }
        return Measurement(name: "read", fileBytes: size, packets: packets, seconds: t)
    }

    static func measureDecode(_ path: String, size: Int64) throws -> Measurement {
        var packets = 0
        var payload = 0
        let t = try seconds {
            let reader = try CaptureReader(path: path)
            while let p = try reader.nextPacket() {
                packets += 1
                payload &+= PacketDecoder.decode(p).payload.count
            }
        }
        return Measurement(name: "read+decode", fileBytes: size, packets: packets, seconds: t)
    }

    static func measureReassembly(_ path: String, size: Int64, interest: TCPPayloadInterest) throws -> (Measurement, SummingConsumer, TCPReassembler.Statistics) {
        var consumer = SummingConsumer(interest: interest)
        let reassembler = TCPReassembler()
        var packets = 0
        let t = try seconds {
            let reader = try CaptureReader(path: path, acceptedLinkTypes: LinkType.decodable)
            while let p = try reader.nextPacket() {
                packets += 1
                reassembler.process(p, consumer: &consumer)
            }
            reassembler.finish(consumer: &consumer)
        }
        let name = interest == .none ? "read+decode+reassemble (payload declined)" : "read+decode+reassemble (payload to consumer)"
        return (Measurement(name: name, fileBytes: size, packets: packets, seconds: t), consumer, reassembler.statistics)
    }

    /// Peak resident set size of this process in MiB.
    static func maxResidentMiB() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss / 1024
    }
}
