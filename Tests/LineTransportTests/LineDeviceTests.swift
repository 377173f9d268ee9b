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

    @Test func bareSerialPathsSayHowToWriteThem() {
        for path in ["/dev/ttyS1", "/dev/hdlc0"] {
            #expect(throws: LineDeviceError.barePath(path: path)) { try LineDevice.parse(device: path) }
            let text = LineDeviceError.barePath(path: path).description
            #expect(text.contains("tty:\(path)@SPEED"))
            #expect(text.contains("hdlc:IFNAME"))
        }
    }

    @Test func ttyDevices() throws {
        #expect(try LineDevice.parse(device: "tty:/dev/ttyS1@9600") == .tty(path: "/dev/ttyS1", speed: 9600))
        #expect(try LineDevice.parse(device: "tty:/dev/ttyS1") == .tty(path: "/dev/ttyS1", speed: LineDevice.defaultTTYSpeed))
        #expect(try LineDevice.parse(device: " TTY:/dev/ttyUSB0@115200,rtscts ") == .tty(path: "/dev/ttyUSB0", speed: 115200, flowControl: .rtscts))
        #expect(try LineDevice.parse(device: "tty:/tmp/a@b@4800") == .tty(path: "/tmp/a@b", speed: 4800))
        #expect(LineDevice.tty(path: "/dev/ttyS1", speed: 19200).description == "tty:/dev/ttyS1@19200")
        #expect(LineDevice.tty(path: "/dev/ttyS1", speed: 19200, flowControl: .rtscts).description == "tty:/dev/ttyS1@19200,rtscts")
        for speed in LineDevice.ttySpeeds {
            #expect(try LineDevice.parse(device: "tty:/dev/ttyS0@\(speed)") == .tty(path: "/dev/ttyS0", speed: speed))
        }
        #expect(try LineDevice.parse(device: "tty:/dev/ttyS1@9600").isSerial)
        #expect(try !LineDevice.parse(device: "tcp:127.0.0.1:9").isSerial)
    }

    @Test func hdlcDevices() throws {
        #expect(try LineDevice.parse(device: "hdlc:hdlc0") == .hdlc(interface: "hdlc0"))
        #expect(try LineDevice.parse(device: "HDLC:nmser-a.1_x") == .hdlc(interface: "nmser-a.1_x"))
        #expect(try LineDevice.parse(device: "hdlc:123456789012345") == .hdlc(interface: "123456789012345"))
        #expect(LineDevice.hdlc(interface: "hdlc0").description == "hdlc:hdlc0")
        #expect(try LineDevice.parse(device: "hdlc:hdlc0").isSerial)
    }

    @Test func everyDeviceDescriptionParsesBack() throws {
        let devices: [LineDevice] = [
            .tcp(host: "127.0.0.1", port: 7), .tcp(host: "::1", port: 7), .xot(host: "h", port: 1998),
            .tty(path: "/dev/ttyS1", speed: 50), .tty(path: "/dev/x@y", speed: 4000000, flowControl: .rtscts), .hdlc(interface: "hdlc12"),
        ]
        for device in devices { #expect(try LineDevice.parse(device: device.description) == device) }
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
            ("tty:/dev/ttyS1@9601", "speed \"9601\" is not a serial port speed"),
            ("tty:/dev/ttyS1@", "speed \"\" is not"),
            ("tty:/dev/ttyS1@fast", "speed \"fast\""),
            ("tty:/dev/ttyS1@9600,xonxoff", "option \"xonxoff\""),
            ("tty:ttyS1@9600", "\"ttyS1\" is not a device path"),
            ("tty:", "is not a device path"),
            ("tty:/dev/tty S1", "is not a device path"),
            ("hdlc:", "is not a network interface name"),
            ("hdlc:1234567890123456", "\"1234567890123456\" is not a network interface name"),
            ("hdlc:a/b", "is not a network interface name"),
            ("hdlc:..", "is not a network interface name"),
            ("hdlc:eth0:1", "is not a network interface name"),
            ("serial:/dev/ttyS1", "not understood"),
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
