import PacketCapture
import Testing

/// TCP reassembly: every byte once, in order, with gaps named and ends reported.
@Suite struct ReassemblyTests {
    let f = Flow()
    let c = TCPDirection.clientToServer
    let s = TCPDirection.serverToClient
    static let client = "127.0.0.11:40000", server = "127.0.0.100:23"

    func handshake(clientISN: UInt32 = 100, serverISN: UInt32 = 500) -> [[UInt8]] {
        [f.c(clientISN, "", .syn, ack: 0), f.s(serverISN, "", [.syn, .ack], ack: clientISN &+ 1), f.c(clientISN &+ 1, "", .ack, ack: serverISN &+ 1)]
    }

    @Test func handshakeDataAndFinClose() {
        let packets = handshake() + [
            f.c(101, "hello"), f.s(501, "world"), f.c(106, "", [.fin, .ack]), f.s(506, "", [.fin, .ack]),
            f.c(107, "", .ack, ack: 507),  // last ACK after close: no phantom connection
        ]
        let (r, stats) = reassemble(packets)
        #expect(r.events == [
            .opened(1, client: Self.client, server: Self.server, handshake: true),
            .data(1, c, "hello"), .data(1, s, "world"), .closed(1, .fin),
        ])
        #expect(stats.connectionsOpened == 1 && stats.connectionsClosed == 1 && stats.strayPackets == 1)
        #expect(r.offsetErrors.isEmpty)
    }

    @Test func retransmissionIsDeliveredOnce() {
        let packets = handshake() + [f.c(101, "abc"), f.c(101, "abc"), f.c(104, "def"), f.c(101, "abcdef"), f.c(104, "def")]
        let (r, stats) = reassemble(packets)
        #expect(r.stream(1, c) == "abcdef")
        #expect(stats.duplicateBytes == 12)
        #expect(r.events.last == .closed(1, .captureEnd))
    }

    @Test func reorderedSegmentsAreHeldAndDeliveredInOrder() {
        let packets = handshake() + [f.c(107, "ghi"), f.c(104, "def"), f.c(101, "abc"), f.c(110, "jk")]
        let (r, stats) = reassemble(packets)
        #expect(r.events.dropFirst().prefix(4) == [.data(1, c, "abc"), .data(1, c, "def"), .data(1, c, "ghi"), .data(1, c, "jk")])
        #expect(stats.outOfOrderSegments == 2)
        #expect(stats.gaps == 0)
        #expect(r.offsetErrors.isEmpty)
    }

    @Test func overlappingSegmentsAreTrimmed() {
        // [0,5) then [3,10) then held [12,15) and overlapping [8,14): "0123456789ABCDE" once.
        let packets = handshake() + [
            f.c(101, "01234"), f.c(104, "3456789"), f.c(113, "CDE"), f.c(109, "89ABCD"), f.c(110, "9A"),
        ]
        let (r, _) = reassemble(packets)
        #expect(r.stream(1, c) == "0123456789ABCDE")
        #expect(r.offsetErrors.isEmpty)
    }

    @Test func missingSYNStartsAtFirstSeenSequenceAndGuessesRoles() {
        // Server (port 23) speaks first; the lower port is taken as the server.
        let packets = [f.s(9000, "login:"), f.c(4000, "user"), f.s(9006, " ok")]
        let (r, _) = reassemble(packets)
        #expect(r.events.first == .opened(1, client: Self.client, server: Self.server, handshake: false))
        #expect(r.stream(1, s) == "login: ok")
        #expect(r.stream(1, c) == "user")

        // Both ports high: a configured server port decides.
        var high = Flow()
        high.server.port = 40000
        high.client.port = 50000
        let config = TCPReassembler.Configuration(serverPorts: [40000])
        let (r2, _) = reassemble([high.c(1, "x")], configuration: config)
        #expect(r2.events.first == .opened(1, client: "127.0.0.11:50000", server: "127.0.0.100:40000", handshake: false))
        // And the consumer's hint beats both.
        let hinted = TCPReassembler.Configuration(serverPorts: [40000], roleHint: { sender, _ in sender.port == 50000 ? .senderIsServer : .unknown })
        let (r3, _) = reassemble([high.c(1, "x")], configuration: hinted)
        #expect(r3.events.first == .opened(1, client: "127.0.0.100:40000", server: "127.0.0.11:50000", handshake: false))
    }

    @Test func synAckWithoutSYNUsesTheAckForTheClientStream() {
        let packets = [f.s(500, "", [.syn, .ack], ack: 101), f.c(101, "abc"), f.s(501, "xyz")]
        let (r, stats) = reassemble(packets)
        #expect(r.events.first == .opened(1, client: Self.client, server: Self.server, handshake: true))
        #expect(r.stream(1, c) == "abc" && r.stream(1, s) == "xyz")
        #expect(stats.gaps == 0)
    }

    @Test func resetFlushesHeldDataWithAGapAndCloses() {
        let packets = handshake() + [f.c(101, "ab"), f.c(106, "fg"), f.s(501, "", [.rst, .ack]), f.c(108, "late")]
        let (r, stats) = reassemble(packets)
        #expect(Array(r.events.dropFirst()) == [.data(1, c, "ab"), .gap(1, c, 3, at: 2), .data(1, c, "fg"), .closed(1, .reset)])
        #expect(stats.strayPackets == 1)
    }

    @Test func finBeforeTheLastDataArrivesWaitsForIt() {
        let packets = handshake() + [f.c(104, "def", [.fin, .ack]), f.c(101, "abc"), f.s(501, "", [.fin, .ack])]
        let (r, _) = reassemble(packets)
        #expect(Array(r.events.dropFirst()) == [.data(1, c, "abc"), .data(1, c, "def"), .closed(1, .fin)])
    }

    @Test func sequenceNumbersWrapAround() {
        let isn: UInt32 = 0xFFFF_FFFA
        let packets = handshake(clientISN: isn) + [f.c(isn &+ 1, "abcd"), f.c(isn &+ 9, "ijkl"), f.c(isn &+ 5, "efgh"), f.c(isn &+ 13, "mn")]
        #expect(isn &+ 9 < isn)  // the stream really crosses 2^32
        let (r, stats) = reassemble(packets)
        #expect(r.stream(1, c) == "abcdefghijklmn")
        #expect(stats.gaps == 0 && stats.duplicateBytes == 0)
    }

    @Test func truncatedSegmentGivesItsBytesThenAGap() {
        let full = f.c(101, "0123456789")
        let packets = handshake().map { Feed($0) } + [Feed(full, captured: full.count - 4), Feed(f.c(111, "ABC"))]
        let (r, stats) = reassemble(packets)
        #expect(Array(r.events.dropFirst().prefix(3)) == [.data(1, c, "012345"), .gap(1, c, 4, at: 6), .data(1, c, "ABC")])
        #expect(stats.gapBytes == 4)
        #expect(r.offsetErrors.isEmpty)
    }

    @Test func truncatedHeldSegmentKeepsItsGap() {
        let cut = f.c(104, "defgh")
        let packets = handshake().map { Feed($0) } + [Feed(cut, captured: cut.count - 3), Feed(f.c(101, "abc")), Feed(f.c(109, "ij"))]
        let (r, _) = reassemble(packets)
        #expect(r.stream(1, c) == "abcde???ij")
    }

    @Test func portReuseAfterCloseStartsANewConnection() {
        let packets = handshake() + [f.c(101, "one"), f.c(104, "", [.fin, .ack]), f.s(501, "", [.fin, .ack]), f.c(105, "", .ack)]
            + handshake(clientISN: 9000, serverISN: 7000) + [f.c(9001, "two")]
        let (r, _) = reassemble(packets)
        #expect(r.events == [
            .opened(1, client: Self.client, server: Self.server, handshake: true), .data(1, c, "one"), .closed(1, .fin),
            .opened(2, client: Self.client, server: Self.server, handshake: true), .data(2, c, "two"), .closed(2, .captureEnd),
        ])
    }

    @Test func newSYNOnAnOpenTupleReplacesIt() {
        let packets = handshake() + [f.c(101, "one"), f.c(100, "", .syn, ack: 0)]  // repeated SYN: same ISN, ignored
            + handshake(clientISN: 9000) + [f.c(9001, "two")]
        let (r, _) = reassemble(packets)
        #expect(r.events == [
            .opened(1, client: Self.client, server: Self.server, handshake: true), .data(1, c, "one"), .closed(1, .portReused),
            .opened(2, client: Self.client, server: Self.server, handshake: true), .data(2, c, "two"), .closed(2, .captureEnd),
        ])
    }

    @Test func retransmittedSYNIsNotANewConnection() {
        let packets = [f.c(100, "", .syn, ack: 0), f.c(100, "", .syn, ack: 0)] + Array(handshake().dropFirst()) + [f.c(101, "x")]
        let (r, stats) = reassemble(packets)
        #expect(stats.connectionsOpened == 1)
        #expect(r.stream(1, c) == "x")
    }

    @Test func bufferLimitDeclaresAGap() {
        let config = TCPReassembler.Configuration(maxBufferedSegmentsPerDirection: 2)
        // "abc" is lost; three later segments exceed the two-segment limit.
        let packets = handshake() + [f.c(104, "def"), f.c(107, "ghi"), f.c(110, "jkl"), f.c(113, "mno")]
        let (r, stats) = reassemble(packets, configuration: config, finish: false)
        #expect(Array(r.events.dropFirst()) == [.gap(1, c, 3, at: 0), .data(1, c, "def"), .data(1, c, "ghi"), .data(1, c, "jkl"), .data(1, c, "mno")])
        #expect(stats.gaps == 1 && stats.gapBytes == 3)

        let byBytes = TCPReassembler.Configuration(maxBufferedBytesPerDirection: 5)
        let (r2, _) = reassemble(handshake() + [f.c(104, "def"), f.c(107, "ghi")], configuration: byBytes, finish: false)
        #expect(r2.stream(1, c) == "???defghi")
    }

    @Test func captureEndFlushesHeldDataAndClosesEverything() {
        var other = Flow()
        other.client.port = 40001
        let packets = handshake() + [f.c(104, "def")] + [other.c(1, "zzz")]
        let (r, _) = reassemble(packets)
        #expect(Array(r.events.suffix(4)) == [.gap(1, c, 3, at: 0), .data(1, c, "def"), .closed(1, .captureEnd), .closed(2, .captureEnd)])
    }

    @Test func declinedPayloadReportsLengthsWithoutBytes() {
        let packets = handshake() + [f.c(104, "def"), f.c(101, "abc"), f.s(501, "xy")]
        let (r, _) = reassemble(packets, interest: .serverToClient)
        #expect(Array(r.events.dropFirst().prefix(3)) == [.length(1, c, 3), .length(1, c, 3), .data(1, s, "xy")])
    }

    @Test func zeroWindowProbeAndKeepAlive() {
        let packets = handshake() + [
            f.c(101, "abc"),
            f.s(501, "", .ack, ack: 104, window: 0),  // server's window closes
            f.c(104, "d"),  // zero-window probe: one new byte
            f.c(104, "d"),  // probe repeated
            f.c(103, "c"),  // keep-alive style: one old byte
            f.c(104, "defg"),  // window opens: the probe byte again plus new data
        ]
        let (r, stats) = reassemble(packets)
        #expect(r.stream(1, c) == "abcdefg")
        #expect(stats.duplicateBytes == 3)
    }

    @Test func ipv6Connections() {
        var v6 = Flow()
        v6.ipv6 = true
        v6.client.address = "2001:db8::11"
        v6.server.address = "2001:db8::100"
        let (r, _) = reassemble([v6.c(100, "", .syn, ack: 0), v6.c(101, "six")])
        #expect(r.events.first == .opened(1, client: "[2001:db8::11]:40000", server: "[2001:db8::100]:23", handshake: true))
        #expect(r.stream(1, c) == "six")
    }

    @Test func nonTCPAndFragmentsAreCountedNotDelivered() {
        let udp = Build.ipv4(source: "127.0.0.1", destination: "127.0.0.2", protocol: 17, payload: [0, 1, 0, 2, 0, 8, 0, 0])
        let fragment = Build.ipv4(source: "127.0.0.11", destination: "127.0.0.100", payload: Array(f.c(101, "abcdef").dropFirst(20).prefix(24)), moreFragments: true)
        let later = Build.ipv4(source: "127.0.0.11", destination: "127.0.0.100", payload: [1, 2, 3], fragmentOffset: 24)
        let cutHeader = Feed(f.c(101, "abc"), captured: 30)
        let (r, stats) = reassemble([Feed(udp), Feed(fragment), Feed(later), cutHeader])
        #expect(r.events.isEmpty)
        #expect(stats.notTCP == 1 && stats.fragmentsSkipped == 2 && stats.unreadableTCPHeaders == 1)
    }
}
