import Foundation
import NetMgrTestSupport
import Testing

/// The rules of ARCHITECTURE.md, checked against the `import` lines of Sources/.
@Suite("The module graph of ARCHITECTURE.md")
struct ModuleGraphTests {
    /// Module name → the modules its sources import, with the first file that does.
    static func imports() throws -> [String: [String: String]] {
        let sources = BuiltProducts.packageRoot.appendingPathComponent("Sources")
        var result: [String: [String: String]] = [:]
        for module in try FileManager.default.contentsOfDirectory(atPath: sources.path) {
            let enumerator = FileManager.default.enumerator(atPath: sources.appendingPathComponent(module).path)
            var imported: [String: String] = [:]
            while let file = enumerator?.nextObject() as? String {
                guard file.hasSuffix(".swift") else { continue }
                let text = try String(contentsOf: sources.appendingPathComponent(module).appendingPathComponent(file), encoding: .utf8)
                for line in text.split(separator: "\n") {
                    let words = line.split(separator: " ")
                    guard let index = words.firstIndex(of: "import"), words[..<index].allSatisfy({ $0.hasPrefix("@") }),
                          index + 1 < words.count else { continue }
                    let name = String(words[index + 1].split(separator: ".")[0])
                    if imported[name] == nil { imported[name] = "Sources/\(module)/\(file)" }
                }
            }
            result[module] = imported
        }
        return result
    }

    static let product = ["NetMgrAddresses", "CNetMgrSerial", "NetMgrCore", "TN3270", "SDLC", "BasicMode", "X25", "Dialup", "ISDN", "NetMgrProtocol", "NetMgrAdminClient", "LineTransport",
                          "PacketCapture", "NetMgrServer", "NetMgrClient", "NetMgrClientC", "CNetMgrClient", "NetMgrVerify", "netmgrd"]
    static let system: Set = ["Foundation", "Glibc", "Darwin", "Musl", "Dispatch", "Synchronization"]

    func forbid(_ imports: [String: [String: String]], _ modules: [String], _ forbidden: Set<String>, _ rule: String) {
        for module in modules {
            #expect(imports[module] != nil, "no Sources/\(module): update ModuleGraphTests and ARCHITECTURE.md")
            for (name, file) in imports[module] ?? [:] where forbidden.contains(name) {
                Issue.record("\(file) imports \(name): \(rule) (ARCHITECTURE.md)")
            }
        }
    }

    func allow(_ imports: [String: [String: String]], _ modules: [String], _ allowed: Set<String>, _ rule: String) {
        for module in modules {
            #expect(imports[module] != nil, "no Sources/\(module): update ModuleGraphTests and ARCHITECTURE.md")
            for (name, file) in imports[module] ?? [:] where !allowed.union(Self.system).contains(name) {
                Issue.record("\(file) imports \(name): \(rule) (ARCHITECTURE.md)")
            }
        }
    }

    @Test("product code never imports test equipment")
    func productWithoutTestEquipment() throws {
        forbid(try Self.imports(), Self.product, ["NetMgrSimulators", "NetMgrHarness", "NetMgrTestSupport"],
               "product modules never import the simulators, the harness or test support")
    }

    @Test("protocol modules import NIOCore and value modules only; NetMgrCore and NetMgrAddresses are leaves")
    func pureModules() throws {
        let imports = try Self.imports()
        allow(imports, ["TN3270", "SDLC", "BasicMode", "NetMgrProtocol"], ["NIOCore", "NetMgrAddresses"], "protocol modules import NIOCore only")
        allow(imports, ["X25"], ["NIOCore", "NetMgrAddresses", "SDLC"], "X25 imports NIOCore, SDLC and NetMgrAddresses only")
        allow(imports, ["Dialup"], ["NIOCore", "SDLC"], "Dialup imports NIOCore and SDLC (HDLC framing for V.25bis) only")
        allow(imports, ["ISDN"], ["NIOCore", "SDLC"], "ISDN imports NIOCore and SDLC only")
        allow(imports, ["NetMgrCore"], ["Yams", "CYaml", "NetMgrAddresses"], "NetMgrCore depends on Yams (and its libyaml, CYaml) and NetMgrAddresses only")
        allow(imports, ["NetMgrAddresses"], [], "NetMgrAddresses depends on nothing")
    }

    @Test("client and server share only the wire format; netmgrd does not capture or verify")
    func separations() throws {
        let imports = try Self.imports()
        forbid(imports, ["NetMgrClient", "NetMgrClientC"], ["NetMgrServer"], "the client library shares only NetMgrProtocol with the server")
        forbid(imports, ["NetMgrServer", "netmgrd"], ["NetMgrClient", "PacketCapture", "NetMgrVerify"],
               "netmgrd neither links libpcap nor the client library")
    }
}
