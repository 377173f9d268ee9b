import Foundation
import NetMgrTestSupport
import Testing

/// Every external program the test suite runs must be installed by `scripts/test` (its
/// `ensure_packages` line), or come with an Essential Debian package. The table below is
/// checked against the sources: a program the tests launch without an entry fails, and so
/// does an entry the tests no longer launch.
@Suite("The programs the tests run")
struct TestProgramsTests {
    struct Program {
        var name: String
        var package: String
        /// The listed program that runs this one (nil: the test sources launch it).
        var runBy: String?
    }

    static let programs: [Program] = [
        Program(name: "tshark", package: "tshark"),
        Program(name: "tcpdump", package: "tcpdump"),
        Program(name: "s3270", package: "s3270"),
        Program(name: "pr3287", package: "pr3287"),
        Program(name: "hercules", package: "hercules"),
        Program(name: "ocf-tester", package: "resource-agents"),
        Program(name: "xmllint", package: "libxml2-utils"),
        Program(name: "chromium", package: "chromium"),
        Program(name: "python3", package: "python3-minimal"),
        Program(name: "script", package: "bsdutils"),
        Program(name: "keepalived", package: "keepalived"),
        Program(name: "ip", package: "iproute2"),
        Program(name: "ss", package: "iproute2"),
        Program(name: "tc", package: "iproute2"),
        Program(name: "bridge", package: "iproute2"),
        Program(name: "iptables", package: "iptables"),
        Program(name: "socat", package: "socat"),
        Program(name: "flock", package: "util-linux"),
        Program(name: "setpriv", package: "util-linux"),
        Program(name: "nsenter", package: "util-linux"),
        // The testbed's Pacemaker cluster (its link watch, ethmonitor, needs arping).
        Program(name: "corosync", package: "corosync"),
        Program(name: "pacemakerd", package: "pacemaker"),
        Program(name: "crm_mon", package: "pacemaker-cli-utils"),
        Program(name: "arping", package: "iputils-arping"),
        Program(name: "sh", package: "dash"),
        Program(name: "dpkg-query", package: "dpkg"),
        Program(name: "openssl", package: "openssl"),
        Program(name: "curl", package: "curl"),
        Program(name: "promtool", package: "prometheus"),
        // The C API's tests: build the C example and read the .pc (python3 is above).
        Program(name: "cc", package: "gcc"),
        Program(name: "pkg-config", package: "pkgconf"),
    ]

    static let root = BuiltProducts.packageRoot

    /// Program name → where the tests launch it ("file:line").
    static func launchedPrograms() throws -> [String: String] {
        var found: [String: String] = [:]
        let patterns = [
            // findExecutable("s3270"), runProcess("tshark", ...), LaunchedProcess("...", ...)
            #"(?:findExecutable|runProcess|LaunchedProcess|BackgroundProcess|runWithDefaultSignals|Self\.run|NamespaceWorld\.run)\(\s*"([A-Za-z0-9._-]+)""#,
            // "/usr/bin/setpriv", "/bin/sh"
            #""/(?:usr/)?s?bin/([A-Za-z0-9._-]+)""#,
        ]
        let expressions = try patterns.map { try NSRegularExpression(pattern: $0) }
        let listPattern = try NSRegularExpression(pattern: #"for tool in \[([^\]]*)\]"#)
        var files: [String] = []
        for directory in ["Tests", "Sources/NetMgrHarness"] {
            let enumerator = FileManager.default.enumerator(atPath: root.appendingPathComponent(directory).path)
            while let path = enumerator?.nextObject() as? String {
                if path.hasSuffix(".swift") { files.append("\(directory)/\(path)") }
            }
        }
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = String(line)
                if line.trimmingCharacters(in: .whitespaces).hasPrefix("//") { continue }
                let range = NSRange(line.startIndex..., in: line)
                var names: [String] = []
                for expression in expressions {
                    for match in expression.matches(in: line, range: range) {
                        names.append(String(line[Range(match.range(at: 1), in: line)!]))
                    }
                }
                for match in listPattern.matches(in: line, range: range) {
                    names += line[Range(match.range(at: 1), in: line)!].split(separator: ",").map {
                        $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
                    }
                }
                for name in names where found[name] == nil { found[name] = "\(file):\(number + 1)" }
            }
        }
        return found
    }

    /// The packages on `scripts/test`'s `ensure_packages` line.
    static func installedByScriptsTest() throws -> Set<String> {
        let script = try String(contentsOf: root.appendingPathComponent("scripts/test"), encoding: .utf8)
        let lines = script.split(separator: "\n").filter { $0.hasPrefix("ensure_packages ") }
        return Set(lines.flatMap { $0.split(separator: " ").dropFirst().map(String.init) })
    }

    @Test("every program the tests launch has an entry, and every entry is still launched")
    func tableMatchesSources() throws {
        let launched = try Self.launchedPrograms()
        #expect(launched["tshark"] != nil && launched["ocf-tester"] != nil, "the scan found nothing it should: \(launched)")
        let listed = Dictionary(uniqueKeysWithValues: Self.programs.map { ($0.name, $0) })
        for (name, place) in launched.sorted(by: { $0.key < $1.key }) {
            #expect(listed[name] != nil, "\(place) runs \(name): add it with its Debian package to TestProgramsTests.programs and to scripts/test's ensure_packages")
        }
        for program in Self.programs {
            if let runner = program.runBy {
                #expect(listed[runner] != nil, "\(program.name) is listed as run by \(runner), which is not listed")
            } else {
                #expect(launched[program.name] != nil, "no test launches \(program.name) any more: remove its entry")
            }
        }
    }

    @Test("scripts/test installs the package of every program the tests run")
    func scriptsTestInstallsEveryPackage() async throws {
        let installed = try Self.installedByScriptsTest()
        #expect(installed.contains("tshark"), "no ensure_packages line found in scripts/test: \(installed)")
        let others = Set(Self.programs.map(\.package)).subtracting(installed).sorted()
        // Packages scripts/test leaves out must be Essential: on every Debian machine.
        var essential: Set<String> = []
        if !others.isEmpty {
            let query = try await runProcess("dpkg-query", ["-W", "-f=${Package} ${Essential}\n"] + others)
            for line in query.standardOutput.split(separator: "\n") where line.hasSuffix(" yes") {
                essential.insert(String(line.split(separator: " ")[0]))
            }
        }
        for program in Self.programs where !installed.contains(program.package) {
            #expect(essential.contains(program.package),
                    "\(program.name) comes with \(program.package), which scripts/test does not install (add it to ensure_packages)")
        }
    }

    @Test("the package named for each installed program is the one that provides it (dpkg -S)")
    func packagesProvideThePrograms() async throws {
        var paths: [String] = []
        for program in Self.programs {
            for directory in ["/usr/bin", "/usr/sbin", "/bin", "/sbin"] where FileManager.default.fileExists(atPath: "\(directory)/\(program.name)") {
                paths.append("\(directory)/\(program.name)")
            }
        }
        // Exits 1 when some path belongs to no package (merged /usr): the others are still listed.
        let owners = try await runProcess("dpkg-query", ["-S"] + paths).standardOutput
        var packagesByName: [String: Set<String>] = [:]
        for line in owners.split(separator: "\n") where !line.hasPrefix("diversion") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = (String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces) as NSString).lastPathComponent
            packagesByName[name, default: []].formUnion(line[..<colon].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        #expect(!packagesByName.isEmpty, "dpkg-query -S found no owner for \(paths)")
        for program in Self.programs {
            guard let owners = packagesByName[program.name] else { continue }  // not installed here
            #expect(owners.contains(program.package), "\(program.name) is provided by \(owners.sorted()), not \(program.package)")
        }
    }
}
