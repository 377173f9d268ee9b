import ArgumentParser
import Foundation
import Logging
import NIOCore
import NetMgrCore
import NetMgrSimulators
import ServiceLifecycle

/// `netmgr sim host`: a host that behaves like a real one, for tests and the demo.
struct SimHostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host",
        abstract: "Run a simulated mainframe host: a TN3270/TN3270E server with LU mapping by client address, the SDLC primary on switched lines, the X.25 network with a QLLC host on switched packet lines, and the BDLC control station on each node's own basic-mode line.",
        discussion: """
            Prints "ready: tn3270 HOST:PORT" on standard output once it listens, \
            "ready: sdlc-host COMn Unitm Linek" when it first reaches an SDLC line, \
            "ready: x25-host COMn Unitm Linek" when it first reaches an X.25 access line, \
            "ready: switched-host dialup|isdn NUMBER" when a switched line first reaches the exchange, \
            "ready: xot HOST:PORT" once it listens for XOT, and \
            "ready: bdlc-host LINE line N station 0xNN HOST:PORT" per BDLC line it listens on. Stops on SIGTERM \
            or SIGINT, closing every connection and journaling bound LUs as unbound (shutdown). \
            Exit codes: 0 stopped cleanly, 1 runtime failure (e.g. the port is in use), 2 unusable \
            input (unreadable or invalid definitions, a journal that cannot be written), 64 bad \
            command line.
            """
    )

    @OptionGroup(title: "TN3270 host")
    var tn3270: SimHostTN3270Options

    @OptionGroup(title: "SDLC host (the primary station on switched leased lines)")
    var sdlc: SDLCHostOptions

    @OptionGroup(title: "BDLC host (the basic-mode control station on each node's own line)")
    var bdlc: BDLCHostOptions

    @OptionGroup(title: "X.25 host (network and QLLC host on switched hdlc-packet lines)")
    var x25: X25HostOptions

    @OptionGroup(title: "Switched host (the switched major node on the host's dial-up and ISDN lines at the exchange)")
    var switched: SwitchedHostOptions

    @Option(help: ArgumentHelp("Append what the host saw to this file, one JSON object per line.", valueName: "file"))
    var journal: String?

    @OptionGroup var logging: LoggingOption

    func validate() throws {
        // Each side validates its own options; the command needs at least one side.
        guard tn3270.isRequested || sdlc.isEnabled || x25.isEnabled || bdlc.isEnabled || switched.isEnabled else {
            throw ValidationError("Missing --listen HOST:PORT (the TN3270 server) and/or --sdlc-line \"COMn Unitm Linek\"=tcp:HOST:PORT (an SDLC line) and/or --x25-line \"COMn Unitm Linek\"=tcp:HOST:PORT (an X.25 access line) and/or --xot HOST:PORT (X.25 over TCP) and/or --bdlc-line NAME|all (BDLC lines) and/or --dialup-line/--isdn-line NUMBER=tcp:HOST:PORT (the switched major node).")
        }
    }

    func run() async throws {
        logging.bootstrap()
        let logger = Logger(label: "netmgr.sim.host")

        let definitions = try tn3270.definitions.map { try loadValidDefinitions($0, for: "the host simulator") }
        let journal = try journal.map(Self.openJournal)
        defer { journal?.close() }

        // Each simulated side of the host is one service.
        var services: [any Service] = []
        if tn3270.isRequested {
            services.append(TN3270HostService(
                configuration: try tn3270.configuration(definitions: definitions), journal: journal, logger: Logger(label: "netmgr.sim.host.tn3270"),
                onListening: { address in Self.ready("tn3270", address) },
                onTLSListening: { address in Self.ready("tn3270-tls", address) }))
        }
        if sdlc.isEnabled {
            let links: [SDLCHostLinkConfiguration]
            do {
                links = try sdlc.links(definitions: definitions)
            } catch {
                printError("error: \(error)")
                throw Exit.unreadable
            }
            services.append(SDLCHostService(links: links, journal: journal, logger: Logger(label: "netmgr.sim.host.sdlc"), onConnected: { line in
                FileHandle.standardOutput.write(Data("ready: sdlc-host \(line)\n".utf8))
            }))
        }

        if bdlc.isEnabled {
            let lines: [BDLCHostLineConfiguration]
            let capture: BasicModeLineRecorder?
            do {
                lines = try bdlc.hostLines(definitions: definitions)
                capture = try bdlc.capture.map { try BasicModeLineRecorder(path: $0, logger: Logger(label: "netmgr.sim.host.bdlc")) }
            } catch {
                printError("error: \(error)")
                throw Exit.unreadable
            }
            services.append(BDLCHostService(lines: lines, journal: journal, capture: capture, logger: Logger(label: "netmgr.sim.host.bdlc"),
                                            onListening: { line, address in
                guard let address else { return }
                Self.ready("bdlc-host \(line.journalName) \(line.stationAddress.description)", address)
            }))
        }

        if x25.isEnabled {
            let links: [X25HostLinkConfiguration]
            let xot: (endpoint: Endpoint, links: [X25HostLinkConfiguration])?
            do {
                links = try x25.links(definitions: definitions)
                xot = try x25.xotListener(definitions: definitions)
            } catch {
                printError("error: \(error)")
                throw Exit.unreadable
            }
            services.append(X25HostService(links: links, xot: xot, journal: journal, logger: Logger(label: "netmgr.sim.host.x25"), onConnected: { line in
                FileHandle.standardOutput.write(Data("ready: x25-host \(line)\n".utf8))
            }, onListening: { address in Self.ready("xot", address) }))
        }

        if switched.isEnabled {
            let configuration: SwitchedHostConfiguration
            do {
                configuration = try switched.configuration(definitions: definitions)
            } catch {
                printError("error: \(error)")
                throw Exit.unreadable
            }
            services.append(SwitchedHostService(configuration: configuration, journal: journal, logger: Logger(label: "netmgr.sim.host.switched"), onConnected: { line in
                FileHandle.standardOutput.write(Data("ready: switched-host \(line.path.rawValue) \(line.number)\n".utf8))
            }))
        }

        try await runSimulatorServices(services, logger: logger)
    }

    /// The one line orchestrators wait for.
    static func ready(_ what: String, _ address: SocketAddress) {
        let host = address.ipAddress ?? "?"
        let shown = host.contains(":") ? "[\(host)]" : host
        // Straight to the descriptor: no stdio buffer to flush, whoever reads the pipe sees it now.
        FileHandle.standardOutput.write(Data("ready: \(what) \(shown):\(address.port ?? 0)\n".utf8))
    }

    /// Opens (creating or appending to) the journal; a path that cannot be written exits with 2.
    static func openJournal(_ path: String) throws -> HostJournal {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else {
            printError("error: cannot write the journal \(path): \(String(cString: strerror(errno)))")
            throw Exit.unreadable
        }
        close(fd)
        do {
            return try HostJournal(path: path)
        } catch {
            printError("error: cannot write the journal \(path): \(error)")
            throw Exit.unreadable
        }
    }
}
