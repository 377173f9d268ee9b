import Logging
import LineTransport
import NIOCore
import SDLC

/// Runs one `SNAHostLink` against a real line: connects to the line switch's host-side
/// port, feeds frames and timer ticks to the state machine, sends its frames, journals its
/// facts. If the connection drops it reconnects; the primary meanwhile polls into the void
/// and, after N2 unanswered polls, declares the link down and starts contacting again, as
/// a host whose line went dead does. Confined to `loop`.
final class SDLCHostLinkDriver {
    let configuration: SDLCHostLinkConfiguration
    let loop: any EventLoop
    let transport: any LineTransport
    let recorder: SDLCHostJournalRecorder
    let logger: Logger
    /// Called once, on the first successful connection.
    var onFirstConnect: (() -> Void)?
    /// Called for every fact (tests and embedding commands watch the link this way).
    var onFact: ((SNAHostFact) -> Void)?

    private var link: SNAHostLink
    private var connection: LineConnection?
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var reconnect: Scheduled<Void>?
    private var stopped = false
    private var started = false
    private var connectFailures = 0

    init(configuration: SDLCHostLinkConfiguration, loop: any EventLoop, journal: HostJournal?, logger: Logger) {
        self.configuration = configuration
        self.loop = loop
        self.logger = logger
        self.transport = makeLineTransport(device: configuration.device, logger: logger)
        self.recorder = SDLCHostJournalRecorder(configuration: configuration, journal: journal)
        self.link = SNAHostLink(
            station: .init(address: configuration.stationAddress, replyTimeout: configuration.replyTimeout,
                           retryLimit: configuration.retryLimit, pollInterval: configuration.pollInterval),
            host: .init(logicalUnits: configuration.logicalUnits.map(\.address), writesScreens: configuration.writesScreens))
    }

    var facts: SNAHostFacts { link.facts }

    func start() {
        loop.assertInEventLoop()
        guard !started else { return }
        started = true
        perform(link.start(now: .now()))
        connect()
    }

    func stop() {
        loop.assertInEventLoop()
        stopped = true
        timer?.cancel()
        reconnect?.cancel()
        connection?.close()
        connection = nil
        recorder.close(now: link.facts)
    }

    /// Sends data to an LU (host → terminal); throws when the LU has no bound session.
    func send(_ payload: ByteBuffer, lu: UInt8) throws -> UInt16 {
        let (sequence, actions) = try link.send(payload, lu: lu, now: .now())
        perform(actions)
        return sequence
    }

    private func connect() {
        guard !stopped else { return }
        let bound = NIOLoopBound(self, eventLoop: loop)
        transport.open(on: loop) { event in bound.value.lineEvent(event) }.whenComplete { result in
            let driver = bound.value
            switch result {
            case .success(let connection):
                guard !driver.stopped else { connection.close(); return }
                driver.connection = connection
                driver.connectFailures = 0
                driver.logger.info("sdlc-host \(driver.configuration.line): connected to \(driver.configuration.device)")
                if let first = driver.onFirstConnect {
                    driver.onFirstConnect = nil
                    first()
                }
            case .failure(let error):
                driver.connectFailures += 1
                // Say it once, then quietly keep trying (the switch may start later).
                if driver.connectFailures == 1 { driver.logger.warning("sdlc-host \(driver.configuration.line): \(error); retrying") }
                driver.scheduleReconnect()
            }
        }
    }

    private func scheduleReconnect() {
        guard !stopped else { return }
        let bound = NIOLoopBound(self, eventLoop: loop)
        reconnect = loop.scheduleTask(in: configuration.reconnectDelay) { bound.value.connect() }
    }

    private func lineEvent(_ event: LineEvent) {
        switch event {
        case .frame(let frame):
            perform(link.receive(frame, now: .now()))
        case .framingError:
            break  // logged and counted by the transport; the primary retries on its own
        case .closed(let error):
            connection = nil
            guard !stopped else { return }
            logger.warning("sdlc-host \(configuration.line): line closed\(error.map { ": \($0)" } ?? ""); reconnecting")
            scheduleReconnect()
        }
    }

    private func perform(_ actions: [SNAHostLink.Action]) {
        var frames: [SDLCFrame] = []
        for action in actions {
            switch action {
            case .send(let frame):
                frames.append(frame)
            case .fact(let fact):
                if case .protocolError(let text) = fact { logger.warning("sdlc-host \(configuration.line): \(text)") }
                recorder.record(fact, facts: link.facts)
                onFact?(fact)
            }
        }
        connection?.send(frames)  // no connection: the frames are lost, as on a dead line
        armTimer()
    }

    private func armTimer() {
        guard !stopped, let deadline = link.nextDeadline else { return }
        if let current = timerDeadline, current == deadline, timer != nil { return }
        timer?.cancel()
        timerDeadline = deadline
        let bound = NIOLoopBound(self, eventLoop: loop)
        timer = loop.scheduleTask(deadline: deadline) {
            let driver = bound.value
            driver.timer = nil
            driver.timerDeadline = nil
            driver.perform(driver.link.tick(now: .now()))
        }
    }
}
