import Logging
import LineTransport
import NIOCore
import X25

/// Runs one `X25HostLink` against the line switch's host-side port: HDLC-framed LAPB in
/// and out, timer ticks, journal facts. If the connection drops the call goes with it and
/// the driver reconnects, as a network port whose line went dead waits for the next SABM.
/// Confined to `loop`.
final class X25HostLinkDriver {
    let configuration: X25HostLinkConfiguration
    let loop: any EventLoop
    let transport: any LineTransport
    let recorder: X25HostJournalRecorder
    let logger: Logger
    var onFirstConnect: (() -> Void)?
    var onFact: ((X25HostFact) -> Void)?

    private(set) var link: X25HostLink
    private var connection: LineConnection?
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var reconnect: Scheduled<Void>?
    private var stopped = false
    private var started = false
    private var connectFailures = 0

    init(configuration: X25HostLinkConfiguration, loop: any EventLoop, journal: HostJournal?, logger: Logger) {
        self.configuration = configuration
        self.loop = loop
        self.logger = logger
        self.transport = makeLineTransport(device: configuration.device, logger: logger)
        self.recorder = X25HostJournalRecorder(line: configuration.line, luNames: configuration.luNames, journal: journal)
        self.link = X25HostLink(configuration: configuration)
    }

    func start() {
        loop.assertInEventLoop()
        guard !started else { return }
        started = true
        connect()
    }

    func stop() {
        loop.assertInEventLoop()
        stopped = true
        timer?.cancel()
        reconnect?.cancel()
        connection?.close()
        connection = nil
        recorder.close()
    }

    /// Host data to an LU (host → terminal); throws when the LU has no bound session.
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
                driver.logger.info("x25-host \(driver.configuration.line): connected to \(driver.configuration.device)")
                driver.perform(driver.link.start(now: .now()))
                if let first = driver.onFirstConnect {
                    driver.onFirstConnect = nil
                    first()
                }
            case .failure(let error):
                driver.connectFailures += 1
                if driver.connectFailures == 1 { driver.logger.warning("x25-host \(driver.configuration.line): \(error); retrying") }
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
            perform(link.receive(frame.bytes, now: .now()))
        case .framingError:
            break  // counted by the transport; LAPB recovers
        case .closed(let error):
            connection = nil
            guard !stopped else { return }
            logger.warning("x25-host \(configuration.line): line closed\(error.map { ": \($0)" } ?? ""); reconnecting")
            perform(link.transportDown(reason: "line closed", now: .now()))
            scheduleReconnect()
        }
    }

    private func perform(_ actions: [X25HostLink.Action]) {
        var transmit: [ByteBuffer] = []
        for action in actions {
            switch action {
            case .transmit(let bytes):
                transmit.append(bytes)
            case .fact(let fact):
                log(fact)
                recorder.record(fact)
                onFact?(fact)
            }
        }
        connection?.send(contents: transmit)  // no connection: lost, as on a dead line
        armTimer()
    }

    private func log(_ fact: X25HostFact) {
        switch fact {
        case .callRefused, .identificationRefused: logger.notice("x25-host \(configuration.line): \(fact)")
        case .sna(.protocolError(let text)): logger.warning("x25-host \(configuration.line): \(text)")
        case .callAccepted, .terminalIdentified, .linkUp, .callCleared: logger.info("x25-host \(configuration.line): \(fact)")
        case .sna: break
        }
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
