import Foundation
@testable import NetMgrHarness
import NetMgrTestSupport
import Testing

/// The testbed's parts that need no root: its topology, the definitions it renders, the
/// fault schedule, the journal tail.
@Suite("Testbed topology, rendering and schedule")
struct TestbedTopologyTests {
    let repository = BuiltProducts.packageRoot.path

    @Test("the repository's topology loads, and its definitions render into valid definitions with its addresses")
    func repositoryTopology() throws {
        let topology = try TestbedTopology.load(path: repository + "/Testbed/topology.yaml")
        #expect(topology.nodes.map(\.name) == ["node-a", "node-b"])
        #expect(topology.prefixLength == 24)
        let directory = try TemporaryDirectory(prefix: "netmgr-topology")
        try topology.renderDefinitions(into: directory.file("definitions"))
        let cluster = try LoopbackCluster(definitionsDirectory: directory.file("definitions"), workDirectory: directory.file("work"),
                                          binaries: HarnessBinaries(directory: "/nonexistent"))
        #expect(cluster.definitions.cluster.nodes.map(\.address.text) == topology.nodes.map(\.address))
        #expect(cluster.hostEndpoint?.host == topology.host)
        let rendered = try String(contentsOfFile: directory.file("definitions/cluster.yaml"), encoding: .utf8)
        #expect(!rendered.contains("{{") && rendered.contains(topology.vip))
        // The leased line: the line switch on its own address, the nodes' ports and the host's on it.
        let lineSwitch = try #require(topology.lineSwitch)
        #expect(cluster.definitions.cluster.lineSwitch?.host == lineSwitch)
        #expect(cluster.switchedLines.map(\.hostSide.description) == ["\(lineSwitch):7410"])
        let leased = try #require(cluster.definitions.lines.first { $0.procedure == .hdlcLeased })
        #expect(leased.perNode.values.compactMap(\.device).sorted() == ["tcp:\(lineSwitch):7411", "tcp:\(lineSwitch):7412"])
        #expect(cluster.definitions.group(carrying: "SDLC1") != nil && cluster.definitions.lus(of: "SDLC1").count == 2)
    }

    func load(_ text: String) throws -> TestbedTopology {
        let directory = try TemporaryDirectory(prefix: "netmgr-topology")
        try text.write(toFile: directory.file("topology.yaml"), atomically: true, encoding: .utf8)
        return try TestbedTopology.load(path: directory.file("topology.yaml"))
    }

    let valid = """
        subnet: 198.18.0.0/24
        definitions: definitions
        host: 198.18.0.100
        client: 198.18.0.50
        vip: 198.18.0.10
        nodes: [{ name: node-a, address: 198.18.0.11 }, { name: node-b, address: 198.18.0.12 }]
        keepalived: { vrid: 51 }
        """

    @Test("a topology with an address outside its subnet, twice, or not an address is refused, naming it", arguments: [
        ("host: 198.18.0.100", "host: 10.0.0.1", "host 10.0.0.1 is not a host address in the subnet 198.18.0.0/24"),
        ("vip: 198.18.0.10", "vip: 198.18.0.11", "have the same address 198.18.0.11"),
        ("client: 198.18.0.50", "client: 198.18.0.255", "client 198.18.0.255 is not a host address"),
        ("client: 198.18.0.50", "client: 198.18.0.999", "client 198.18.0.999: not an IPv4 address"),
        ("subnet: 198.18.0.0/24", "subnet: 198.18.0.0/33", "subnet 198.18.0.0/33"),
        ("vrid: 51", "vrid: 300", "keepalived.vrid 300"),
        ("vip: 198.18.0.10", "vip: 198.18.0.10\nline-switch: 198.18.1.200", "line-switch 198.18.1.200 is not a host address in the subnet"),
        ("vip: 198.18.0.10", "vip: 198.18.0.10\nline-switch: 198.18.0.100", "have the same address 198.18.0.100"),
    ])
    func refused(_ replace: String, _ with: String, _ message: String) throws {
        _ = try load(valid)
        #expect {
            _ = try load(valid.replacingOccurrences(of: replace, with: with))
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("a template field the topology does not have is an error naming the file")
    func unknownField() throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-topology")
        try FileManager.default.createDirectory(atPath: directory.file("definitions"), withIntermediateDirectories: true)
        try "lines: [{ name: L, procedure: tnetos, at: {{router}} }]\n".write(toFile: directory.file("definitions/lines.yaml"), atomically: true, encoding: .utf8)
        try valid.write(toFile: directory.file("topology.yaml"), atomically: true, encoding: .utf8)
        let topology = try TestbedTopology.load(path: directory.file("topology.yaml"))
        #expect {
            try topology.renderDefinitions(into: directory.file("out"))
        } throws: { error in
            "\(error)".contains("lines.yaml: {{router}} is not in the topology")
        }
    }

    @Test("the schedule is the same for a seed, differs between seeds, and has every kind within one of the others")
    func schedule() {
        let kinds = TestbedFault.allCases
        for seed: UInt64 in [1, 2, 99] {
            let schedule = TestbedFault.schedule(count: 100, kinds: kinds, seed: seed)
            #expect(schedule == TestbedFault.schedule(count: 100, kinds: kinds, seed: seed))
            let counts = kinds.map { kind in schedule.filter { $0 == kind }.count }
            #expect(schedule.count == 100 && counts.min()! >= 100 / kinds.count && counts.max()! - counts.min()! <= 1, "\(counts)")
        }
        #expect(TestbedFault.schedule(count: 20, kinds: kinds, seed: 1) != TestbedFault.schedule(count: 20, kinds: kinds, seed: 2))
        #expect(Set(TestbedFault.schedule(count: kinds.count, kinds: kinds, seed: 5)) == Set(kinds))
        #expect(TestbedFault.schedule(count: 3, kinds: [.cutCables], seed: 5) == [.cutCables, .cutCables, .cutCables])
    }

    @Test("the journal tail returns whole lines only, each once, and skips lines that do not decode")
    func tail() throws {
        struct Line: Decodable, Equatable { var n: Int }
        let directory = try TemporaryDirectory(prefix: "netmgr-tail")
        let path = directory.file("lines.jsonl")
        var tail = JSONLinesTail<Line>(path: path)
        #expect(tail.read().elements.isEmpty)  // no file yet
        #expect(FileManager.default.createFile(atPath: path, contents: Data("{\"n\":1}\n{\"n\":2}\n{\"n\"".utf8)))
        #expect(tail.read().elements == [Line(n: 1), Line(n: 2)])
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(":3}\ngarbage\n".utf8))
        try handle.close()
        let next = tail.read()
        #expect(next.elements == [Line(n: 3)] && next.skipped == 1)
        #expect(tail.read().elements.isEmpty)
    }
}
