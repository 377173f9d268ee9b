import Foundation
import NetMgrAdminClient
import NetMgrProtocol
import NetMgrTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The admin client against sockets that misbehave: it must give up at its deadline with a
/// message that says so, never hang.
@Suite("AdminConnection deadlines")
struct AdminConnectionTests {
    /// A Unix socket that listens (the kernel completes connects from its backlog) and
    /// never accepts, reads or answers: a hung netmgrd.
    static func silentSocket(in directory: TemporaryDirectory) throws -> (fd: Int32, path: String) {
        let path = directory.file("silent.sock")
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0 && listen(fd, 4) == 0, "\(String(cString: strerror(errno)))")
        return (fd, path)
    }

    @Test("a netmgrd that never answers: the exchange fails at its deadline, saying so")
    func silentDaemon() throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-admin")
        let (fd, path) = try Self.silentSocket(in: directory)
        defer { close(fd) }
        let start = ContinuousClock.now
        let error = #expect(throws: AdminConnection.Unreachable.self) {
            try AdminConnection.exchange(AdminRequest(command: .status), socket: path, timeout: .milliseconds(300))
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(5), "gave up after \(elapsed)")
        #expect(error?.description == "\(path): netmgrd did not answer within 0.3 seconds (status request)")
    }

    @Test("the default deadline covers what netmgrd may wait for, and survives absurd request timeouts")
    func defaultTimeouts() {
        #expect(AdminConnection.defaultTimeout(for: AdminRequest(command: .status)) == .seconds(40))
        #expect(AdminConnection.defaultTimeout(for: AdminRequest(command: .activate, timeoutSeconds: 5)) == .seconds(15))
        #expect(AdminConnection.defaultTimeout(for: AdminRequest(command: .activate, timeoutSeconds: 1e300)) == .seconds(86_410))
        #expect(AdminConnection.defaultTimeout(for: AdminRequest(command: .activate, timeoutSeconds: -3)) == .seconds(10))
        #expect(AdminConnection.defaultTimeout(for: AdminRequest(command: .activate, timeoutSeconds: .nan)) == .seconds(40))
    }
}
