import Foundation
import Logging
import NIOCore
import NetMgrCore

/// The process at the other end of an admin connection, as the kernel saw it at connect
/// time (SO_PEERCRED): its pid, effective uid and effective gid.
struct AdminPeer: Sendable, Hashable, CustomStringConvertible {
    var pid: Int32
    var uid: UInt32
    var gid: UInt32

    var description: String { "uid \(uid) pid \(pid)" }

    /// Reads SO_PEERCRED of an accepted Unix socket. Linux's `struct ucred` is three 32-bit
    /// fields (pid, uid, gid); a homogeneous tuple has exactly that layout.
    static func read(from channel: any Channel) -> EventLoopFuture<AdminPeer> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(AdminPeerUnknown(reason: "the channel has no socket options"))
        }
        return credentials(provider).map { raw in
            AdminPeer(pid: Int32(bitPattern: raw.0), uid: raw.1, gid: raw.2)
        }
    }

    private static func credentials(_ provider: any SocketOptionProvider) -> EventLoopFuture<(UInt32, UInt32, UInt32)> {
        provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
    }

    /// The peer's supplementary groups from /proc/PID/status, if the process is still there
    /// and still runs as the uid it connected with (else a reused pid could lend its groups).
    func supplementaryGroups() -> [UInt32]? {
        guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return Self.groups(inStatus: text, uid: uid)
    }

    /// The `Groups:` line of a /proc/PID/status text, when its `Uid:` line's effective uid is `uid`.
    static func groups(inStatus text: String, uid: UInt32) -> [UInt32]? {
        var effectiveUID: UInt32?
        var groups: [UInt32]?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("Uid:") {
                let fields = line.dropFirst(4).split(whereSeparator: { $0 == " " || $0 == "\t" })
                if fields.count >= 2 { effectiveUID = UInt32(fields[1]) }
            } else if line.hasPrefix("Groups:") {
                let fields = line.dropFirst(7).split(whereSeparator: { $0 == " " || $0 == "\t" })
                let parsed = fields.compactMap { UInt32($0) }
                guard parsed.count == fields.count else { return nil }
                groups = parsed
            }
        }
        guard effectiveUID == uid else { return nil }
        return groups
    }
}

struct AdminPeerUnknown: Error, CustomStringConvertible {
    var reason: String
    var description: String { "cannot read the peer's credentials (SO_PEERCRED): \(reason)" }
}

/// Who may use the admin socket: netmgrd's own uid, and members of `cluster.admin-group`
/// (by the peer's gid, its supplementary groups, or the group's member list). Root is not
/// special: it is allowed only when netmgrd runs as root (or root is in the group). The
/// socket's mode 0600 stays the first fence; this is the second, for a socket whose mode
/// or directory was loosened.
struct AdminAccess: Sendable {
    struct Group: Sendable, Hashable {
        var name: String
        var gid: UInt32
        /// The uids of the group's member list (/etc/group's fourth field).
        var memberUIDs: Set<UInt32>
    }

    enum Decision: Hashable, Sendable {
        case allowed(because: String)
        case refused(String)
    }

    var daemonUID: UInt32
    var group: Group?

    func decide(_ peer: AdminPeer, supplementaryGroups: [UInt32]?) -> Decision {
        if peer.uid == daemonUID { return .allowed(because: "netmgrd's own uid") }
        if let group {
            if peer.gid == group.gid { return .allowed(because: "its group is admin group \(group.name)") }
            if group.memberUIDs.contains(peer.uid) { return .allowed(because: "a listed member of admin group \(group.name)") }
            if supplementaryGroups?.contains(group.gid) == true { return .allowed(because: "in admin group \(group.name)") }
            return .refused("not permitted: uid \(peer.uid) is neither netmgrd's uid (\(daemonUID)) nor in admin group \(group.name) (gid \(group.gid))")
        }
        return .refused("not permitted: uid \(peer.uid) is not netmgrd's uid (\(daemonUID)), and no cluster.admin-group is defined")
    }

    /// netmgrd's policy: its effective uid, and the admin group looked up now (a group that
    /// does not exist is an error naming it, so a typo does not silently lock operators out).
    static func resolve(groupName: String?, daemonUID: UInt32 = geteuid()) throws -> AdminAccess {
        guard let groupName else { return AdminAccess(daemonUID: daemonUID, group: nil) }
        guard let (gid, members) = lookUpGroup(groupName) else {
            throw DaemonError("cluster.admin-group \"\(groupName)\": no such group on this machine (getgrnam); create it (groupadd \(groupName)) or correct the name")
        }
        let uids = members.compactMap(lookUpUser)
        return AdminAccess(daemonUID: daemonUID, group: Group(name: groupName, gid: gid, memberUIDs: Set(uids)))
    }

    private static func lookUpGroup(_ name: String) -> (gid: UInt32, members: [String])? {
        var size = 4096
        while size <= 1 << 22 {
            var entry = Glibc.group()
            var result: UnsafeMutablePointer<Glibc.group>?
            var buffer = [CChar](repeating: 0, count: size)
            let status = getgrnam_r(name, &entry, &buffer, size, &result)
            if status == ERANGE { size *= 4; continue }
            guard status == 0, result != nil else { return nil }
            var members: [String] = []
            if var member = entry.gr_mem {
                while let name = member.pointee {
                    members.append(String(cString: name))
                    member += 1
                }
            }
            return (entry.gr_gid, members)
        }
        return nil
    }

    private static func lookUpUser(_ name: String) -> UInt32? {
        var size = 4096
        while size <= 1 << 22 {
            var entry = Glibc.passwd()
            var result: UnsafeMutablePointer<Glibc.passwd>?
            var buffer = [CChar](repeating: 0, count: size)
            let status = getpwnam_r(name, &entry, &buffer, size, &result)
            if status == ERANGE { size *= 4; continue }
            guard status == 0, result != nil else { return nil }
            return entry.pw_uid
        }
        return nil
    }
}

extension NetMgrDaemon {
    /// The admin socket's policy for these definitions, logged once at startup.
    static func adminAccess(_ definitions: Definitions, logger: Logger) throws -> AdminAccess {
        let access = try AdminAccess.resolve(groupName: definitions.cluster.adminGroup)
        if let group = access.group {
            logger.info("admin socket: for uid \(access.daemonUID) (netmgrd's) and admin group \(group.name) (gid \(group.gid))")
        } else {
            logger.info("admin socket: for uid \(access.daemonUID) (netmgrd's) only; cluster.admin-group names a group to admit more")
        }
        return access
    }
}

#if canImport(Glibc)
import Glibc
#endif
