import ArgumentParser
import Foundation
import Logging
import NIOCore
import NetMgrCore
import NetMgrSimulators
import ServiceLifecycle

/// `netmgr sim exchange`: the telephone/ISDN exchange simulator.
struct SimExchangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchange",
        abstract: "Run a simulated telephone/ISDN exchange: numbered subscriber lines with modems (Hayes, V.25bis) or ISDN basic-rate interfaces (Q.931 network side), calls routed between them.",
        discussion: """
            Lines come from --analogue and --isdn, and/or from --definitions (every hdlc-public \
            line's number, its modem connecting to --switch-host-port for its unit; every node's \
            isdn-number on hdlc-isdn lines, listening at the node's device; the hosts' tel: numbers \
            listening at --host-line). A line's DTE side is listen:HOST:PORT (the exchange takes one \
            DTE connection) or connect:HOST:PORT (the modem connects to its DTE, e.g. the line \
            switch's host port, and reconnects every 100 ms after a close: a close is DTR dropping). \
            Prints "ready: exchange N line(s)" once every line listens or dials, and one line per \
            finished call ("call CALLING → CALLED: RESULT, cause N ..."). Stops on SIGTERM or \
            SIGINT. Exit codes: 0 stopped cleanly, 1 runtime failure (a port in use), 2 unusable \
            input (definitions), 64 bad command line.
            """
    )

    @Option(help: ArgumentHelp("The definitions directory (hdlc-public and hdlc-isdn lines, the hosts' numbers).", valueName: "dir"))
    var definitions: String?

    @Option(name: .customLong("analogue"), help: ArgumentHelp(
        "An analogue line with a modem. Repeatable.", valueName: "NUMBER=listen:HOST:PORT|connect:HOST:PORT[,dial=v25bis]"))
    var analogueLines: [String] = []

    @Option(name: .customLong("isdn"), help: ArgumentHelp("An ISDN basic-rate interface. Repeatable.", valueName: "NUMBER=listen:HOST:PORT"))
    var isdnLines: [String] = []

    @Option(name: .customLong("switch-host-port"), help: ArgumentHelp(
        "With --definitions: the line switch's host port of a public line's unit (the modem connects there). Repeatable.",
        valueName: "\"COMn Unitm Linek\"=HOST:PORT"))
    var switchHostPorts: [String] = []

    @Option(name: .customLong("host-line"), help: ArgumentHelp(
        "With --definitions: where the host's line with this number listens. Repeatable.", valueName: "NUMBER=listen:HOST:PORT"))
    var hostLines: [String] = []

    @Option(name: .customLong("no-answer-ms"), help: "Ringing time before the caller gets NO ANSWER (cause 19).")
    var noAnswerMilliseconds = 30000

    @Option(name: .customLong("modem-connect-ms"), help: "Modem training time from answer to CONNECT.")
    var modemConnectMilliseconds = 1500

    @Option(name: .customLong("isdn-connect-ms"), help: "ISDN set-up time from the called party's CONNECT to the caller's.")
    var isdnConnectMilliseconds = 200

    @Option(name: .customLong("ring-ms"), help: "Ring cadence (between RINGs).")
    var ringMilliseconds = 1000

    @Option(name: .customLong("capture-dialup"), help: ArgumentHelp(
        "Record the host's analogue line (interface 0 USER1 dialogue, interface 1 SDLC) to this pcapng file.", valueName: "file"))
    var captureDialup: String?

    @Option(name: .customLong("capture-isdn"), help: ArgumentHelp(
        "Record the host's ISDN line (interface 0 LINUX_LAPD D channel, interface 1 SDLC B channel) to this pcapng file.", valueName: "file"))
    var captureISDN: String?

    @Option(name: .customLong("host-number"), help: ArgumentHelp(
        "The host's line numbers the captures record (default: the --host-line numbers). Repeatable.", valueName: "NUMBER"))
    var hostNumbers: [String] = []

    @OptionGroup var logging: LoggingOption

    func validate() throws {
        for (name, value) in [("--no-answer-ms", noAnswerMilliseconds), ("--modem-connect-ms", modemConnectMilliseconds),
                              ("--isdn-connect-ms", isdnConnectMilliseconds), ("--ring-ms", ringMilliseconds)] {
            guard (0...3_600_000).contains(value) else { throw ValidationError("\(name) \(value): expected 0 to 3600000 milliseconds") }
        }
        guard ringMilliseconds > 0 else { throw ValidationError("--ring-ms must be above 0") }
        _ = try explicitLines()
        _ = try parsedSwitchHostPorts()
        _ = try parsedHostLines()
        if definitions == nil {
            guard !analogueLines.isEmpty || !isdnLines.isEmpty else {
                throw ValidationError("give lines with --analogue NUMBER=listen:HOST:PORT, --isdn NUMBER=listen:HOST:PORT or --definitions DIR")
            }
            guard switchHostPorts.isEmpty, hostLines.isEmpty else {
                throw ValidationError("--switch-host-port and --host-line go with --definitions; without them use --analogue/--isdn")
            }
        }
    }

    func run() async throws {
        logging.bootstrap()
        let logger = Logger(label: "netmgr.sim.exchange")
        let configuration = try makeConfiguration(logger: logger)
        do {
            try configuration.validate()
        } catch {
            printError("error: \(error)")
            throw Exit.unreadable
        }
        let count = configuration.lines.count
        let service = ExchangeService(configuration: configuration, logger: logger, onReady: { _ in
            FileHandle.standardOutput.write(Data("ready: exchange \(count) line(s)\n".utf8))
        }, onCallEnded: { record in
            FileHandle.standardOutput.write(Data("\(record)\n".utf8))
        })
        try await runSimulatorServices([service], logger: logger)
    }

    private func makeConfiguration(logger: Logger) throws -> ExchangeConfiguration {
        var lines = try explicitLines()
        let hostLineMap = try parsedHostLines()
        if let directory = definitions {
            let definitions = try loadValidDefinitions(directory, for: "the exchange simulator")
            do {
                let (fromDefinitions, skipped) = try ExchangeConfiguration.lines(
                    definitions: definitions, switchHostPorts: try parsedSwitchHostPorts(), hostLines: hostLineMap)
                for line in fromDefinitions where !lines.contains(where: { $0.number == line.number }) { lines.append(line) }
                for text in skipped { logger.notice("not connecting \(text)") }
            } catch {
                printError("error: \(directory): \(error)")
                throw Exit.unreadable
            }
        }
        let hosts = Set(hostNumbers.isEmpty ? Array(hostLineMap.keys) : hostNumbers)
        let capture = ExchangeCaptureConfiguration(
            dialupPath: captureDialup, dialupLine: lines.first { hosts.contains($0.number) && $0.kind == .analogue }?.number,
            isdnPath: captureISDN, isdnLine: lines.first { hosts.contains($0.number) && $0.kind == .isdn }?.number)
        if captureDialup != nil, capture.dialupLine == nil { logger.warning("--capture-dialup: no host analogue line (give --host-line or --host-number)") }
        if captureISDN != nil, capture.isdnLine == nil { logger.warning("--capture-isdn: no host ISDN line (give --host-line or --host-number)") }
        var modem = ExchangeConfiguration(lines: []).modem
        modem.ringInterval = .milliseconds(Int64(ringMilliseconds))
        return ExchangeConfiguration(
            lines: lines,
            settings: .init(noAnswer: .milliseconds(Int64(noAnswerMilliseconds)), modemConnect: .milliseconds(Int64(modemConnectMilliseconds)),
                            isdnConnect: .milliseconds(Int64(isdnConnectMilliseconds))),
            modem: modem, capture: capture)
    }

    private func explicitLines() throws -> [ExchangeConfiguration.Line] {
        try analogueLines.map { text in
            switch ExchangeConfiguration.Line.parse(text, kind: .analogue) {
            case .success(let line): return line
            case .failure(let error): throw ValidationError("--analogue \(error)")
            }
        } + isdnLines.map { text in
            switch ExchangeConfiguration.Line.parse(text, kind: .isdn) {
            case .success(let line): return line
            case .failure(let error): throw ValidationError("--isdn \(error)")
            }
        }
    }

    private func parsedHostLines() throws -> [String: Endpoint] {
        var result: [String: Endpoint] = [:]
        for text in hostLines {
            guard case .success(let line) = ExchangeConfiguration.Line.parse(text, kind: .analogue), case .listen(let endpoint) = line.dte else {
                throw ValidationError("--host-line \(text): expected NUMBER=listen:HOST:PORT")
            }
            result[line.number] = endpoint
        }
        return result
    }

    private func parsedSwitchHostPorts() throws -> [LineSwitchUnit: Endpoint] {
        var result: [LineSwitchUnit: Endpoint] = [:]
        for text in switchHostPorts {
            let (unit, endpoint) = try parseLineSwitchUnitPort(text, option: "--switch-host-port")
            result[unit] = endpoint
        }
        return result
    }
}
