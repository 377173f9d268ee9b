import Logging
@testable import LineTransport
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import SDLC
import Testing

/// The DCD logic of a tty line, with the modem-line bits given by the test (a pty has no
/// modem lines, and CI has no modem): polled every 50 ms, changes reported as
/// `RawLineEvent.carrier`, and after the switch to HDLC a drop closes the line.
@Suite("Modem lines of a tty line")
struct TTYModemLinesTests {
    @Test func carrierChangesAreReportedThenADropClosesTheUpgradedLine() throws {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.61.3", port: 9)).wait()
        let loop = channel.embeddedEventLoop
        let device = LineDevice.tty(path: "/dev/ttyS9", speed: 9600)
        let bits = NIOLockedValueBox<CInt>(TTYModemLines.carrierDetectBit)
        let modem = TTYModemLines(device: device, descriptor: -1, channel: channel, carrier: true, readBits: { _ in (bits.withLockedValue { $0 }, 0) })
        let rawEvents = NIOLockedValueBox<[RawLineEvent]>([])
        let raw = try RawLineHandlers.install(on: channel, device: device, logger: Logger(label: "test"), modemLines: modem) { event in
            rawEvents.withLockedValue { $0.append(event) }
        }
        #expect(raw.modemLines != nil)
        modem.startMonitoring(rawEvents: { event in rawEvents.withLockedValue { $0.append(event) } })
        func carriers() -> [Bool] { rawEvents.withLockedValue { $0.compactMap { if case .carrier(let on) = $0 { on } else { nil } } } }

        loop.advanceTime(by: .milliseconds(50))
        #expect(carriers() == [])  // unchanged: nothing reported
        bits.withLockedValue { $0 = 0 }
        loop.advanceTime(by: .milliseconds(49))
        #expect(carriers() == [])
        loop.advanceTime(by: .milliseconds(1))
        #expect(carriers() == [false])
        bits.withLockedValue { $0 = TTYModemLines.carrierDetectBit }
        loop.advanceTime(by: .milliseconds(50))
        #expect(carriers() == [false, true])

        let read = NIOLockedValueBox<Bool?>(nil)
        raw.modemLines?.readCarrierDetect().whenSuccess { on in read.withLockedValue { $0 = on } }
        loop.run()
        #expect(read.withLockedValue { $0 } == true)
        // DTR goes to the descriptor itself: -1 here, so the failure names the device and why.
        let dtr = NIOLockedValueBox<String?>(nil)
        raw.modemLines?.setDataTerminalReady(false).whenFailure { error in dtr.withLockedValue { $0 = "\(error)" } }
        loop.run()
        #expect(dtr.withLockedValue { $0 }?.hasPrefix("line device tty:/dev/ttyS9@9600: cannot drop DTR") == true)

        // Data mode: HDLC frames, and a carrier drop is the end of the call.
        let lineEvents = NIOLockedValueBox<[LineEvent]>([])
        let upgraded = NIOLockedValueBox<LineConnection?>(nil)
        raw.upgradeToHDLC(events: { event in lineEvents.withLockedValue { $0.append(event) } }).whenSuccess { line in upgraded.withLockedValue { $0 = line } }
        loop.run()
        let line = try #require(upgraded.withLockedValue { $0 })
        #expect(line.modemLines != nil)
        let frame = SDLCFrame(address: 0xC1, control: .unnumbered(.snrm, pollFinal: true))
        var wire = ByteBuffer()
        HDLCFrameEncoder.encode(frame, into: &wire)
        try channel.writeInbound(wire)
        #expect(lineEvents.withLockedValue { $0.count } == 1)
        if case .frame(let received)? = lineEvents.withLockedValue({ $0.first }) { #expect(received == frame) } else { Issue.record("no frame") }

        bits.withLockedValue { $0 = 0 }
        loop.advanceTime(by: .milliseconds(50))
        let closes = lineEvents.withLockedValue { $0.compactMap { if case .closed(let error) = $0 { error } else { nil } } }
        #expect(closes.count == 1)
        #expect(closes.first as? LineCarrierLost == LineCarrierLost(device: device))
        #expect(!channel.isActive)
        #expect(carriers() == [false, true])  // nothing more to the raw side after the switch
        loop.advanceTime(by: .milliseconds(200))
        #expect(lineEvents.withLockedValue { $0.count } == 2)
    }
}
