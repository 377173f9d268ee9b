import NetMgrCore
import NetMgrTestSupport
import Testing

@Suite("Definitions values and promises")
struct DefinitionsTests {
    @Test("line switch units parse as CLUSTERPRO writes them", arguments: [
        ("COM1 Unit1 Line1", LineSwitchUnit(com: 1, unit: 1, line: 1)),
        ("com2 unit 3 line 4", LineSwitchUnit(com: 2, unit: 3, line: 4)),
        ("COM 10 Unit2 Line12", LineSwitchUnit(com: 10, unit: 2, line: 12)),
    ])
    func switchUnit(text: String, expected: LineSwitchUnit) {
        #expect(LineSwitchUnit(parsing: text) == expected)
        #expect(LineSwitchUnit(parsing: expected.description) == expected)
    }

    @Test("malformed line switch units are rejected", arguments: ["COM1 Line1", "COM1 Unit1 Line1 Line2", "Unit1", "COMx Unit1 Line1", ""])
    func badSwitchUnit(text: String) {
        #expect(LineSwitchUnit(parsing: text) == nil)
    }

    @Test("XID node ids split into IDBLK and IDNUM")
    func nodeID() throws {
        let id = try #require(XIDNodeID(parsing: "05D00001"))
        #expect(id.idBlock == 0x05D && id.idNumber == 0x00001)
        #expect(id.description == "05D00001")
        #expect(XIDNodeID(parsing: "05D0001") == nil)
        #expect(XIDNodeID(parsing: "05G00001") == nil)
    }

    @Test("endpoints", arguments: [
        ("127.0.0.1:23", Endpoint(host: "127.0.0.1", port: 23)),
        ("[::1]:2323", Endpoint(host: "::1", port: 2323)),
        ("host.example:992", Endpoint(host: "host.example", port: 992)),
    ])
    func endpoint(text: String, expected: Endpoint) throws {
        #expect(try Endpoint.parse(text).get() == expected)
    }

    @Test("bad endpoints say why")
    func badEndpoints() {
        #expect(Endpoint.parse("127.0.0.1") == .failure(.missingPort))
        #expect(Endpoint.parse("127.0.0.1:0") == .failure(.badPort("0")))
        #expect(Endpoint.parse("a b:1") == .failure(.badHost("a b")))
    }

    @Test("the example cluster promises ○ for the VIP and leased line, △ for own address none")
    func promises() throws {
        let loaded = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path)
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        let d = loaded.definitions
        let vip = d.promise(for: try #require(d.resource(named: "TNVIP")))
        #expect(vip.promise == .same)
        #expect(vip.addressByNode.map(\.address) == ["127.0.0.10", "127.0.0.10"])
        let real = d.promise(for: try #require(d.resource(named: "TNREAL")))
        #expect(real.promise == .different)
        #expect(real.addressByNode.map(\.address) == ["127.0.0.11", "127.0.0.12"])
        #expect(d.promise(for: try #require(d.resource(named: "SDLC1"))).promise == .same)
    }

    @Test("every procedure has the seed's promise")
    func seedTable() {
        // §1.3.2: ○ for leased, packet, public and TnETOS with a VIP; △ for ISDN and BDLC.
        let expected: [Procedure: Bool] = [.hdlcLeased: true, .hdlcPacket: true, .hdlcPublic: true, .hdlcISDN: false, .bdlc: false]
        for (procedure, same) in expected { #expect(procedure.isSwitchable == same) }
    }
}
