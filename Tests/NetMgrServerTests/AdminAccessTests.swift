import Foundation
import NetMgrCore
@testable import NetMgrServer
import Testing

/// Who may use the admin socket, decided from the peer's credentials (issue 14), and how
/// netmgrd signs its SWITCH requests.
@Suite("Admin access and line switch signing")
struct AdminAccessTests {
    static let group = AdminAccess.Group(name: "netmgr", gid: 1500, memberUIDs: [1001])

    @Test("netmgrd's own uid, and the admin group by gid, member list or supplementary groups")
    func decisions() {
        let access = AdminAccess(daemonUID: 990, group: Self.group)
        func decide(uid: UInt32, gid: UInt32, groups: [UInt32]? = nil) -> AdminAccess.Decision {
            access.decide(AdminPeer(pid: 4242, uid: uid, gid: gid), supplementaryGroups: groups)
        }
        #expect(decide(uid: 990, gid: 990) == .allowed(because: "netmgrd's own uid"))
        #expect(decide(uid: 1002, gid: 1500) == .allowed(because: "its group is admin group netmgr"))
        #expect(decide(uid: 1001, gid: 100) == .allowed(because: "a listed member of admin group netmgr"))
        #expect(decide(uid: 1003, gid: 100, groups: [27, 1500]) == .allowed(because: "in admin group netmgr"))
        #expect(decide(uid: 0, gid: 0, groups: [0]) == .refused("not permitted: uid 0 is neither netmgrd's uid (990) nor in admin group netmgr (gid 1500)"),
                "root is not special when netmgrd is not root")
        #expect(decide(uid: 65534, gid: 65534, groups: nil) == .refused("not permitted: uid 65534 is neither netmgrd's uid (990) nor in admin group netmgr (gid 1500)"))

        let alone = AdminAccess(daemonUID: 0, group: nil)
        #expect(alone.decide(AdminPeer(pid: 1, uid: 0, gid: 0), supplementaryGroups: nil) == .allowed(because: "netmgrd's own uid"))
        #expect(alone.decide(AdminPeer(pid: 1, uid: 65534, gid: 1500), supplementaryGroups: [1500])
            == .refused("not permitted: uid 65534 is not netmgrd's uid (0), and no cluster.admin-group is defined"))
    }

    @Test("supplementary groups come from /proc/PID/status only while it is still the peer's uid")
    func procStatus() {
        let status = """
            Name:\tnetmgr
            Pid:\t4242
            Uid:\t1003\t1003\t1003\t1003
            Gid:\t100\t100\t100\t100
            Groups:\t27 1500 
            """
        #expect(AdminPeer.groups(inStatus: status, uid: 1003) == [27, 1500])
        #expect(AdminPeer.groups(inStatus: status, uid: 1004) == nil, "a reused pid lends nothing")
        #expect(AdminPeer.groups(inStatus: "Uid:\t5\t5\t5\t5\nGroups:\t\n", uid: 5) == [])
        #expect(AdminPeer.groups(inStatus: "Uid:\t5\t5\t5\t5\nGroups:\tx\n", uid: 5) == nil)
        // This process reads its own: root in CI, whatever runs the tests elsewhere.
        #expect(AdminPeer(pid: getpid(), uid: geteuid(), gid: getegid()).supplementaryGroups() != nil)
    }

    @Test("an admin group that does not exist stops netmgrd with its name")
    func missingGroup() {
        let error = #expect(throws: DaemonError.self) { try AdminAccess.resolve(groupName: "netmgr-no-such-group") }
        #expect(error?.description.hasPrefix("cluster.admin-group \"netmgr-no-such-group\": no such group on this machine") == true, "\(String(describing: error))")
        let root = try? AdminAccess.resolve(groupName: "root", daemonUID: 7)
        #expect(root?.group?.gid == 0)
    }

    @Test("netmgrd's signature is the documented one (the simulator's tests check the same vector)")
    func signerVector() {
        let signer = LineSwitchSigner(key: Array(0..<32).map(UInt8.init))
        let line = signer.sign(LineSwitchUnit(com: 1, unit: 1, line: 1), node: "node-a", epoch: 7, time: 1_764_739_200, nonce: 0x0123_4567_89AB_CDEF)
        #expect(line == "SWITCH \"COM1 Unit1 Line1\" node-a EPOCH 7 TIME 1764739200 NONCE 0123456789abcdef MAC 34cf7dc6485bb0cbe2b8f844bedd6e3ea68405420766efb9637406c0b810285d")
        // Fresh nonces: two signatures of one request differ.
        let unit = LineSwitchUnit(com: 1, unit: 1, line: 1)
        #expect(signer.sign(unit, node: "node-a", epoch: 7) != signer.sign(unit, node: "node-a", epoch: 7))
    }
}
