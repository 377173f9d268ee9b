import NetMgrCore
@testable import NetMgrServer
import NetMgrTestSupport
import SDLC
import Testing

/// What an X.25 attachment is built from: the same calling DTE, node id and LUs on every
/// node, the access (switched line or XOT) per node, and clear refusals.
@Suite("X.25 line plan")
struct X25LinePlanTests {
    @Test func theExamplePlanIsTheSameTerminalOnBothNodes() throws {
        let definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        let resource = try #require(definitions.resource(named: "X25R1"))
        let a = try X25LinePlan(definitions: definitions, resource: resource, node: "node-a", epoch: 3)
        let b = try X25LinePlan(definitions: definitions, resource: resource, node: "node-b", epoch: 4)
        for plan in [a, b] {
            #expect(plan.hostVisibleAddress == "DTE 44200001 XID 05D00002")
            #expect(plan.calledAddress.description == "44100001")
            #expect(plan.logicalUnits.map(\.address) == [2, 3])
            #expect(plan.settings.packetSize == 128 && plan.settings.lapbT1Milliseconds == 3000)
        }
        guard case .switched(let unit, let control, let device) = a.access else {
            Issue.record("node-a: \(a.access)")
            return
        }
        #expect(unit.description == "COM1 Unit1 Line2" && control.description == "127.0.0.200:7400" && device.description == "tcp:127.0.0.200:7421")
        #expect(b.accessDescription == "COM1 Unit1 Line2 via tcp:127.0.0.200:7422")
        #expect(b.epoch == 4)
    }

    @Test func anXOTLineNeedsNoSwitch() throws {
        var definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        let index = try #require(definitions.lines.firstIndex { $0.name == "PKT1" })
        definitions.lines[index].switchUnit = nil
        for node in ["node-a", "node-b"] { definitions.lines[index].perNode[node]?.device = "xot:192.0.2.1:1998" }
        let resource = try #require(definitions.resource(named: "X25R1"))
        let plan = try X25LinePlan(definitions: definitions, resource: resource, node: "node-b", epoch: 1)
        guard case .xot(let host, let port) = plan.access else {
            Issue.record("\(plan.access)")
            return
        }
        #expect(host == "192.0.2.1" && port == 1998)
        // RFC 1613 §6.4: no RESTART over XOT, and no LAPB.
        let terminal = X25Attachment.makeTerminal(plan, retry: RetryPolicy())
        #expect(terminal.configuration.lapb == nil)
        #expect(terminal.configuration.packetLayer.restartsOnLinkUp == false)
    }

    @Test func theSwitchedLineRestartsAtLinkUp() throws {
        let definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        let resource = try #require(definitions.resource(named: "X25R1"))
        let plan = try X25LinePlan(definitions: definitions, resource: resource, node: "node-a", epoch: 1)
        let terminal = X25Attachment.makeTerminal(plan, retry: RetryPolicy())
        #expect(terminal.configuration.lapb != nil)
        #expect(terminal.configuration.packetLayer.restartsOnLinkUp)
    }

    /// The definitions refuse packet sizes whose LAPB frame the HDLC decoder would drop;
    /// the two limits must stay the same number.
    @Test func theValidatorsFrameLimitIsTheDecoders() {
        #expect(X25LineSettings.switchedLineMaximumFrameLength == HDLCFrameDecoder.defaultMaximumFrameLength)
    }

    @Test func aMissingFactFailsTheActivationNamingIt() throws {
        var definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        let index = try #require(definitions.lines.firstIndex { $0.name == "PKT1" })
        definitions.lines[index].x25.dteAddress = nil
        let resource = try #require(definitions.resource(named: "X25R1"))
        #expect { try X25LinePlan(definitions: definitions, resource: resource, node: "node-a", epoch: 1) } throws: { error in
            "\(error)".contains("no dte-address")
        }
    }
}
