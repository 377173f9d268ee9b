import Foundation
import NetMgrHarness
import NetMgrTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Hercules 3.13 (Debian `hercules`) as a real TN3270 host: no operating system IPL'd,
/// only local non-SNA 3270 devices on its console port, run headless (`-d`, standard
/// input from /dev/null) with its log in a file.
///
/// Hercules gives a client the device its terminal type asks for: `IBM-3278-2@0030` a
/// device number, `IBM-3278-2@VIPGRP` any free device of that group (devices declared
/// `0010.4 3270 VIPGRP 127.0.70.10` take only clients from that address). It logs each
/// grant as `HHCTE009I Client 127.0.70.10 connected to 3270 device 0:0010` and each end
/// as `HHCTE007I 3270 device 0010 client 127.0.70.10 connection closed` (or `HHCTE014I
/// ... connection reset`). A refused client gets a screen ("Connection rejected, no
/// available 3270 device") and is closed, with no log line.
final class HerculesHost: @unchecked Sendable {
    struct DeviceGroup {
        /// First device number (hex) and how many.
        var first: Int
        var count: Int
        /// Nil: no group (the device is asked for by number, or by no suffix).
        var name: String?
        /// Only clients from this address may use the group's devices.
        var client: String?

        var devices: [String] { (first..<first + count).map { HerculesHost.device($0) } }
    }

    let address: String
    let port: Int
    let process: ChildProcess
    let logPath: String

    static func device(_ number: Int) -> String {
        let text = String(number, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }

    /// Writes the configuration, starts Hercules and waits until its console port listens.
    init(directory: String, address: String, groups: [DeviceGroup]) async throws {
        let executable = try findExecutable("hercules")
        self.address = address
        port = try Self.freePort(on: address)
        var configuration = """
            ARCHMODE  ESA/390
            MAINSIZE  16
            NUMCPU    1
            CNSLPORT  \(address):\(port)

            """
        for group in groups {
            let range = group.count == 1 ? Self.device(group.first) : "\(Self.device(group.first)).\(group.count)"
            configuration += "\(range) 3270 \(group.name ?? "*")\(group.client.map { " \($0)" } ?? "")\n"
        }
        let configurationPath = directory + "/hercules.cnf"
        try configuration.write(toFile: configurationPath, atomically: true, encoding: .utf8)
        logPath = directory + "/hercules.log"
        process = try ChildProcess(name: "hercules", executable: executable, arguments: ["-d", "-f", configurationPath], logPath: logPath)
        let logPath = self.logPath, process = self.process
        try await waitUntil(.seconds(20), what: "Hercules to listen on \(address):\(port) (log \(logPath))") {
            guard process.isRunning else { return true }
            return Self.lines(logPath).contains { $0.contains("HHCTE003I") }
        }
        guard process.isRunning else {
            throw HerculesFailure( "hercules exited at start; its log:\n\(Self.lines(logPath).suffix(20).joined(separator: "\n"))")
        }
    }

    /// SIGKILL: the harness's children inherit SIGTERM ignored, and Hercules installs no
    /// handler for it. An emulator without an OS has nothing to flush; its log is written
    /// line by line.
    func stop() async {
        process.signal(SIGKILL)
        _ = await process.waitForExit()
    }

    var log: [String] { Self.lines(logPath) }

    /// Lines Hercules' console code writes on trouble (`console: DBG028: select: ...`,
    /// `*********** DBG028 CONSOLE BUG ***********`) and error messages (`HHC....E`).
    var troubleLines: [String] {
        log.filter { $0.contains("DBG") || $0.range(of: #"HHC[A-Z]{2}[0-9]{3}E"#, options: .regularExpression) != nil }
    }

    struct Grant: Equatable {
        var client: String
        var device: String
    }

    /// Every grant logged, in order, from log line `from` on.
    func grants(from line: Int = 0) -> [Grant] {
        log.dropFirst(line).compactMap(Self.grant)
    }

    /// Who holds each device now: the grants, minus the ends logged after them.
    var holders: [String: String] {
        var holders: [String: String] = [:]
        for line in log {
            if let grant = Self.grant(line) {
                holders[grant.device] = grant.client
            } else if let match = line.firstMatch(of: #/HHCTE0(?:07|14)I 3270 device ([0-9A-F]{4}) client (\S+) connection/#) {
                holders[String(match.1)] = nil
            }
        }
        return holders
    }

    private static func grant(_ line: String) -> Grant? {
        guard let match = line.firstMatch(of: #/HHCTE009I Client (\S+) connected to 3270 device (?:\d+:)?([0-9A-F]{4})/#) else { return nil }
        return Grant(client: String(match.1), device: String(match.2))
    }

    private static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// A port the kernel has free on `address` now (Hercules takes a fixed number).
    private static func freePort(on address: String) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HerculesFailure( "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = 0
        inet_pton(AF_INET, address, &socketAddress.sin_addr)
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw HerculesFailure( "bind \(address):0: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: socketAddress.sin_port))
    }
}

struct HerculesFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
