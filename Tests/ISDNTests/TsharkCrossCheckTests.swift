import ISDN
import NIOCore
import NetMgrTestSupport
import PacketCapture
import Testing

/// Our encoder's D-channel frames, written as LINKTYPE_LINUX_LAPD (177), as Wireshark's
/// LAPD and Q.931 dissectors read them.
@Suite("tshark reads our LAPD and Q.931")
struct TsharkCrossCheckTests {
    /// The 16-byte Linux LAPD pseudo-header: packet type, hardware type, address length,
    /// address (first byte 1 when the network sent the frame), protocol ETH_P_LAPD 0x0030.
    static func linuxLAPDHeader(fromNetwork: Bool) -> [UInt8] {
        [0x00, fromNetwork ? 0x04 : 0x00, 0x00, 0x00, 0x00, 0x01, fromNetwork ? 0x01 : 0x00] + [UInt8](repeating: 0, count: 7) + [0x00, 0x30]
    }

    @Test("a call's frames: tshark finds the calling and called numbers and the cause, nothing malformed")
    func call() async throws {
        // The D channel of one subscriber whose call the exchange refuses as busy.
        var captured: [(Bool, ByteBuffer)] = []
        var user = ISDNUserSide(configuration: .init(ownNumber: "0312340011"))
        var network = ISDNNetworkSide(configuration: .init(subscriberNumber: "0312340011"))
        let now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var toNetwork: [ByteBuffer] = []
        var toUser: [ByteBuffer] = []
        func fromUser(_ actions: [ISDNUserSide.Action]) { for case .send(let frame) in actions { toNetwork.append(frame) } }
        func fromNetwork(_ actions: [ISDNNetworkSide.Action]) {
            for action in actions {
                if case .send(let frame) = action { toUser.append(frame) }
                if case .callRequested(let id, _, _, _) = action { fromNetwork(network.release(id, cause: Q931Cause.userBusy, now: now)) }
            }
        }
        func settle() {
            for _ in 0..<100 where !toNetwork.isEmpty || !toUser.isEmpty {
                let up = toNetwork, down = toUser
                toNetwork = []
                toUser = []
                for frame in up {
                    captured.append((false, frame))
                    fromNetwork(network.receive(frame, now: now))
                }
                for frame in down {
                    captured.append((true, frame))
                    fromUser(user.receive(frame, now: now))
                }
            }
        }
        fromUser(user.start(now: now))
        settle()
        fromUser(user.call("0300002222", now: now))
        settle()
        #expect(captured.count >= 8)

        let directory = try TemporaryDirectory(prefix: "netmgr-isdn-tshark")
        let path = directory.file("d-channel.pcap")
        let writer = try CaptureWriter(path: path, linkType: LinkType(rawValue: 177))
        for (index, (fromNetwork, frame)) in captured.enumerated() {
            try writer.write(Self.linuxLAPDHeader(fromNetwork: fromNetwork) + Array(frame.readableBytesView),
                             timestamp: CaptureTime(seconds: 1_700_000_000 + Int64(index)))
        }
        try writer.close()

        let fields = try await runProcess("tshark", ["-r", path, "-Y", "q931", "-T", "fields", "-E", "separator=,",
                                                      "-e", "q931.message_type", "-e", "q931.calling_party_number.digits",
                                                      "-e", "q931.called_party_number.digits", "-e", "q931.cause_value"])
        #expect(fields.status == 0, "\(fields)")
        let lines = fields.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.contains("0x05,0312340011,0300002222,"), "tshark: \(lines)")  // SETUP
        #expect(lines.contains("0x45,,,17"), "tshark: \(lines)")  // DISCONNECT, user busy
        let malformed = try await runProcess("tshark", ["-r", path, "-Y", "_ws.malformed || _ws.expert.severity >= error"])
        #expect(malformed.status == 0 && malformed.standardOutput.isEmpty, "tshark finds malformed frames: \(malformed.standardOutput)")
        let protocols = try await runProcess("tshark", ["-r", path, "-T", "fields", "-e", "frame.protocols"])
        let stacks = protocols.standardOutput.split(separator: "\n")
        #expect(stacks.count == captured.count && stacks.allSatisfy { $0.contains("lapd") }, "not every frame is LAPD to tshark: \(stacks)")
    }
}
