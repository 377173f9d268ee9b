import ArgumentParser
import Foundation
import Logging
import NetMgrCore
import NetMgrSimulators
import ServiceLifecycle

/// `netmgr sim sdlc-host`: only the host simulator's SDLC side, for tests of the leased-line
/// path. `netmgr sim host` carries the same options (`SDLCHostOptions`) next to its TN3270 side.
struct SimSDLCHostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sdlc-host",
        abstract: "Run only the simulated host's SDLC primary (polling, XID, SNRM, ACTPU, ACTLU, BIND) on switched lines.",
        discussion: """
            Connects to the line switch's host-side port of each --sdlc-line, polls the station, \
            activates the PU and every LU, binds them, answers data with +RSP and journals what it \
            sees. Prints "ready: sdlc-host COMn Unitm Linek" when it first reaches a line. Stops \
            on SIGTERM or SIGINT. Exit codes: 0 stopped cleanly, 1 runtime failure, 2 unusable \
            input (unreadable or invalid definitions, a journal that cannot be written), 64 bad \
            command line.
            """
    )

    @Option(help: ArgumentHelp("The definitions directory, for each line's station address and LUs.", valueName: "dir"))
    var definitions: String?

    @OptionGroup(title: "SDLC host")
    var sdlc: SDLCHostOptions

    @Option(help: ArgumentHelp("Log level on standard error: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level \(logLevel): expected one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        guard sdlc.isEnabled else { throw ValidationError("give at least one --sdlc-line \"COMn Unitm Linek\"=tcp:HOST:PORT") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "netmgr.sim.sdlc-host")
        var loadedDefinitions: Definitions?
        if let directory = definitions {
            do {
                let loaded = try DefinitionsLoader.load(directory: directory)
                guard loaded.isValid else {
                    for diagnostic in loaded.diagnostics { printError(diagnostic.description) }
                    printError("error: \(loaded.diagnostics.count) error(s) in the definitions; run `netmgr check \(directory)`")
                    throw Exit.unreadable
                }
                loadedDefinitions = loaded.definitions
            } catch let exit as ExitCode {
                throw exit
            } catch {
                printError("error: \(error)")
                throw Exit.unreadable
            }
        }
        let links: [SDLCHostLinkConfiguration]
        do {
            links = try sdlc.links(definitions: loadedDefinitions)
        } catch {
            printError("error: \(error)")
            throw Exit.unreadable
        }
        var journal: HostJournal?
        if let path = sdlc.journalPath {
            do {
                journal = try HostJournal(path: path)
            } catch {
                printError("error: cannot write the journal \(path): \(error.localizedDescription)")
                throw Exit.unreadable
            }
        }
        defer { journal?.close() }

        let service = SDLCHostService(links: links, journal: journal, logger: logger, onConnected: { line in
            FileHandle.standardOutput.write(Data("ready: sdlc-host \(line)\n".utf8))
        })
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            printError("error: \(error)")
            throw Exit.failed
        }
    }
}
