import Foundation
import NetMgrCore
import NetMgrTestSupport
import Testing

/// Real serial devices (`tty:/dev/PORT@SPEED`, `hdlc:IFNAME`) are as valid a line device as
/// the simulator's `tcp:` ports.
@Suite("Serial line devices in the definitions")
struct SerialDeviceDefinitionsTests {
    @Test func ttyAndHDLCDevicesValidate() throws {
        for devices in [("tty:/dev/ttyS1@9600", "hdlc:hdlc0"), ("tty:/dev/ttyUSB0@115200,rtscts", "tty:/dev/ttyS2")] {
            let loaded = try X25DefinitionsTests.load(X25DefinitionsTests.definitions(line: "    dte-address: 44200001\n", devices: devices))
            #expect(loaded.isValid, "\(devices): \(loaded.diagnostics)")
            let line = try #require(loaded.definitions.line(named: "PKT1"))
            #expect(line.perNode["node-a"]?.device == devices.0)
            #expect(line.perNode["node-b"]?.device == devices.1)
        }
    }
}
