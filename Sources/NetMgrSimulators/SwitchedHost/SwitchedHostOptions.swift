import Foundation
import ArgumentParser
import NIOCore
import NetMgrCore

/// The host simulator's switched major node options, an option group of `netmgr sim host`.
/// The host's lines at the exchange are given explicitly; the PUs and the numbers to call
/// come from the definitions when the command has them, and `--switched-pu`/`--call-out`
/// add to or replace them.
public struct SwitchedHostOptions: ParsableArguments {
    @Option(name: .customLong("dialup-line"), help: ArgumentHelp(
        "The host's analogue line: its number and the exchange's port for its modem. Repeatable.", valueName: "NUMBER=tcp:HOST:PORT"))
    public var dialupLines: [String] = []

    @Option(name: .customLong("isdn-line"), help: ArgumentHelp(
        "The host's ISDN basic-rate interface: its number and the exchange's port for it. Repeatable.", valueName: "NUMBER=tcp:HOST:PORT"))
    public var isdnLines: [String] = []

    @Option(name: .customLong("switched-pu"), help: ArgumentHelp(
        "A PU of the switched major node: XID node id, station address (hex, - for as answered), LU addresses. Repeatable; default: the definitions' hdlc-public/hdlc-isdn lines.",
        valueName: "NODEID:STATION:LU[=NAME],..."))
    public var physicalUnits: [String] = []

    @Option(name: .customLong("call-out"), help: ArgumentHelp(
        "Numbers the host's dial-up line calls, in order, until a session is up (nodes with call: in); default: from the definitions.",
        valueName: "N1,N2"))
    public var callOut: String?

    @Option(name: .customLong("isdn-call-out"), help: ArgumentHelp(
        "Numbers the host's ISDN line calls, in order, until a session is up; default: from the definitions.", valueName: "N1,N2"))
    public var isdnCallOut: String?

    @Option(name: .customLong("switched-answer-rings"), help: "Rings before the host's modem answers.")
    public var answerRings: Int = 1

    @Flag(name: .customLong("switched-lu2-screens"), help: "Act as an LU 2 (3270) application on the switched PUs: write a screen with an input field after each BIND/SDT and after each input.")
    public var writesScreens = false

    public init() {}

    public var isEnabled: Bool { !dialupLines.isEmpty || !isdnLines.isEmpty }

    public func validate() throws {
        do {
            _ = try configuration(definitions: nil, requirePUs: false)
        } catch {
            throw ValidationError(error.description)
        }
        guard (0...15).contains(answerRings) else { throw ValidationError("--switched-answer-rings \(answerRings): expected 0 to 15") }
    }

    public func configuration(definitions: Definitions?) throws(SwitchedHostOptionsError) -> SwitchedHostConfiguration {
        try configuration(definitions: definitions, requirePUs: true)
    }

    func configuration(definitions: Definitions?, requirePUs: Bool) throws(SwitchedHostOptionsError) -> SwitchedHostConfiguration {
        var pus: [SwitchedPU] = []
        for text in physicalUnits {
            guard let pu = SwitchedPU.parse(text) else {
                throw SwitchedHostOptionsError("--switched-pu \(text): expected NODEID:STATION:LU,... e.g. 05D00003:C1:2,3")
            }
            pus.append(pu)
        }
        var dialupCalls = Self.numbers(callOut)
        var isdnCalls = Self.numbers(isdnCallOut)
        if let definitions {
            let fromDefinitions = SwitchedHostConfiguration.fromDefinitions(definitions)
            if pus.isEmpty { pus = fromDefinitions.physicalUnits }
            if callOut == nil { dialupCalls = fromDefinitions.dialupCallOut }
            if isdnCallOut == nil { isdnCalls = fromDefinitions.isdnCallOut }
        }
        for number in dialupCalls + isdnCalls where !SwitchedLineSettings.isTelephoneNumber(number) {
            throw SwitchedHostOptionsError("call-out number \"\(number)\" is not a telephone number")
        }
        var lines: [SwitchedHostConfiguration.Line] = []
        for (texts, path, option, calls) in [(dialupLines, SwitchedHostConfiguration.Path.dialup, "--dialup-line", dialupCalls),
                                             (isdnLines, .isdn, "--isdn-line", isdnCalls)] {
            for text in texts {
                guard var line = SwitchedHostConfiguration.Line.parse(text, path: path) else {
                    throw SwitchedHostOptionsError("\(option) \(text): expected NUMBER=tcp:HOST:PORT")
                }
                line.callOut = calls
                lines.append(line)
            }
        }
        if requirePUs, !lines.isEmpty, pus.isEmpty {
            throw SwitchedHostOptionsError("the switched major node has no PUs; give --switched-pu NODEID:STATION:LUS or --definitions with hdlc-public/hdlc-isdn lines")
        }
        if writesScreens { pus = pus.map { var pu = $0; pu.writesScreens = true; return pu } }
        return SwitchedHostConfiguration(lines: lines, physicalUnits: pus, answerRings: answerRings)
    }

    static func numbers(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// Switched host options that cannot be used; the text names the option and what is expected.
public struct SwitchedHostOptionsError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
