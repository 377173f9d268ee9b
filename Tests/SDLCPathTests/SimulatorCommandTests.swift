import Foundation
import NetMgrTestSupport
import Testing

/// `netmgr sim line-switch` and `netmgr sim host` as an operator meets them: usage
/// mistakes exit 64, unusable input 2, runtime failures 1, each with a message naming it.
@Suite("Simulator commands: exit codes and messages")
struct SimulatorCommandTests {
    static let netmgr = BuiltProducts.path("netmgr")

    @Test func usageMistakes() async throws {
        let noHostPort = try await runProcess(Self.netmgr, ["sim", "line-switch", "--definitions", "Phonebook"])
        #expect(noHostPort.status == 64)
        #expect(noHostPort.standardError.contains("--host-port"))
        let badUnit = try await runProcess(Self.netmgr, ["sim", "line-switch", "--control", "127.0.0.1:1", "--host-port", "COM1 Line1=127.0.0.1:2", "--node-port", "COM1 Unit1 Line1:a=127.0.0.1:3"])
        #expect(badUnit.status == 64)
        #expect(badUnit.standardError.contains("\"COM1 Line1\" is not a line switch unit"))
        let noLine = try await runProcess(Self.netmgr, ["sim", "host"])
        #expect(noLine.status == 64)
        #expect(noLine.standardError.contains("--sdlc-line") && noLine.standardError.contains("--listen"))
        let badStation = try await runProcess(Self.netmgr, ["sim", "host", "--sdlc-line", "COM1 Unit1 Line1=tcp:127.0.0.1:9", "--sdlc-station", "0x1FF"])
        #expect(badStation.status == 64)
        #expect(badStation.standardError.contains("--sdlc-station 0x1FF"))
    }

    @Test func unusableInput() async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-simcmd")
        let missing = try await runProcess(Self.netmgr, ["sim", "line-switch", "--definitions", directory.file("none"), "--host-port", "COM1 Unit1 Line1=127.0.0.1:7410"])
        #expect(missing.status == 2)
        let unknownLine = try await runProcess(Self.netmgr, ["sim", "line-switch", "--definitions", BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path, "--host-port", "COM1 Unit1 Line7=127.0.0.1:7410"])
        #expect(unknownLine.status == 2)
        #expect(unknownLine.standardError.contains("no line in the definitions has switch: COM1 Unit1 Line7"))
        let noStation = try await runProcess(Self.netmgr, ["sim", "host", "--sdlc-line", "COM1 Unit1 Line1=tcp:127.0.0.1:9"])
        #expect(noStation.status == 2)
        #expect(noStation.standardError.contains("no station address; give --sdlc-station or --definitions"))
        let serial = try await runProcess(Self.netmgr, ["sim", "host", "--sdlc-line", "COM1 Unit1 Line1=/dev/ttyS1", "--sdlc-station", "0xC1", "--sdlc-lu", "2"])
        #expect(serial.status == 64)
        #expect(serial.standardError.contains("write a serial port as tty:/dev/ttyS1@SPEED"))
    }

    @Test func x25HostMistakes() async throws {
        let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path
        let badXOT = try await runProcess(Self.netmgr, ["sim", "host", "--xot", "127.0.32.1"])
        #expect(badXOT.status == 64)
        #expect(badXOT.standardError.contains("--xot 127.0.32.1: expected HOST:PORT"))
        let noDefinitions = try await runProcess(Self.netmgr, ["sim", "host", "--x25-line", "COM1 Unit1 Line2=tcp:127.0.32.1:9"])
        #expect(noDefinitions.status == 2)
        #expect(noDefinitions.standardError.contains("--x25-line needs --definitions"))
        let leased = try await runProcess(Self.netmgr, ["sim", "host", "--definitions", phonebook, "--x25-line", "COM1 Unit1 Line1=tcp:127.0.32.1:9"])
        #expect(leased.status == 2)
        #expect(leased.standardError.contains("line LEASED1 is hdlc-leased, not hdlc-packet"))
        let noXOTLine = try await runProcess(Self.netmgr, ["sim", "host", "--definitions", phonebook, "--xot", "127.0.32.1:1998"])
        #expect(noXOTLine.status == 2)
        #expect(noXOTLine.standardError.contains("no hdlc-packet line in the definitions has xot: devices"))
    }

    @Test func portInUseIsARuntimeFailure() async throws {
        let world = try LeasedLineWorld()
        let first = try await world.startLineSwitch()
        let second = try await runProcess(Self.netmgr, ["sim", "line-switch", "--definitions", world.definitionsPath, "--host-port", "COM1 Unit1 Line1=\(world.hostPort)"], timeout: .seconds(30))
        #expect(second.status == 1)
        #expect(second.standardError.contains("cannot listen for the host side of COM1 Unit1 Line1 on \(world.hostPort)"), "\(second.standardError)")
        #expect(await first.stop(SIGTERM) == 0)
    }
}
