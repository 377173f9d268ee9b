import LineTransport
import Testing

@Suite("Line device strings")
struct LineDeviceTests {
    @Test func tcpDevices() throws {
        #expect(try LineDevice.parse(device: "tcp:127.0.0.200:7411") == .tcp(host: "127.0.0.200", port: 7411))
        #expect(try LineDevice.parse(device: " TCP:localhost:1 ") == .tcp(host: "localhost", port: 1))
        #expect(try LineDevice.parse(device: "tcp:[::1]:7411") == .tcp(host: "::1", port: 7411))
        #expect(LineDevice.tcp(host: "::1", port: 7411).description == "tcp:[::1]:7411")
    }

    @Test func serialDevicesAreRefusedClearly() {
        for path in ["/dev/ttyS1", "/dev/hdlc0"] {
            #expect(throws: LineDeviceError.serialNotSupported(path: path)) { try LineDevice.parse(device: path) }
            let text = (try? LineDevice.parse(device: path)).map { "\($0)" } ?? LineDeviceError.serialNotSupported(path: path).description
            #expect(text.contains("serial devices are not supported in this release"))
            #expect(text.contains(path))
        }
    }

    @Test func badDevicesNameWhatIsWrong() {
        let cases: [(String, String)] = [
            ("", "empty"),
            ("udp:1.2.3.4:5", "not understood"),
            ("tcp:127.0.0.1", "has no port"),
            ("tcp:127.0.0.1:0", "port \"0\""),
            ("tcp:127.0.0.1:99999", "port \"99999\""),
            ("tcp:bad host:7", "\"bad host\" is not a host"),
            ("tcp::7", "is not a host"),
        ]
        for (device, expected) in cases {
            do {
                _ = try LineDevice.parse(device: device)
                Issue.record("\(device) parsed")
            } catch {
                #expect(error.description.contains(expected), "\(device): \(error)")
            }
        }
    }
}
