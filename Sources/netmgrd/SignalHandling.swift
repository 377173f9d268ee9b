#if canImport(Glibc)
import Glibc
#endif
import Logging
import NetMgrCore
import ServiceLifecycle
import UnixSignals

/// The signals netmgrd acts on besides SIGTERM/SIGINT (which ServiceLifecycle turns into a
/// graceful shutdown): SIGHUP reloads the definitions, SIGUSR1/SIGUSR2 are logged and
/// otherwise ignored, and signals whose default would kill the daemon without a
/// deactivation are ignored outright.
struct SignalHandling: Service {
    let definitionsDirectory: String
    let logger: Logger
    let reloads: AsyncStream<Definitions>.Continuation
    /// Made before the daemon announces itself ready, so no signal sent after that is missed.
    let signals: UnixSignalsSequence

    init(definitionsDirectory: String, logger: Logger, reloads: AsyncStream<Definitions>.Continuation) async {
        self.definitionsDirectory = definitionsDirectory
        self.logger = logger
        self.reloads = reloads
        self.signals = await UnixSignalsSequence(trapping: .sighup, .sigusr1, .sigusr2)
    }

    /// Signals that would end the process at once by default: ignored from the start, so
    /// one that arrives before `signals` traps it (or that netmgrd has no use for) is
    /// harmless. (SIGQUIT keeps its core dump: it is how an operator asks for one.)
    static func ignoreFatalDefaults() {
        for number in [SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGSTKFLT, SIGXFSZ] {
            signal(number, SIG_IGN)
        }
        let realTime = Int32(__libc_current_sigrtmin())...Int32(__libc_current_sigrtmax())
        for number in realTime { signal(number, SIG_IGN) }
    }

    func run() async throws {
        for await signal in signals.cancelOnGracefulShutdown() {
            if signal == .sighup {
                reload()
            } else {
                logger.notice("received \(signal): ignored (SIGHUP reloads the definitions, SIGTERM stops netmgrd)")
            }
        }
        reloads.finish()
    }

    /// Loads and validates the definitions; only a valid set goes to the daemon.
    private func reload() {
        logger.notice("SIGHUP: reloading the definitions from \(definitionsDirectory)")
        let loaded: LoadedDefinitions
        do {
            loaded = try DefinitionsLoader.load(directory: definitionsDirectory)
        } catch {
            logger.error("definitions reload refused, keeping the running definitions: \(error)")
            return
        }
        guard loaded.isValid else {
            for diagnostic in loaded.diagnostics.prefix(20) { logger.error("\(diagnostic)") }
            logger.error("definitions reload refused, keeping the running definitions: \(loaded.diagnostics.count) error(s); run `netmgr check \(definitionsDirectory)`")
            return
        }
        reloads.yield(loaded.definitions)
    }
}
