import Foundation
import NetMgrCore
import NetMgrTestSupport
import Testing

/// What real hosts need from the definitions: a device number or a pool as the host LU,
/// and a per-resource limit on negotiations in flight. Each case edits a copy of
/// Phonebook/ and checks the model, or the one error with its file, line and key.
@Suite("Definitions for real hosts: devices, pools, negotiation pacing")
struct RealHostDefinitionsTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// (file, text replaced, replacement); a nil original appends.
        var edits: [(file: String, original: String?, replacement: String)]
        /// The error expected: the file, a fragment of its line, the key path; nil when valid.
        var error: (file: String, line: String, key: String, says: String)?
        var testDescription: String { name }
    }

    static let lu01 = "{ name: REALLU01, address: 2, resource: TNREAL }"
    static let lu02 = "{ name: REALLU02, address: 3, resource: TNREAL }"
    static let vip01 = "{ name: VIPLU01, address: 2, resource: TNVIP }"

    static func lu(_ original: String, adding text: String) -> (String, String?, String) {
        ("lus.yaml", original, original.replacingOccurrences(of: " }", with: ", \(text) }"))
    }

    static let cases: [Case] = [
        Case(name: "a device number on a basic TN3270 resource", edits: [lu(lu01, adding: "host-lu: \"@0011\"")], error: nil),
        Case(name: "a pool backing two LUs of one resource",
             edits: [lu(lu01, adding: "host-pool: anygrp"), lu(lu02, adding: "host-pool: ANYGRP")], error: nil),
        Case(name: "max-negotiations within 1...1024", edits: [("phonebook.yaml", "dialect: tn3270 ", "dialect: tn3270\n    max-negotiations: 1024 ")], error: nil),

        Case(name: "a device number left bare (YAML reserves @)", edits: [lu(lu01, adding: "host-lu: @0011")],
             error: ("lus.yaml", "REALLU01", "(document)", "a device number must be quoted: host-lu: \"@0011\"")),
        Case(name: "a device number that is not hex", edits: [lu(lu01, adding: "host-lu: \"@00G1\"")],
             error: ("lus.yaml", "REALLU01", "lus[REALLU01].host-lu", "\"@00G1\" is not a device number")),
        Case(name: "a device number of five digits", edits: [lu(lu01, adding: "host-lu: \"@00111\"")],
             error: ("lus.yaml", "REALLU01", "lus[REALLU01].host-lu", "is not a device number")),
        Case(name: "a device number on a TN3270E resource", edits: [lu(vip01, adding: "host-lu: \"@0011\"")],
             error: ("lus.yaml", "VIPLU01", "lus[VIPLU01].host-lu", "can only be asked for by the basic TN3270 terminal type")),
        Case(name: "one device, written two ways, twice on a resource",
             edits: [lu(lu01, adding: "host-lu: \"@0011\""), lu(lu02, adding: "host-lu: \"@011\"")],
             error: ("lus.yaml", "REALLU02", "lus[REALLU02].host-lu", "host LU @0011 is already used on resource TNREAL by REALLU01")),
        Case(name: "one host LU name twice on a resource (only a pool may repeat)",
             edits: [lu(lu01, adding: "host-lu: TCP00001"), lu(lu02, adding: "host-lu: TCP00001")],
             error: ("lus.yaml", "REALLU02", "lus[REALLU02].host-lu", "several LUs may share a pool only as host-pool")),
        Case(name: "a pool name that reads as a device number", edits: [lu(lu01, adding: "host-pool: BEEF")],
             error: ("lus.yaml", "REALLU01", "lus[REALLU01].host-pool", "\"BEEF\" is not a pool name")),
        Case(name: "host-lu and host-pool together", edits: [lu(lu01, adding: "host-lu: TCP00001, host-pool: ANYGRP")],
             error: ("lus.yaml", "REALLU01", "lus[REALLU01].host-pool", "is given together with host-lu")),
        Case(name: "a pool on an SDLC LU", edits: [lu("{ name: SDLU02, address: 2, resource: SDLC1 }", adding: "host-pool: ANYGRP")],
             error: ("lus.yaml", "SDLU02", "lus[SDLU02].host-pool", "applies to LUs of tnetos resources only")),
        Case(name: "one host LU bound by two resources at one host",
             edits: [lu(vip01, adding: "host-lu: TCP00001"), lu(lu01, adding: "host-lu: TCP00001")],
             error: ("lus.yaml", "REALLU01", "lus[REALLU01].host-lu", "is already used by VIPLU01 of resource TNVIP")),
        Case(name: "a name that is a pool on one resource and one LU on another",
             edits: [lu(vip01, adding: "host-lu: ANYGRP"), lu(lu01, adding: "host-pool: ANYGRP")],
             error: ("lus.yaml", "REALLU01", "lus[REALLU01].host-pool", "is also the single host LU of VIPLU01")),
        Case(name: "max-negotiations 0", edits: [("phonebook.yaml", "dialect: tn3270 ", "dialect: tn3270\n    max-negotiations: 0 ")],
             error: ("phonebook.yaml", "max-negotiations", "resources[TNREAL].max-negotiations", "0 is out of range")),
        Case(name: "max-negotiations 1025", edits: [("phonebook.yaml", "dialect: tn3270 ", "dialect: tn3270\n    max-negotiations: 1025 ")],
             error: ("phonebook.yaml", "max-negotiations", "resources[TNREAL].max-negotiations", "1025 is out of range")),
        Case(name: "max-negotiations as text", edits: [("phonebook.yaml", "dialect: tn3270 ", "dialect: tn3270\n    max-negotiations: few ")],
             error: ("phonebook.yaml", "max-negotiations", "resources[TNREAL].max-negotiations", "a whole number from 1 to 1024")),
        Case(name: "max-negotiations on a leased line", edits: [("phonebook.yaml", "line: LEASED1", "line: LEASED1\n    max-negotiations: 4")],
             error: ("phonebook.yaml", "max-negotiations", "resources[SDLC1].max-negotiations", "applies to tnetos resources only")),
    ]

    @Test("each case", arguments: cases)
    func check(_ testCase: Case) throws {
        let directory = try TemporaryDirectory(prefix: "realhost-defs")
        let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path
        var texts: [String: String] = [:]
        for name in ["cluster.yaml", "lines.yaml", "lus.yaml", "phonebook.yaml"] {
            texts[name] = try String(contentsOfFile: "\(phonebook)/\(name)", encoding: .utf8)
        }
        for edit in testCase.edits {
            if let original = edit.original {
                #expect(texts[edit.file]!.contains(original), "the case's text must be in \(edit.file)")
                texts[edit.file] = texts[edit.file]!.replacingOccurrences(of: original, with: edit.replacement)
            } else {
                texts[edit.file]! += edit.replacement
            }
        }
        for (name, text) in texts { try text.write(toFile: directory.file(name), atomically: true, encoding: .utf8) }
        let loaded = try DefinitionsLoader.load(directory: directory.path)
        guard let error = testCase.error else {
            #expect(loaded.isValid, "\(loaded.diagnostics.map(\.description))")
            return
        }
        #expect(loaded.diagnostics.count == 1, "\(loaded.diagnostics.map(\.description))")
        let diagnostic = try #require(loaded.diagnostics.first)
        let lines = texts[error.file]!.split(separator: "\n", omittingEmptySubsequences: false)
        let line = try #require(lines.firstIndex { $0.contains(error.line) && !$0.hasPrefix("#") }) + 1
        #expect(diagnostic.location.file == directory.file(error.file))
        #expect(diagnostic.location.line == line, "\(diagnostic)")
        #expect(diagnostic.key == error.key, "\(diagnostic)")
        #expect(diagnostic.description.contains(error.says), "\(diagnostic)")
    }

    @Test("the model: a device number, a pool, the negotiation limit and its default")
    func model() throws {
        let directory = try TemporaryDirectory(prefix: "realhost-model")
        let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path
        for name in ["cluster.yaml", "lines.yaml", "phonebook.yaml"] {
            try String(contentsOfFile: "\(phonebook)/\(name)", encoding: .utf8).write(toFile: directory.file(name), atomically: true, encoding: .utf8)
        }
        try String(contentsOfFile: "\(phonebook)/lus.yaml", encoding: .utf8)
            .replacingOccurrences(of: Self.lu01, with: "{ name: REALLU01, address: 2, resource: TNREAL, host-lu: \"@001f\" }")
            .replacingOccurrences(of: Self.lu02, with: "{ name: REALLU02, address: 3, resource: TNREAL, host-pool: anygrp }")
            .write(toFile: directory.file("lus.yaml"), atomically: true, encoding: .utf8)
        let loaded = try DefinitionsLoader.load(directory: directory.path)
        #expect(loaded.isValid, "\(loaded.diagnostics.map(\.description))")
        let d = loaded.definitions
        let device = try #require(d.lus.first { $0.name == "REALLU01" })
        #expect(device.hostKind == .device && device.hostLUName == "001F" && device.hostLUDescription == "@001F")
        let pool = try #require(d.lus.first { $0.name == "REALLU02" })
        #expect(pool.hostKind == .pool && pool.hostLUName == "ANYGRP" && pool.hostLUDescription == "pool ANYGRP")
        #expect(d.lus.first { $0.name == "VIPLU01" }?.hostKind == .name)
        #expect(d.resources.allSatisfy { $0.maxNegotiations == Resource.defaultMaxNegotiations })
    }
}
