import Foundation
import NetMgrTestSupport
import Testing

@Suite("netmgr check: unreadable input, --explain and --against")
struct CheckCommandTests {
    let netmgr = BuiltProducts.path("netmgr")
    let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path

    func copyOfPhonebook() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "netmgr-check")
        for name in try FileManager.default.contentsOfDirectory(atPath: phonebook) {
            try FileManager.default.copyItem(atPath: "\(phonebook)/\(name)", toPath: "\(directory.path)/\(name)")
        }
        return directory
    }

    @Test("a missing directory exits 2 and names it")
    func missingDirectory() async throws {
        let result = try await runProcess(netmgr, ["check", "/nonexistent/netmgr-definitions"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("/nonexistent/netmgr-definitions: no such directory"))
    }

    @Test("a file given as the directory exits 2")
    func fileInsteadOfDirectory() async throws {
        let result = try await runProcess(netmgr, ["check", "\(phonebook)/lus.yaml"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("is a file, not a directory"))
    }

    @Test("a directory without definitions exits 2")
    func emptyDirectory() async throws {
        let directory = try TemporaryDirectory()
        let result = try await runProcess(netmgr, ["check", directory.path])
        #expect(result.status == 2)
        #expect(result.standardError.contains("holds no *.yaml definitions files"))
    }

    @Test("binary and non-UTF-8 files exit 2 and are named", arguments: [
        ([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x00, 0x00] as [UInt8], "is not text"),
        ([0x6C, 0x75, 0x73, 0x3A, 0x20, 0xFF, 0xFE, 0x0A] as [UInt8], "is not UTF-8 text"),
    ])
    func notText(bytes: [UInt8], message: String) async throws {
        let directory = try copyOfPhonebook()
        try Data(bytes).write(to: directory.url.appendingPathComponent("lus.yaml"))
        let result = try await runProcess(netmgr, ["check", directory.path])
        #expect(result.status == 2)
        #expect(result.standardError.contains("\(directory.path)/lus.yaml: \(message)"), "\(result.standardError)")
    }

    @Test("an unreadable file exits 2 (run as an unprivileged user when root)")
    func permissionDenied() async throws {
        let directory = try copyOfPhonebook()
        let file = directory.url.appendingPathComponent("lus.yaml").path
        #expect(chmod(file, 0) == 0)
        #expect(chmod(directory.path, 0o755) == 0)
        // Root reads anything, so drop to nobody with util-linux's setpriv, as an operator would be.
        let result: ProcessResult
        if getuid() == 0 {
            result = try await runProcess("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", netmgr, "check", directory.path])
        } else {
            result = try await runProcess(netmgr, ["check", directory.path])
        }
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.contains("\(file): permission denied"))
    }

    @Test("--explain shows ○ or △ for every resource with the address each node presents")
    func explain() async throws {
        let result = try await runProcess(netmgr, ["check", "--explain", phonebook])
        #expect(result.status == 0)
        let rows = result.standardOutput.split(separator: "\n").map(String.init)
        let vip = try #require(rows.first { $0.contains(" TNVIP ") })
        #expect(vip.contains("○") && vip.contains("127.0.0.10"))
        let real = try #require(rows.first { $0.contains(" TNREAL ") })
        #expect(real.contains("△") && real.contains("127.0.0.11") && real.contains("127.0.0.12"))
        let line = try #require(rows.first { $0.contains(" SDLC1 ") })
        #expect(line.contains("○") && line.contains("station 0xC1") && line.contains("05D00001"))
        let packet = try #require(rows.first { $0.contains(" X25R1 ") })
        #expect(packet.contains("○") && packet.contains("calling DTE 44200001") && packet.contains("XID 05D00002") && packet.contains("LUs 2,3"))
    }

    @Test("--against lists every difference the seed requires to be identical")
    func against() async throws {
        let other = try copyOfPhonebook()
        func edit(_ file: String, _ old: String, _ new: String) throws {
            let url = other.url.appendingPathComponent(file)
            let text = try String(contentsOf: url, encoding: .utf8)
            try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
        }
        try edit("lus.yaml", "VIPLU03, address: 4", "VIPLU03, address: 9")
        try edit("lus.yaml", "name: REALLU02", "name: REALLU22")
        try edit("phonebook.yaml", "host: 127.0.0.100:2323\n    own-address: none", "host: 127.0.0.101:2323\n    own-address: none")
        try edit("lines.yaml", "procedure: hdlc-leased", "procedure: hdlc-public")
        try edit("lines.yaml", "    station-address: 0xC1           # the address the host polls\n", "")
        try edit("lines.yaml", "    node-id: 05D00001               # XID format 0: IDBLK 05D, IDNUM 00001\n", "")

        let same = try await runProcess(netmgr, ["check", phonebook, "--against", phonebook])
        #expect(same.status == 0)

        let result = try await runProcess(netmgr, ["check", phonebook, "--against", other.path])
        #expect(result.status == 1)
        let differences = result.standardError.split(separator: "\n").filter { $0.hasPrefix("difference: ") }
        for key in ["lus[VIPLU03].address", "lus[REALLU02]", "lus[REALLU22]", "resources[TNREAL].host", "lines[LEASED1].procedure"] {
            #expect(differences.contains { $0.contains(key) }, "no difference for \(key) in \(result.standardError)")
        }
        // Each difference names both copies' files and lines.
        let host = try #require(differences.first { $0.contains("resources[TNREAL].host") })
        #expect(host.contains("\(phonebook)/phonebook.yaml:") && host.contains("\(other.path)/phonebook.yaml:"))
    }
}

#if canImport(Glibc)
import Glibc
#endif
