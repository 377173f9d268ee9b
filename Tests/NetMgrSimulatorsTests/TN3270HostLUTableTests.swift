import NIOCore
import NetMgrCore
import NetMgrSimulators
import NetMgrTestSupport
import TN3270
import Testing

/// The host's LU decisions as values: no sockets, the clock passed in.
@Suite("TN3270 host LU map and table")
struct TN3270HostLUTableTests {
    static let vip = "127.0.0.10"
    static let nodeA = "127.0.0.11"
    static let nodeB = "127.0.0.12"
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static let map = TN3270HostLUMap(entries: [
        .init(name: "VIPLU01", permittedClients: [vip]),
        .init(name: "VIPLU02", permittedClients: [vip]),
        .init(name: "ANYLU", permittedClients: nil),
        .init(name: "PRT01", permittedClients: [vip], kind: .printer),
    ])

    static func holder(_ connection: Int, _ client: String = vip) -> TN3270HostLUTable.Holder {
        .init(connection: connection, client: client, port: 40000 + connection)
    }

    static func explanation(_ decision: TN3270HostLUTable.Decision) -> String {
        if case .reject(_, let why) = decision { return why }
        return ""
    }

    // MARK: - The map

    @Test func mapFromTheExampleDefinitions() throws {
        let loaded = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path)
        #expect(loaded.isValid)
        let map = TN3270HostLUMap(definitions: loaded.definitions)
        // TnETOS LUs only; the SDLC LUs are not this server's.
        #expect(map.names == ["VIPLU01", "VIPLU02", "VIPLU03", "VIPLU04", "REALLU01", "REALLU02"])
        // own-address VIP1: the VIP only, the same terminal from either node.
        #expect(map["VIPLU01"]?.permittedClients == [Self.vip])
        #expect(map["VIPLU04"]?.kind == .printer)
        // own-address none: each node's real address.
        #expect(map["REALLU01"]?.permittedClients == [Self.nodeA, Self.nodeB])
        #expect(map["viplu01"]?.name == "VIPLU01")
        #expect(map["SDLU02"] == nil)
    }

    @Test func explicitLUOverridesTheDefinitions() throws {
        var map = Self.map
        map.add(try TN3270HostLUSpec(parsing: "VIPLU01=127.0.0.11,127.0.0.12").entry)
        map.add(try TN3270HostLUSpec(parsing: "NEWLU").entry)
        #expect(map["VIPLU01"]?.permittedClients == [Self.nodeA, Self.nodeB])
        #expect(map["NEWLU"]?.permittedClients == nil)
        #expect(map.names == ["VIPLU01", "VIPLU02", "ANYLU", "PRT01", "NEWLU"])
    }

    @Test func luSpecsAreCheckedAndNameWhatIsWrong() throws {
        #expect(try TN3270HostLUSpec(parsing: "LU1").entry == .init(name: "LU1", permittedClients: nil))
        #expect(try TN3270HostLUSpec(parsing: "LU1=127.0.0.10, ::1").entry.permittedClients == ["127.0.0.10", "::1"])
        for (spec, complaint) in [
            ("", "is not 1-8"), ("lu1", "\"lu1\" is not 1-8"), ("TOOLONGNAME", "is not 1-8"),
            ("LU1=", "\"\" is not an IP address"), ("LU1=127.0.0.300", "\"127.0.0.300\" is not an IP address"),
            ("LU1=127.0.0.1,,127.0.0.2", "\"\" is not an IP address"),
        ] {
            #expect {
                try TN3270HostLUSpec(parsing: spec)
            } throws: { error in
                "\(error)".contains(complaint) && "\(error)".contains("\"\(spec)\"")
            }
        }
    }

    @Test func addressesCompareInCanonicalForm() {
        #expect(TN3270HostClientAddress.normalize("::ffff:127.0.0.10") == "127.0.0.10")
        #expect(TN3270HostClientAddress.normalize("0:0::1") == "::1")
        #expect(TN3270HostClientAddress.normalize("host.example") == nil)
        #expect(Self.map["VIPLU01"]!.permits(TN3270HostClientAddress.normalize("::ffff:127.0.0.10")!))
    }

    // MARK: - Requests

    @Test func specificLUPermittedOrRefusedByClientAddress() {
        var table = TN3270HostLUTable(map: Self.map)
        #expect(table.request(.connect("VIPLU01"), deviceType: "IBM-3278-2", holder: Self.holder(1), now: Self.t0) == .grant(lu: "VIPLU01", generic: false))
        #expect(table.state(of: "VIPLU01") == .held(Self.holder(1)))

        let fromNode = table.request(.connect("VIPLU02"), deviceType: "IBM-3278-2", holder: Self.holder(2, Self.nodeA), now: Self.t0)
        #expect(fromNode == .reject(.invalidName, explanation: "LU VIPLU02 is not permitted for client 127.0.0.11"))

        let unknown = table.request(.connect("NOSUCH"), deviceType: "IBM-3278-2", holder: Self.holder(3), now: Self.t0)
        #expect(unknown == .reject(.invalidName, explanation: "LU NOSUCH is not defined on this host"))

        // Any address may have ANYLU; names are matched without regard to case.
        #expect(table.request(.connect("anylu"), deviceType: "IBM-3278-2", holder: Self.holder(4, Self.nodeB), now: Self.t0) == .grant(lu: "ANYLU", generic: false))
    }

    @Test func deviceInUseWhileALiveConnectionHoldsTheLU() {
        var table = TN3270HostLUTable(map: Self.map)
        _ = table.request(.connect("VIPLU01"), deviceType: "IBM-3278-2", holder: Self.holder(1), now: Self.t0)
        let second = table.request(.connect("VIPLU01"), deviceType: "IBM-3278-2", holder: Self.holder(2), now: Self.t0 + .seconds(3600))
        #expect(second == .reject(.deviceInUse, explanation: "LU VIPLU01 is held by a live connection from 127.0.0.10:40001"))
        #expect(table.lu(heldBy: 1) == "VIPLU01")

        #expect(table.release(connection: 1, hold: true, now: Self.t0) == "VIPLU01")
        #expect(table.state(of: "VIPLU01") == .free)  // no hold-after-close configured
        #expect(table.request(.connect("VIPLU01"), deviceType: "IBM-3278-2", holder: Self.holder(2), now: Self.t0) == .grant(lu: "VIPLU01", generic: false))
        #expect(table.release(connection: 99, hold: true, now: Self.t0) == nil)
    }

    @Test func holdAfterCloseKeepsTheLUBusyUntilItRunsOut() {
        var table = TN3270HostLUTable(map: Self.map, holdAfterClose: .seconds(5))
        _ = table.request(.connect("VIPLU01"), deviceType: "IBM-3278-2", holder: Self.holder(1), now: Self.t0)
        table.release(connection: 1, hold: true, now: Self.t0)
        #expect(table.state(of: "VIPLU01") == .lingering(until: Self.t0 + .seconds(5), Self.holder(1)))
        #expect(table.nextExpiry == Self.t0 + .seconds(5))

        let early = table.request(.connect("VIPLU01"), deviceType: "IBM-3278-2", holder: Self.holder(2), now: Self.t0 + .milliseconds(3500))
        #expect(early == .reject(.deviceInUse, explanation: "LU VIPLU01 is held for 1.5s more after its connection from 127.0.0.10:40001 closed"))
        #expect(table.expire(now: Self.t0 + .milliseconds(4999)) == [])

        let onTime = table.request(.connect("VIPLU01"), deviceType: "IBM-3278-2", holder: Self.holder(2), now: Self.t0 + .seconds(5))
        #expect(onTime == .grant(lu: "VIPLU01", generic: false))
        #expect(table.nextExpiry == nil)
    }

    @Test func deadConnectionsFreeTheLUAtOnceEvenWithAHold() {
        var table = TN3270HostLUTable(map: Self.map, holdAfterClose: .seconds(5))
        _ = table.request(.connect("VIPLU01"), deviceType: "IBM-3278-2", holder: Self.holder(1), now: Self.t0)
        table.release(connection: 1, hold: false, now: Self.t0)
        #expect(table.state(of: "VIPLU01") == .free)
    }

    @Test func expiryFreesOnlyWhatRanOut() {
        var table = TN3270HostLUTable(map: Self.map, holdAfterClose: .seconds(2))
        _ = table.request(.connect("VIPLU01"), deviceType: "IBM-3278-2", holder: Self.holder(1), now: Self.t0)
        _ = table.request(.connect("VIPLU02"), deviceType: "IBM-3278-2", holder: Self.holder(2), now: Self.t0)
        table.release(connection: 1, hold: true, now: Self.t0)
        table.release(connection: 2, hold: true, now: Self.t0 + .seconds(1))
        #expect(table.expire(now: Self.t0 + .seconds(2)) == ["VIPLU01"])
        #expect(table.nextExpiry == Self.t0 + .seconds(3))
        #expect(table.expire(now: Self.t0 + .seconds(3)) == ["VIPLU02"])
    }

    // MARK: - The generic pool

    @Test func genericRequestGetsAFreePermittedLUInMapOrder() {
        var table = TN3270HostLUTable(map: Self.map)
        #expect(table.request(.any, deviceType: "IBM-3278-2", holder: Self.holder(1), now: Self.t0) == .grant(lu: "VIPLU01", generic: true))
        #expect(table.request(.any, deviceType: "IBM-3278-2", holder: Self.holder(2), now: Self.t0) == .grant(lu: "VIPLU02", generic: true))
        #expect(table.request(.any, deviceType: "IBM-3278-2", holder: Self.holder(3), now: Self.t0) == .grant(lu: "ANYLU", generic: true))
        // Terminals are used up; the printer is not for a terminal.
        let full = table.request(.any, deviceType: "IBM-3278-2", holder: Self.holder(4), now: Self.t0)
        #expect(full == .reject(.deviceInUse, explanation: "every terminal LU permitted for client 127.0.0.10 is in use (VIPLU01, VIPLU02, ANYLU)"))
        // A printer device type gets the printer (ANYLU, of no kind, is taken).
        #expect(table.request(.any, deviceType: "IBM-3287-1", holder: Self.holder(5), now: Self.t0) == .grant(lu: "PRT01", generic: true))
    }

    @Test func genericRequestFromAnAddressWithoutLUs() {
        var table = TN3270HostLUTable(map: TN3270HostLUMap(entries: [.init(name: "VIPLU01", permittedClients: [Self.vip], kind: .terminal)]))
        let refused = table.request(.any, deviceType: "IBM-3278-2", holder: Self.holder(1, Self.nodeA), now: Self.t0)
        #expect(refused == .reject(.invalidName, explanation: "no LU is permitted for client 127.0.0.11"))
        let noPrinter = table.request(.any, deviceType: "IBM-3287-1", holder: Self.holder(1), now: Self.t0)
        #expect(noPrinter == .reject(.invalidDeviceType, explanation: "no printer LU is permitted for client 127.0.0.10 (device type IBM-3287-1)"))
    }

    @Test func thirtyThousandLUsAreGrantedAndReleasedQuickly() {
        // SNA Server's published limit per server; the table must not be quadratic in it.
        let names = (0..<30_000).map { "LU\($0)" }
        var table = TN3270HostLUTable(map: TN3270HostLUMap(entries: names.map { .init(name: $0, permittedClients: [Self.vip]) }))
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for (index, name) in names.enumerated() {
                _ = table.request(.connect(name), deviceType: "IBM-3278-2", holder: Self.holder(index), now: Self.t0)
            }
            for index in names.indices { table.release(connection: index, hold: false, now: Self.t0) }
        }
        #expect(table.lu(heldBy: 0) == nil && table.state(of: "LU29999") == .free)
        #expect(elapsed < .seconds(5))
    }

    @Test func associateIsRefused() {
        var table = TN3270HostLUTable(map: Self.map)
        let decision = table.request(.associate("VIPLU01"), deviceType: "IBM-3287-1", holder: Self.holder(1), now: Self.t0)
        #expect(decision == .reject(.invalidAssociate, explanation: "no printer is associated with terminal VIPLU01"))
    }
}
