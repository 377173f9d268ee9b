import Foundation
import NetMgrHarness
import NetMgrTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 14 with real processes in 127.0.75.0/24: the admin socket checks who is asking
/// (SO_PEERCRED) and logs who activated what; the line switch obeys only SWITCHes signed
/// with its key, and netmgrd signs them.
@Suite("Access control: admin socket and line switch", .serialized)
struct AccessControlTests {
    let netmgr = BuiltProducts.path("netmgr")

    static func log(_ world: IntegrationWorld, _ name: String) -> String {
        (try? String(contentsOfFile: world.cluster.logPath(name), encoding: .utf8)) ?? ""
    }

    /// `netmgr ARGS` as another user through util-linux's setpriv, as an operator would be.
    func runAs(_ credentials: [String], _ arguments: [String]) async throws -> (status: Int32, pid: Int32, standardError: String) {
        let process = try LaunchedProcess("/usr/bin/setpriv", credentials + [netmgr] + arguments)
        let status = try await process.exit()
        return (status, process.pid, process.standardError)
    }

    @Test("the admin socket: own uid and admin-group members are served, anyone else is refused even through a loosened socket; every activation is logged with uid and pid")
    func adminSocketPeerCredentials() async throws {
        try #require(getuid() == 0, "run the tests as root, as CI does: this test runs clients as nobody")
        let staff = try #require(getgrnam("staff")?.pointee.gr_gid, "the test needs Debian's group staff")
        let world = try IntegrationWorld(block: 75) { name, text in
            name == "cluster.yaml" ? text.replacingOccurrences(of: "  name: example\n", with: "  name: example\n  admin-group: staff\n") : text
        }
        do {
            try await world.cluster.startNode("node-a")
            let socket = world.cluster.adminSocket("node-a")
            // Loosen every fence but the uid check: nobody can reach and open the socket.
            for path in [world.directory.path, world.cluster.workDirectory] { try #require(chmod(path, 0o755) == 0) }
            try #require(chmod(socket, 0o666) == 0)

            let own = try await runProcess(netmgr, ["status", "--socket", socket])
            #expect(own.status == 0, "\(own.standardError)")

            let nobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"]
            let refused = try await runAs(nobody, ["activate", "--socket", socket, "--timeout", "5", "TNVIP"])
            #expect(refused.status != 0)
            #expect(refused.standardError.contains("not permitted: uid 65534 is neither netmgrd's uid (0) nor in admin group staff (gid \(staff))"),
                    "\(refused.standardError)")
            try await waitUntil(.seconds(10), what: "netmgrd to log the refusal") {
                Self.log(world, "netmgrd-node-a").contains("admin connection from uid 65534 pid \(refused.pid) refused: not permitted")
            }
            #expect(!Self.log(world, "netmgrd-node-a").contains("activate TNVIP requested by uid 65534 pid \(refused.pid)"), "a refused peer's request is not carried out")
            let status = try await world.cluster.status(of: "node-a")
            #expect(status.resources.first { $0.name == "TNVIP" }?.state == "standby", "nobody's activate changed nothing")

            // A member through a supplementary group activates; one whose own group is staff deactivates.
            let member = try await runAs(["--reuid=nobody", "--regid=nogroup", "--groups=staff"], ["activate", "--socket", socket, "--timeout", "10", "TNVIP"])
            #expect(member.status == 0, "\(member.standardError)")
            let primary = try await runAs(["--reuid=nobody", "--regid=staff", "--clear-groups"], ["deactivate", "--socket", socket, "--timeout", "10", "TNVIP"])
            #expect(primary.status == 0, "\(primary.standardError)")
            let root = try LaunchedProcess(netmgr, ["activate", "--socket", socket, "--timeout", "10", "TNVIP"])
            #expect(try await root.exit() == 0, "\(root.standardError)")

            try await waitUntil(.seconds(10), what: "activation and deactivation log lines with uid and pid") {
                let log = Self.log(world, "netmgrd-node-a")
                return log.contains("admin: activate TNVIP requested by uid 65534 pid \(member.pid)")
                    && log.contains("admin: activate TNVIP by uid 65534 pid \(member.pid): done")
                    && log.contains("admin: deactivate TNVIP requested by uid 65534 pid \(primary.pid)")
                    && log.contains("admin: activate TNVIP requested by uid 0 pid \(root.pid)")
            }
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    /// One request line to the switch's control port and its first reply line (blocking, on its own thread).
    static func control(_ host: String, _ port: UInt16, _ line: String) async throws -> String {
        try await onOwnThread {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            inet_pton(AF_INET, host, &address.sin_addr)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw TestFailure("connect \(host):\(port): \(String(cString: strerror(errno)))") }
            let bytes = Array((line + "\r\n").utf8)
            guard write(fd, bytes, bytes.count) == bytes.count else { throw TestFailure("write: \(String(cString: strerror(errno)))") }
            var reply: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1024)
            while !reply.contains(UInt8(ascii: "\n")), reply.count < 64 * 1024 {
                let count = read(fd, &buffer, buffer.count)
                guard count > 0 else { throw TestFailure("no reply from \(host):\(port) to \(line)") }
                reply += buffer[..<count]
            }
            return String(decoding: reply.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test("the line switch: netmgrd's signed SWITCH takes the line; an unsigned one and one signed with another key are refused; a key others may read stops netmgrd")
    func signedLineSwitch() async throws {
        let world = try IntegrationWorld(block: 75) { name, text in
            name == "cluster.yaml"
                ? text.replacingOccurrences(of: "  line-switch: 127.0.75.200:7400", with: "  line-switch: { address: 127.0.75.200:7400, key: line-switch.key }")
                : text
        }
        let keyPath = world.directory.path + "/definitions/line-switch.key"
        func writeKey(_ bytes: [UInt8], mode: mode_t = 0o600) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: keyPath))
            try #require(chmod(keyPath, mode) == 0)
        }
        try writeKey((0..<32).map { _ in UInt8.random(in: 0...255) })
        do {
            try await world.cluster.startLineSwitch()
            try await world.cluster.startHost()
            try await world.cluster.startNode("node-a")
            try await world.cluster.startNode("node-b")

            let unsigned = try await Self.control("127.0.75.200", 7400, "SWITCH \"COM1 Unit1 Line1\" node-b EPOCH 99")
            #expect(unsigned.hasPrefix("ERR unauthenticated "), "\(unsigned)")

            try await world.cluster.activate(["SDLC1"], on: "node-a")
            let status = try await Self.control("127.0.75.200", 7400, "STATUS")
            #expect(status.hasPrefix("LINE \"COM1 Unit1 Line1\" NODE node-a "), "\(status)")
            try await world.waitForJournal("the host to bind SDLC1's LUs through the switched line") { $0.binds.contains { $0.path == "sdlc" } }
            #expect(Self.log(world, "line-switch").contains("COM1 Unit1 Line1 switched to node-a"), "\(Self.log(world, "line-switch").suffix(2000))")
            #expect(Self.log(world, "line-switch").contains("refused: unauthenticated"))

            // The switch's key changes under node-b: its SWITCH no longer verifies, and the activation says why.
            try writeKey((0..<32).map { _ in UInt8.random(in: 0...255) })
            let refused = await #expect(throws: LoopbackCluster.Failure.self) { try await world.cluster.activate(["SDLC1"], on: "node-b", timeoutSeconds: 10) }
            #expect(refused?.description.contains("ERR bad-mac") == true, "\(String(describing: refused))")
            #expect(try await Self.control("127.0.75.200", 7400, "STATUS").hasPrefix("LINE \"COM1 Unit1 Line1\" NODE node-a "))

            // A key file group or others may read: netmgrd does not start, and says which file and what mode.
            try writeKey((0..<32).map { _ in 1 }, mode: 0o644)
            let daemon = try LaunchedProcess(BuiltProducts.path("netmgrd"), [
                "--definitions", world.directory.path + "/definitions", "--node", "node-b",
                "--admin-socket", world.directory.path + "/refused.sock", "--state-dir", world.cluster.stateDirectory,
            ])
            #expect(try await daemon.exit() != 0)
            #expect(daemon.standardError.contains("/definitions/line-switch.key: line switch key is readable by group or others (mode 0644); chmod 600 it"),
                    "\(daemon.standardError)")
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }
}
