import Foundation
import Logging
import NIOCore
import NetMgrCore
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// The line switch's request authentication (docs/LINE-SWITCH.md, Authentication): the
/// verification logic as a value with the time passed in, then the device on real sockets.
@Suite("Line switch authentication")
struct LineSwitchAuthenticationTests {
    static let unit = LineSwitchUnit(com: 1, unit: 1, line: 1)
    static let key = Array(0..<32).map(UInt8.init)
    static let otherKey = Array(repeating: UInt8(0x5A), count: 32)
    static let now: Int64 = 1_764_739_200

    static func signature(key: [UInt8] = LineSwitchAuthenticationTests.key, node: String = "node-a", epoch: UInt64 = 7, time: Int64 = LineSwitchAuthenticationTests.now, nonce: UInt64 = 0x0123_4567_89AB_CDEF) -> LineSwitchSignature {
        let text = LineSwitchAuthenticator.canonicalText(unit: unit, node: node, epoch: epoch, time: time, nonce: nonce)
        return LineSwitchSignature(time: time, nonce: nonce, mac: LineSwitchAuthenticator.mac(key: key, text: text))
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// The signed request line, as netmgrd (or a proxy) sends it.
    static func signedLine(key: [UInt8] = LineSwitchAuthenticationTests.key, node: String = "node-a", epoch: UInt64, time: Int64, nonce: UInt64) -> String {
        let text = LineSwitchAuthenticator.canonicalText(unit: unit, node: node, epoch: epoch, time: time, nonce: nonce)
        return text + " MAC " + hex(LineSwitchAuthenticator.mac(key: key, text: text))
    }

    @Test("the documented vector: HMAC-SHA256 of the canonical text (Python's hmac gives the same)")
    func knownAnswer() {
        let text = LineSwitchAuthenticator.canonicalText(unit: Self.unit, node: "node-a", epoch: 7, time: Self.now, nonce: 0x0123_4567_89AB_CDEF)
        #expect(text == "SWITCH \"COM1 Unit1 Line1\" node-a EPOCH 7 TIME 1764739200 NONCE 0123456789abcdef")
        #expect(Self.hex(LineSwitchAuthenticator.mac(key: Self.key, text: text)) == "34cf7dc6485bb0cbe2b8f844bedd6e3ea68405420766efb9637406c0b810285d")
        #expect(LineSwitchAuthenticator.hex(0xAB) == "00000000000000ab")
    }

    @Test("parsing: TIME, NONCE and MAC come off the end of a SWITCH in any order and case")
    func parsing() throws {
        let line = Self.signedLine(epoch: 7, time: Self.now, nonce: 0x0123_4567_89AB_CDEF)
        let (request, signature) = try LineSwitchControlRequest.parseSigned(line).get()
        #expect(request == .switchLine(unit: Self.unit, node: "node-a", epoch: 7))
        #expect(signature == Self.signature())
        let shuffled = "switch COM1 Unit1 Line1 node-a epoch 7 mac \(Self.hex(Self.signature().mac!).uppercased()) nonce 0123456789ABCDEF time 1764739200"
        #expect(try LineSwitchControlRequest.parseSigned(shuffled).get().signature == Self.signature())
        // The plain form still parses, with no signature; only the MAC missing is not a syntax error.
        #expect(try LineSwitchControlRequest.parseSigned("SWITCH \"COM1 Unit1 Line1\" node-a EPOCH 7").get().signature == nil)
        #expect(try LineSwitchControlRequest.parseSigned("SWITCH \"COM1 Unit1 Line1\" node-a EPOCH 7 TIME 5 NONCE 0000000000000001").get().signature
            == LineSwitchSignature(time: 5, nonce: 1, mac: nil))
        for (text, fragment) in [
            ("SWITCH \"COM1 Unit1 Line1\" node-a EPOCH 7 TIME 5 MAC \(String(repeating: "0", count: 64))", "NONCE is missing"),
            ("SWITCH \"COM1 Unit1 Line1\" node-a EPOCH 7 TIME 5 NONCE 12 MAC \(String(repeating: "0", count: 64))", "NONCE \"12\" is not 16 hex digits"),
            ("SWITCH \"COM1 Unit1 Line1\" node-a EPOCH 7 TIME -5 NONCE 0000000000000001 MAC 00", "TIME \"-5\" is not Unix seconds"),
            ("SWITCH \"COM1 Unit1 Line1\" node-a EPOCH 7 TIME 5 NONCE 0000000000000001 MAC 0g", "MAC is not 64 hex digits"),
            ("SWITCH \"COM1 Unit1 Line1\" node-a EPOCH 7 TIME 5 TIME 6 NONCE 0000000000000001", "TIME is given twice"),
        ] {
            guard case .failure(let error) = LineSwitchControlRequest.parseSigned(text) else {
                Issue.record("\(text) parsed")
                continue
            }
            #expect(error.code == .syntax && error.message.contains(fragment), "\(text): \(error)")
        }
    }

    @Test("verification: a right MAC within the window passes once; every refusal has its own code")
    func verification() throws {
        var authenticator = try LineSwitchAuthenticator(key: Self.key)
        func verify(_ signature: LineSwitchSignature?, epoch: UInt64 = 7, now: Int64 = Self.now) -> LineSwitchControlError.Code? {
            switch authenticator.verify(unit: Self.unit, node: "node-a", epoch: epoch, signature: signature, now: now) {
            case .success: return nil
            case .failure(let error): return error.code
            }
        }
        #expect(verify(nil) == .unauthenticated)
        #expect(verify(LineSwitchSignature(time: Self.now, nonce: 1, mac: nil)) == .unauthenticated)
        #expect(verify(Self.signature(key: Self.otherKey)) == .badMAC)
        #expect(verify(Self.signature(), epoch: 8) == .badMAC, "the MAC covers the epoch: a changed request is refused")
        #expect(verify(Self.signature(node: "node-b")) == .badMAC)
        #expect(authenticator.remembered == 0, "nothing unauthenticated is remembered")

        #expect(verify(Self.signature()) == nil)
        #expect(verify(Self.signature()) == .replayedNonce)
        #expect(verify(Self.signature(), now: Self.now + 30) == .replayedNonce, "still within the window")
        #expect(verify(Self.signature(), now: Self.now + 31) == .staleTime, "out of the window the replay is stale")

        // The window is ±30 s of the switch's clock.
        #expect(verify(Self.signature(time: Self.now - 30, nonce: 2)) == nil)
        #expect(verify(Self.signature(time: Self.now + 30, nonce: 3)) == nil)
        #expect(verify(Self.signature(time: Self.now - 31, nonce: 4)) == .staleTime)
        #expect(verify(Self.signature(time: Self.now + 31, nonce: 5)) == .staleTime)
        #expect(verify(Self.signature(time: 0, nonce: 6), now: .max) == .staleTime, "no overflow on absurd clocks")
    }

    @Test("replay memory is bounded: full within one window refuses, and old nonces are forgotten")
    func boundedMemory() throws {
        var authenticator = try LineSwitchAuthenticator(key: Self.key, nonceCapacity: 4)
        for nonce in UInt64(1)...4 {
            #expect(authenticator.verify(unit: Self.unit, node: "node-a", epoch: 7, signature: Self.signature(nonce: nonce), now: Self.now).failureCode == nil)
        }
        let full = authenticator.verify(unit: Self.unit, node: "node-a", epoch: 7, signature: Self.signature(nonce: 5), now: Self.now)
        #expect(full.failureCode == .replayWindowFull)
        #expect(authenticator.remembered == 4)
        // 31 s later those four are stale; their slots are free again.
        let later = authenticator.verify(unit: Self.unit, node: "node-a", epoch: 7, signature: Self.signature(time: Self.now + 31, nonce: 5), now: Self.now + 31)
        #expect(later.failureCode == nil)
        #expect(authenticator.remembered == 1)
    }

    @Test("a key shorter than 32 bytes is refused")
    func shortKey() {
        #expect(throws: LineSwitchConfigurationError.self) { try LineSwitchAuthenticator(key: Array(repeating: 1, count: 31)) }
    }

    // MARK: The device on real sockets (127.0.75.0/24)

    static func startDevice(address: String, key: [UInt8]?) async throws -> LineSwitchDevice {
        let configuration = LineSwitchConfiguration(
            control: Endpoint(host: address, port: 7400),
            lines: [.init(unit: unit, hostPort: Endpoint(host: address, port: 7410), nodePorts: [
                .init(node: "node-a", endpoint: Endpoint(host: address, port: 7411)),
                .init(node: "node-b", endpoint: Endpoint(host: address, port: 7412)),
            ])],
            key: key)
        return try await LineSwitchDevice.start(configuration: configuration, logger: Logger(label: "test"))
    }

    /// One request line on a control connection, one reply line back.
    static func exchange(_ client: PortClient, _ line: String) async throws -> String {
        let before = client.bytes.count
        try await client.send(Array((line + "\r\n").utf8))
        guard await eventually(.seconds(5), { client.bytes[before...].contains(UInt8(ascii: "\n")) }) else {
            Issue.record("no reply to \(line)")
            return ""
        }
        let reply = client.bytes[before...].split(separator: UInt8(ascii: "\n"))[0]
        return String(decoding: reply, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static var unixNow: Int64 { Int64(Date().timeIntervalSince1970) }

    @Test("over TCP: unsigned, wrong key, stale and replayed SWITCHes are refused and the line stays put")
    func refusedOnTheWire() async throws {
        let device = try await Self.startDevice(address: "127.0.75.21", key: Self.key)
        let control = try await PortClient(Endpoint(host: "127.0.75.21", port: 7400))

        let unsigned = try await Self.exchange(control, "SWITCH \"COM1 Unit1 Line1\" node-a EPOCH 1")
        #expect(unsigned.hasPrefix("ERR unauthenticated "), "\(unsigned)")
        let wrongKey = try await Self.exchange(control, Self.signedLine(key: Self.otherKey, epoch: 1, time: Self.unixNow, nonce: 1))
        #expect(wrongKey.hasPrefix("ERR bad-mac "), "\(wrongKey)")
        let stale = try await Self.exchange(control, Self.signedLine(epoch: 1, time: Self.unixNow - 120, nonce: 2))
        #expect(stale.hasPrefix("ERR stale-time "), "\(stale)")
        #expect(try await device.status()[0].node == nil, "nothing switched yet")

        let signed = Self.signedLine(epoch: 1, time: Self.unixNow, nonce: 3)
        let accepted = try await Self.exchange(control, signed)
        #expect(accepted.hasPrefix("OK \"COM1 Unit1 Line1\" node-a EPOCH 1"), "\(accepted)")
        // Someone who recorded it sends it again: refused, even on a new connection.
        let replay = try await PortClient(Endpoint(host: "127.0.75.21", port: 7400))
        let replayed = try await Self.exchange(replay, signed)
        #expect(replayed.hasPrefix("ERR replayed-nonce "), "\(replayed)")

        // STATUS stays readable without the key; the line is node-a's.
        let status = try await Self.exchange(control, "STATUS")
        #expect(status.hasPrefix("LINE \"COM1 Unit1 Line1\" NODE node-a EPOCH 1"), "\(status)")

        await control.close()
        await replay.close()
        await device.close()
    }

    @Test("without a key the switch obeys plain and signed SWITCHes alike, as before")
    func withoutKey() async throws {
        let device = try await Self.startDevice(address: "127.0.75.22", key: nil)
        #expect(try await device.control("SWITCH \"COM1 Unit1 Line1\" node-a EPOCH 1")[0].hasPrefix("OK"))
        #expect(try await device.control(Self.signedLine(key: Self.otherKey, node: "node-b", epoch: 2, time: 0, nonce: 1))[0].hasPrefix("OK"))
        #expect(try await device.status()[0].node == "node-b")
        await device.close()
    }
}

extension Result where Failure == LineSwitchControlError {
    var failureCode: LineSwitchControlError.Code? {
        if case .failure(let error) = self { return error.code }
        return nil
    }
}
