import LineTransport
import NetMgrCore
@testable import NetMgrServer
import NetMgrTestSupport
import Testing

/// The leased line, the X.25 line and the BDLC line take real serial devices (`tty:`,
/// `hdlc:`) as well as the simulator's `tcp:` ports: their plans carry the parsed device to
/// the line transport factories.
@Suite("Line plans with serial devices")
struct SerialDevicePlanTests {
    static func phonebook(devices: [String: (String, String)]) throws -> Definitions {
        var definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        for (line, (a, b)) in devices {
            let index = try #require(definitions.lines.firstIndex { $0.name == line })
            definitions.lines[index].perNode["node-a"]?.device = a
            definitions.lines[index].perNode["node-b"]?.device = b
        }
        return definitions
    }

    @Test func plansCarryTTYAndHDLCDevices() throws {
        let definitions = try Self.phonebook(devices: [
            "LEASED1": ("tty:/dev/ttyS1@19200", "hdlc:hdlc0"),
            "PKT1": ("hdlc:hdlc1", "tty:/dev/ttyUSB0@9600,rtscts"),
            "BSC1": ("tty:/dev/ttyS2@4800", "tty:/dev/ttyS3"),
        ])
        let sdlc = try #require(definitions.resource(named: "SDLC1"))
        #expect(try SDLCLinePlan(definitions: definitions, resource: sdlc, node: "node-a", epoch: 1).device == .tty(path: "/dev/ttyS1", speed: 19200))
        #expect(try SDLCLinePlan(definitions: definitions, resource: sdlc, node: "node-b", epoch: 1).device == .hdlc(interface: "hdlc0"))

        let x25 = try #require(definitions.resource(named: "X25R1"))
        let a = try X25LinePlan(definitions: definitions, resource: x25, node: "node-a", epoch: 1)
        guard case .switched(_, _, let aDevice) = a.access else {
            Issue.record("node-a: \(a.access)")
            return
        }
        #expect(aDevice == .hdlc(interface: "hdlc1"))
        #expect(try X25LinePlan(definitions: definitions, resource: x25, node: "node-b", epoch: 1).accessDescription == "COM1 Unit1 Line2 via tty:/dev/ttyUSB0@9600,rtscts")

        let bdlc = try #require(definitions.resource(named: "BDLC1"))
        #expect(try BDLCLinePlan(definitions: definitions, resource: bdlc, node: "node-a").device == .tty(path: "/dev/ttyS2", speed: 4800))
        #expect(try BDLCLinePlan(definitions: definitions, resource: bdlc, node: "node-b").device == .tty(path: "/dev/ttyS3", speed: LineDevice.defaultTTYSpeed))
    }

    @Test func aBarePathIsRefusedWithHowToWriteIt() throws {
        let definitions = try Self.phonebook(devices: ["LEASED1": ("/dev/ttyS1", "tcp:127.0.0.200:7412")])
        let sdlc = try #require(definitions.resource(named: "SDLC1"))
        do {
            _ = try SDLCLinePlan(definitions: definitions, resource: sdlc, node: "node-a", epoch: 1)
            Issue.record("a bare /dev path was accepted")
        } catch {
            #expect("\(error)".contains("write a serial port as tty:/dev/ttyS1@SPEED"))
        }
    }
}
