import CNetMgrClient
import Foundation
import NetMgrHarness
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// The C API (libnetmgrclient.so, netmgr_client.h): its argument checks called through the
/// header's declarations, and the C and Python examples built and run against a loopback
/// cluster (address block 127.0.97.0/24) through a failover, checked against the host journal.
@Suite("C API", .serialized)
struct CAPITests {
    static let ok = Int32(NETMGR_OK.rawValue)
    static let invalid = Int32(NETMGR_E_INVALID.rawValue)
    static let timeout = Int32(NETMGR_E_TIMEOUT.rawValue)

    static var lastError: String { String(cString: netmgr_last_error_message()) }

    /// Calls netmgr_client_create with Swift strings (nil entries stay NULL).
    static func create(_ servers: [String?], name: String? = nil, tls: (String?, String?, String?) = (nil, nil, nil),
                       count: Int? = nil) -> (Int32, OpaquePointer?) {
        let copies = servers.map { $0.flatMap { UnsafePointer(strdup($0)) } }
        defer { copies.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
        var client: OpaquePointer?
        let rc = copies.withUnsafeBufferPointer { buffer in
            netmgr_client_create(buffer.baseAddress, count ?? servers.count, name, tls.0, tls.1, tls.2, &client)
        }
        return (rc, client)
    }

    @Test("bad arguments give NETMGR_E_INVALID (or the named error) with a message, never a trap")
    func argumentValidation() async throws {
        try await onOwnThread {  // some calls below block for their timeouts: not on the cooperative pool
            #expect(Self.create([]).0 == Self.invalid)
            #expect(Self.lastError.contains("server_count"), "\(Self.lastError)")
            #expect(netmgr_client_create(nil, 1, nil, nil, nil, nil, nil) == Self.invalid)
            #expect(Self.create([nil]).0 == Self.invalid)
            #expect(Self.lastError.contains("servers[0] is NULL"), "\(Self.lastError)")
            for bad in ["127.0.97.1", "127.0.97.1:0", "127.0.97.1:70000", ":7301", "127.0.97.1:x", "::1:7301", "[::1]7301", ""] {
                #expect(Self.create(["127.0.97.11:7301", bad]).0 == Self.invalid, "\(bad)")
                #expect(Self.lastError.hasPrefix("netmgr_client_create: servers[1]"), "\(bad): \(Self.lastError)")
            }
            // Not UTF-8.
            let garbage: [CChar] = [CChar(bitPattern: 0xFF), CChar(bitPattern: 0xFE), 0x3A, 0x31, 0]
            var client: OpaquePointer?
            let rc = garbage.withUnsafeBufferPointer { text -> Int32 in
                var servers: [UnsafePointer<CChar>?] = [text.baseAddress]
                return netmgr_client_create(&servers, 1, nil, nil, nil, nil, &client)
            }
            #expect(rc == Self.invalid && Self.lastError.contains("UTF-8"), "\(Self.lastError)")
            #expect(Self.create(["127.0.97.11:7301"], name: "").0 == Self.invalid)
            #expect(Self.create(["127.0.97.11:7301"], tls: ("/nonexistent/ca.pem", nil, nil)).0 == Self.invalid)
            #expect(Self.lastError.contains("all three"), "\(Self.lastError)")
            let missing = Self.create(["127.0.97.11:7301"], tls: ("/nonexistent/ca.pem", "/nonexistent/app.pem", "/nonexistent/key.pem"))
            #expect(missing.0 == Int32(NETMGR_E_TLS.rawValue))
            #expect(Self.lastError.contains("/nonexistent/"), "the message names the file: \(Self.lastError)")

            // Handles that are not (or no longer) handles.
            let bogus = OpaquePointer(bitPattern: 0xDEAD_BEE0)
            var event = netmgr_event_t()
            var buffer = [UInt8](repeating: 0, count: 16)
            let capacity = buffer.count
            var length = 0
            #expect(netmgr_client_start(nil) == Self.invalid)
            #expect(netmgr_client_start(bogus) == Self.invalid)
            #expect(Self.lastError.contains("not a live client handle"), "\(Self.lastError)")
            #expect(netmgr_next_event(bogus, &event, 0) == Self.invalid)
            #expect(netmgr_send(bogus, "x", 1, 0, nil) == Self.invalid)
            #expect(netmgr_submit(nil, "x", 1, 0, nil) == Self.invalid)
            #expect(netmgr_receive(bogus, &buffer, capacity, &length, 0) == Self.invalid)
            #expect(netmgr_close_session(bogus) == Self.invalid)
            #expect(netmgr_client_destroy(bogus) == Self.invalid)
            #expect(netmgr_session_lu(bogus) == nil)
            #expect(String(cString: netmgr_strerror(12_345)) == "unknown error code")
            #expect(String(cString: netmgr_strerror(Int32(NETMGR_E_SESSION_CLOSED.rawValue))) == "session closed")
            #expect(netmgr_api_version() == NETMGR_API_VERSION)

            // A client whose server does not answer (nothing listens on 127.0.97.1:9).
            let (created, made) = Self.create(["127.0.97.1:9"], name: "capi-validation")
            #expect(created == Self.ok)
            guard created == Self.ok, let handle = made else { return }
            #expect(netmgr_client_start(handle) == Self.ok)
            #expect(netmgr_client_start(handle) == Int32(NETMGR_E_STATE.rawValue))
            var fd: Int32 = -1
            #expect(netmgr_client_event_fd(handle, &fd) == Self.ok && fd >= 0)
            #expect(netmgr_client_event_fd(handle, nil) == Self.invalid)
            #expect(netmgr_next_event(handle, nil, 0) == Self.invalid)
            var session: OpaquePointer?
            #expect(netmgr_open_session(handle, nil, "LU", 0, &session) == Self.invalid)
            #expect(netmgr_open_session(handle, "TNVIP", "VIPLU01", 0, nil) == Self.invalid)
            #expect(netmgr_wait_until_active(handle, "TNVIP", 10, nil, 5) == Self.invalid)
            let started = ContinuousClock.now
            #expect(netmgr_open_session(handle, "TNVIP", "VIPLU01", 200, &session) == Self.timeout)
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(Self.lastError.contains("opening TNVIP/VIPLU01"), "\(Self.lastError)")
            #expect(session == nil)
            #expect(netmgr_wait_until_active(handle, "TNVIP", 100, nil, 0) == Self.timeout)
            // Events are empty now or soon; a poll with timeout 0 does not wait.
            while netmgr_next_event(handle, &event, 0) == Self.ok {}
            #expect(netmgr_next_event(handle, &event, 0) == Self.timeout)

            // Destroy fails a call blocked on the client, and the handle is gone afterwards.
            let blocked = LockedBox<Int32?>(nil), done = DispatchSemaphore(value: 0)
            let bits = UInt(bitPattern: UnsafeRawPointer(handle))
            let waiter = Thread {
                let handle = OpaquePointer(bitPattern: bits)
                var event = netmgr_event_t()
                var rc = Self.ok
                repeat { rc = netmgr_next_event(handle, &event, 20_000) } while rc == Self.ok
                blocked.set(rc)
                done.signal()
            }
            waiter.start()
            Thread.sleep(forTimeInterval: 0.1)  // lets the waiter block first; destroy ends it either way
            #expect(netmgr_client_destroy(handle) == Self.ok)
            _ = done.wait(timeout: .now() + 10)
            let ended = blocked.get()
            #expect(ended == Int32(NETMGR_E_SHUT_DOWN.rawValue) || ended == Self.invalid, "\(String(describing: ended))")
            #expect(netmgr_client_destroy(handle) == Self.invalid)
            #expect(netmgr_next_event(handle, &event, 0) == Self.invalid)
        }
    }

    /// Builds the C example through the installed prefix and pkg-config; returns its path.
    static func buildCExample(in directory: TemporaryDirectory) async throws -> (example: String, prefix: String) {
        let root = BuiltProducts.packageRoot.path
        let prefix = directory.path + "/prefix"
        let install = try await runProcess(root + "/scripts/c-api-install", [prefix, BuiltProducts.directory.path])
        #expect(install.status == 0, "c-api-install: \(install.standardError)")
        let flags = try await runProcess("pkg-config", ["--cflags", "--libs", "netmgrclient"],
                                         environment: ["PKG_CONFIG_PATH": prefix + "/lib/pkgconfig", "PATH": "/usr/bin:/bin"])
        #expect(flags.status == 0, "pkg-config: \(flags.standardError)")
        #expect(flags.standardOutput.contains("prefix/include") && flags.standardOutput.contains("-lnetmgrclient"), "\(flags.standardOutput)")
        let example = directory.path + "/send_through_failover"
        let arguments = ["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Wextra", "-Werror", "-o", example,
                         root + "/examples/c/send_through_failover.c"]
            + flags.standardOutput.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        let compiled = try await runProcess("cc", arguments)
        #expect(compiled.status == 0, "cc \(arguments.joined(separator: " ")): \(compiled.standardError)")
        return (example, prefix)
    }

    @Test("the C and the Python example send through a failover, and the host gets every message")
    func examplesThroughFailover() async throws {
        let world = try IntegrationWorld(block: 97)
        let built = try await Self.buildCExample(in: world.directory)
        let count = 150
        var watcher: UInt?
        do {
            try await world.start()
            let servers = world.cluster.definitions.cluster.nodes.flatMap { ["--server", "\($0.lan.host):\($0.lan.port)"] }
            let files = try world.cluster.clientTLSFiles(identity: "loopback-app")
            let common = servers + ["--ca", files.ca, "--cert", files.certificate, "--key", files.key,
                                    "--resource", "TNVIP", "--count", "\(count)", "--interval-ms", "20", "--timeout-ms", "30000"]
            let c = try LaunchedProcess(built.example, common + ["--lu", "VIPLU01", "--name", "capi-c"])
            var environment = ProcessInfo.processInfo.environment
            environment["NETMGR_CLIENT_LIBRARY"] = built.prefix + "/lib/libnetmgrclient.so"
            environment["PYTHONDONTWRITEBYTECODE"] = "1"
            let python = try LaunchedProcess("/usr/bin/python3",
                                             [BuiltProducts.packageRoot.path + "/examples/python/send_through_failover.py"]
                                                 + common + ["--lu", "VIPLU02", "--name", "capi-python"],
                                             environment: environment)
            // A third client through the C API from here, with an event callback.
            let log = EventLog()
            let serverList = world.cluster.definitions.cluster.nodes.map { "\($0.lan.host):\($0.lan.port)" }
            let opened = try await onOwnThread { () -> (client: UInt, session: UInt) in
                let (rc, client) = Self.create(serverList, name: "capi-callback", tls: (files.ca, files.certificate, files.key))
                guard rc == Self.ok, let client else { throw EventLog.Failure(description: "netmgr_client_create: \(rc) \(Self.lastError)") }
                #expect(netmgr_client_set_event_callback(client, EventLog.callback, Unmanaged.passRetained(log).toOpaque()) == Self.ok)  // a leak of one log: the callback may outlive this test on failure
                #expect(netmgr_client_start(client) == Self.ok)
                var node = [CChar](repeating: 0, count: 32)
                #expect(netmgr_wait_until_active(client, "TNVIP", 20_000, &node, node.count) == Self.ok, "\(Self.lastError)")
                #expect(String(decoding: node.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) == "node-a")
                var event = netmgr_event_t()
                #expect(netmgr_next_event(client, &event, 0) == Int32(NETMGR_E_STATE.rawValue), "events go to the callback")
                var session: OpaquePointer?
                guard netmgr_open_session(client, "TNVIP", "VIPLU03", 20_000, &session) == Self.ok, let session else {
                    throw EventLog.Failure(description: "netmgr_open_session: \(Self.lastError)")
                }
                #expect(String(cString: netmgr_session_lu(session)) == "VIPLU03")
                // The host's greeting, first into a buffer too small: the size comes back, the data stays.
                var small = [UInt8](repeating: 0, count: 1)
                var length = 0
                let first = netmgr_receive(session, &small, 1, &length, 10_000)
                #expect(first == Int32(NETMGR_E_BUFFER_TOO_SMALL.rawValue) && length > 1, "\(first) \(length): \(Self.lastError)")
                var greeting = [UInt8](repeating: 0, count: max(length, 1))
                let needed = length
                #expect(netmgr_receive(session, &greeting, needed, &length, 1_000) == Self.ok && length == needed, "\(Self.lastError)")
                #expect(netmgr_receive(session, &greeting, needed, &length, 0) == Self.timeout)
                // Bad arguments on a live session.
                #expect(netmgr_send(session, nil, 5, 1_000, nil) == Self.invalid)
                #expect(netmgr_receive(session, &greeting, 0, &length, 0) == Self.invalid)
                #expect(netmgr_receive(session, &greeting, needed, nil, 0) == Self.invalid)
                #expect(netmgr_unacknowledged(session, nil) == Self.invalid)
                // Larger than a frame: refused from the length alone, the bytes are never read.
                #expect(netmgr_submit(session, "x", netmgr_max_message_size() + 1, 0, nil) == Int32(NETMGR_E_TOO_LARGE.rawValue))
                #expect(netmgr_send(session, "x", -1, 0, nil) == Int32(NETMGR_E_TOO_LARGE.rawValue), "SIZE_MAX as len")
                var sequence: UInt64 = 0
                #expect(netmgr_submit(session, "VIPLU03 submitted", 17, 5_000, &sequence) == Self.ok, "\(Self.lastError)")
                #expect(log.waitFor("message_acked VIPLU03 - \(sequence)"), "no ack for \(sequence) in \(log.lines)")
                // Several threads sending on one session at once.
                let sessionBits = UInt(bitPattern: UnsafeRawPointer(session))
                let results = LockedBox<[Int32]>([]), finished = DispatchSemaphore(value: 0)
                for thread in 0..<4 {
                    Thread {
                        for index in 0..<10 {
                            let text = "VIPLU03 thread \(thread) message \(index)"
                            let rc = netmgr_send(OpaquePointer(bitPattern: sessionBits), text, text.utf8.count, 20_000, nil)
                            results.update { $0.append(rc) }
                        }
                        finished.signal()
                    }.start()
                }
                for _ in 0..<4 { _ = finished.wait(timeout: .now() + 30) }
                #expect(results.get().count == 40 && results.get().allSatisfy { $0 == Self.ok }, "\(results.get())")
                var unacknowledged = -1
                #expect(netmgr_unacknowledged(session, &unacknowledged) == Self.ok && unacknowledged == 0)
                // Host data through a callback instead: the greeting of another LU.
                var real: OpaquePointer?
                #expect(netmgr_open_session(client, "TNREAL", "REALLU01", 20_000, &real) == Self.ok, "\(Self.lastError)")
                if let real {
                    #expect(netmgr_session_set_data_callback(real, EventLog.dataCallback, Unmanaged.passRetained(log).toOpaque()) == Self.ok)
                    #expect(log.waitFor { $0.hasPrefix("data REALLU01 ") }, "no host data through the callback: \(log.lines)")
                    #expect(netmgr_receive(real, &greeting, needed, &length, 0) == Int32(NETMGR_E_STATE.rawValue))
                    #expect(netmgr_close_session(real) == Self.ok)
                    #expect(netmgr_close_session(real) == Self.invalid)
                }
                return (UInt(bitPattern: UnsafeRawPointer(client)), UInt(bitPattern: UnsafeRawPointer(session)))
            }
            watcher = opened.client
            // Mid-stream: both have had some messages accepted on node-a.
            _ = try await c.line(startingWith: "accepted: 25 ")
            _ = try await python.line(startingWith: "accepted: 25 ")
            let killed = Date().timeIntervalSince1970
            await world.cluster.kill("node-a")
            try await world.cluster.activate(["hostlink"], on: "node-b")
            #expect(await eventually { log.lines.contains("resource_moved TNVIP node-b 0") }, "the callback saw no move to node-b: \(log.lines)")
            // The session opened through the C API resumed on node-b and sends there.
            let sentAfter = try await onOwnThread { () -> Int32 in
                netmgr_send(OpaquePointer(bitPattern: opened.session), "VIPLU03 after", 13, 30_000, nil)
            }
            #expect(sentAfter == Self.ok)
            #expect(log.lines.contains("session_resumed VIPLU03 node-b 0"), "\(log.lines)")
            let callbackClient = watcher
            watcher = nil
            #expect(try await onOwnThread { netmgr_client_destroy(OpaquePointer(bitPattern: callbackClient ?? 0)) } == Self.ok)
            let cStatus = try await c.exit(timeout: .seconds(60))
            let pythonStatus = try await python.exit(timeout: .seconds(60))
            #expect(cStatus == 0, "C example: \(c.standardOutput)\n\(c.standardError)")
            #expect(pythonStatus == 0, "Python example: \(python.standardOutput)\n\(python.standardError)")
            #expect(c.standardOutput.contains("done: the host accepted all \(count) messages"), "\(c.standardOutput)")
            #expect(python.standardOutput.contains("done: the host accepted all \(count) messages"), "\(python.standardOutput)")
            for (program, output) in [("C", c.standardOutput), ("Python", python.standardOutput)] {
                print("C API failover, \(program) example:", output.split(separator: "\n").filter { $0.hasPrefix("event: resource") || $0.hasPrefix("event: session") || $0.hasPrefix("done") }.joined(separator: " | "))
                #expect(output.contains("event: resource TNVIP moved from node-a to node-b")
                            || output.contains("event: resource TNVIP moved from - to node-b"),
                        "\(program) example printed no move to node-b: \(output)")
                #expect(output.contains("event: session \(program == "C" ? "VIPLU01" : "VIPLU02") resumed on node-b"),
                        "\(program) example printed no resume on node-b: \(output)")
            }
            let lu03 = try world.entries("VIPLU03")
            #expect(lu03.contains { $0.event == .message && $0.digest == journalDigest(Array("VIPLU03 submitted".utf8)) })
            #expect(lu03.contains { $0.event == .message && $0.digest == journalDigest(Array("VIPLU03 after".utf8)) && $0.time > killed })
            let threaded = (0..<4).flatMap { thread in (0..<10).map { journalDigest(Array("VIPLU03 thread \(thread) message \($0)".utf8)) } }
            #expect(Set(threaded).isSubset(of: Set(lu03.messageDigests)), "messages sent from 4 threads at once are missing")
            for lu in ["VIPLU01", "VIPLU02"] {
                let entries = try world.entries(lu)
                let delivered = entries.messageDigests
                let expected = (1...count).map { journalDigest(Array("\(lu) message \($0)".utf8)) }
                let missing = expected.filter { !delivered.contains($0) }
                #expect(missing.isEmpty, "\(lu): \(missing.count) of \(count) messages never reached the host")
                #expect(entries.contains { $0.event == .message && $0.time > killed }, "\(lu): nothing arrived after the failover")
                let duplicates = delivered.count - Set(delivered).count
                print("C API failover \(lu): \(count) sent, \(Set(delivered).count) distinct at the host, \(duplicates) duplicates")
            }
        } catch {
            if let watcher { _ = try? await onOwnThread { netmgr_client_destroy(OpaquePointer(bitPattern: watcher)) } }
            await world.stop()
            throw error
        }
        await world.stop()
    }
}

/// What the event callback of CAPITests saw: "type resource-or-LU node sequence" per event.
final class EventLog: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { var description: String }

    private let lock = NSLock()
    private var entries: [String] = []

    var lines: [String] { lock.withLock { entries } }

    static let names: [Int32: String] = [
        Int32(NETMGR_EVENT_SERVER_CONNECTED.rawValue): "server_connected", Int32(NETMGR_EVENT_SERVER_LOST.rawValue): "server_lost",
        Int32(NETMGR_EVENT_RESOURCE_MOVED.rawValue): "resource_moved", Int32(NETMGR_EVENT_SESSION_RESUMED.rawValue): "session_resumed",
        Int32(NETMGR_EVENT_MESSAGE_ACKED.rawValue): "message_acked",
    ]

    /// Waits (on a thread of its own, not the cooperative pool) until `line` was logged.
    func waitFor(_ line: String, timeout: TimeInterval = 20) -> Bool {
        waitFor({ $0 == line }, timeout: timeout)
    }

    func waitFor(_ matches: (String) -> Bool, timeout: TimeInterval = 20) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if lines.contains(where: matches) { return true }
            Thread.sleep(forTimeInterval: 0.005)  // polling under a deadline
        }
        return lines.contains(where: matches)
    }

    /// A C data callback: "data LU length".
    static let dataCallback: netmgr_data_callback_t = { session, _, length, user in
        guard let user else { return }
        let log = Unmanaged<EventLog>.fromOpaque(user).takeUnretainedValue()
        let lu = netmgr_session_lu(session).map { String(cString: $0) } ?? "?"
        log.lock.withLock { log.entries.append("data \(lu) \(length)") }
    }

    /// A C callback: the log comes as user_data.
    static let callback: netmgr_event_callback_t = { event, user in
        guard let event, let user else { return }
        let log = Unmanaged<EventLog>.fromOpaque(user).takeUnretainedValue()
        let type = EventLog.names[event.pointee.type] ?? "type-\(event.pointee.type)"
        let name = (event.pointee.resource ?? event.pointee.lu).map { String(cString: $0) } ?? "-"
        let node = event.pointee.node.map { String(cString: $0) } ?? "-"
        log.lock.withLock { log.entries.append("\(type) \(name) \(node) \(event.pointee.sequence)") }
    }
}
