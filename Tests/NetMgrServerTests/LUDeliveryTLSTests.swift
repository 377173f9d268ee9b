import Logging
import NIOCore
@testable import NetMgrServer
import TN3270
import Testing

/// The delivery machine's part of TLS toward the host: STARTTLS required by the
/// definitions, the TLS hand-over, and a refusal logged once at error level.
@Suite("LU delivery over TLS")
struct LUDeliveryTLSTests {
    static func machine(startTLS: Bool) -> LUDeliveryMachine {
        var client = TN3270ClientConfiguration(luName: "LU01")
        client.requiresStartTLS = startTLS
        var configuration = LUDeliveryMachine.Configuration(client: client, retry: RetryPolicy())
        configuration.hostDescription = "host 127.0.76.100:2323"
        return LUDeliveryMachine(configuration: configuration)
    }

    /// start, slot, connect: negotiating on a fresh connection.
    static func connect(_ machine: inout LUDeliveryMachine, now: NIODeadline) {
        _ = machine.start(now: now)
        _ = machine.slotGranted(now: now)
        _ = machine.connected(now: now)
        #expect(machine.phase == .negotiating)
    }

    static func logs(_ actions: [LUDeliveryMachine.Action]) -> [(Logger.Level, String)] {
        actions.compactMap { if case .log(let level, let text) = $0 { (level, text) } else { nil } }
    }

    static func sent(_ actions: [LUDeliveryMachine.Action]) -> [UInt8] {
        actions.reduce(into: []) { bytes, action in if case .send(let buffer) = action { bytes += Array(buffer.readableBytesView) } }
    }

    @Test func startTLSThenTN3270EInsideIt() {
        var machine = Self.machine(startTLS: true)
        let now = NIODeadline.now()
        Self.connect(&machine, now: now)
        #expect(Self.sent(machine.received(ByteBuffer(bytes: [255, 253, 46]), now: now)) == [255, 251, 46, 255, 250, 46, 1, 255, 240])
        let follows = machine.received(ByteBuffer(bytes: [255, 250, 46, 1, 255, 240]), now: now)
        #expect(follows.contains { if case .startTLS(let rest) = $0 { rest.readableBytes == 0 } else { false } })
        #expect(machine.tlsEstablished(now: now).isEmpty)
        #expect(Self.sent(machine.received(ByteBuffer(bytes: [255, 253, 40]), now: now)) == [255, 251, 40])
        #expect(machine.phase == .negotiating)
    }

    @Test func hostWithoutSTARTTLSIsRefusedAndTheRepeatIsQuiet() {
        var machine = Self.machine(startTLS: true)
        var now = NIODeadline.now()
        Self.connect(&machine, now: now)
        let first = machine.received(ByteBuffer(bytes: [255, 253, 40]), now: now)
        #expect(Self.sent(first).isEmpty, "nothing of the 3270 negotiation is answered in plaintext")
        #expect(first.contains { if case .close = $0 { true } else { false } })
        let logged = Self.logs(first)
        #expect(logged.count == 1 && logged[0].0 == .error)
        #expect(logged.first?.1.hasPrefix("host 127.0.76.100:2323: STARTTLS is required but the host did not offer it") == true, "\(logged)")
        let closed = machine.closed(now: now)
        let state = closed.compactMap { if case .state(_, let detail) = $0 { detail } else { nil } }
        #expect(state.first?.contains("did not offer it") == true, "\(state)")

        // The retry meets the same host: the same failure is logged at debug level only.
        now = now + .seconds(60)
        _ = machine.timerFired(.reconnect, now: now)
        _ = machine.slotGranted(now: now)
        _ = machine.connected(now: now)
        let again = Self.logs(machine.received(ByteBuffer(bytes: [255, 253, 40]), now: now))
        #expect(again.count == 1 && again[0].0 == .debug, "\(again)")
    }

    @Test func aTLSHandshakeFailureIsTheRetrysReason() {
        var machine = Self.machine(startTLS: false)
        let now = NIODeadline.now()
        Self.connect(&machine, now: now)
        let failed = machine.failConnection("direct TLS with host 127.0.76.100:992 failed: the host's certificate does not verify")
        #expect(Self.logs(failed).map(\.0) == [.error])
        #expect(failed.contains { if case .close = $0 { true } else { false } })
        let state = machine.closed(now: now).compactMap { if case .state(_, let detail) = $0 { detail } else { nil } }
        #expect(state.first?.hasPrefix("direct TLS with host 127.0.76.100:992 failed") == true, "\(state)")
    }
}
