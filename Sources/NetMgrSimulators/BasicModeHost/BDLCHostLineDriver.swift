import BasicMode
import LineTransport
import Logging
import NIOCore
import NIOPosix

/// Runs one `BasicModeControlStation` on the host's end of one node's BDLC line: listens
/// where the node's device points, takes the node's connection (a newer one replaces an
/// older: the node came back), decodes the character stream, feeds elements and timer ticks
/// to the machine, sends its elements, journals and records them. Confined to `loop`.
final class BDLCHostLineDriver {
    let configuration: BDLCHostLineConfiguration
    let loop: any EventLoop
    let logger: Logger
    let journalRecorder: BDLCHostJournalRecorder
    let capture: BasicModeLineRecorder?
    /// A fresh one per connection: a new cable, the station unknown until it answers.
    private var station: BasicModeControlStation<Int>
    private var answering = false
    private let encoder: BasicModeEncoder
    /// Encodes sent elements for the capture, without SYNs (what follows them on the wire).
    private let recordEncoder: BasicModeEncoder
    private var decoder: BasicModeDecoder
    /// The received bytes, so the capture holds each received element as it was on the wire.
    private var wire = BasicModeWireBytes()
    private var server: (any Channel)?
    private var connection: RawLineConnection?
    private var connectionNumber = 0
    private var timer: Scheduled<Void>?
    private var stopped = false

    init(configuration: BDLCHostLineConfiguration, loop: any EventLoop, journal: HostJournal?, capture: BasicModeLineRecorder?, logger: Logger) {
        self.configuration = configuration
        self.loop = loop
        self.logger = logger
        self.capture = capture
        self.journalRecorder = BDLCHostJournalRecorder(configuration: configuration, journal: journal)
        self.station = Self.makeStation(configuration)
        self.encoder = BasicModeEncoder(coding: configuration.coding)
        self.recordEncoder = BasicModeEncoder(coding: configuration.coding, synchronousIdles: 0)
        self.decoder = BasicModeDecoder(coding: configuration.coding)
    }

    static func makeStation(_ configuration: BDLCHostLineConfiguration) -> BasicModeControlStation<Int> {
        BasicModeControlStation(configuration: .init(
            coding: configuration.coding, stations: [configuration.stationAddress], replyTimeout: configuration.replyTimeout,
            receiveTimeout: configuration.receiveTimeout, pollInterval: configuration.pollInterval, silentAfter: configuration.retryLimit))
    }

    var name: String { "bdlc-host \(configuration.journalName) (\(configuration.node), \(configuration.stationAddress))" }

    /// Binds the listener; the future completes with its address.
    func start() -> EventLoopFuture<SocketAddress?> {
        loop.assertInEventLoop()
        let bound = NIOLoopBound(self, eventLoop: loop)
        let device = LineDevice.tcp(host: configuration.listen.host, port: configuration.listen.port)
        let logger = self.logger
        let loop = self.loop
        return ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                // Child channels of a one-loop group run on `loop`.
                channel.eventLoop.makeCompletedFuture {
                    let number = NIOLoopBoundBox(0, eventLoop: loop)
                    let connection = try RawLineHandlers.install(on: channel, device: device, logger: logger) { event in
                        bound.value.lineEvent(event, connection: number.value)
                    }
                    number.value = bound.value.accept(connection)
                }
            }
            .bind(host: configuration.listen.host, port: configuration.listen.port)
            .map { channel in
                bound.value.server = channel
                return channel.localAddress
            }
            .flatMapErrorThrowing { [name = self.name, listen = configuration.listen] error in
                throw BDLCHostOptionsError("\(name): cannot listen on \(listen): \(error)")
            }
    }

    func stop() {
        loop.assertInEventLoop()
        stopped = true
        timer?.cancel()
        timer = nil
        server?.close(promise: nil)
        connection?.close()
        connection = nil
        lineClosed(reason: "host simulator stopped")
    }

    // MARK: Line

    private func accept(_ new: RawLineConnection) -> Int {
        if stopped {
            new.close()
            return -1
        }
        if let old = connection {
            logger.notice("\(name): a new connection replaces the open one")
            old.close()
            lineClosed(reason: "line replaced by a new connection")
        }
        connectionNumber += 1
        connection = new
        station = Self.makeStation(configuration)
        decoder = station.makeDecoder()
        wire = BasicModeWireBytes()
        logger.info("\(name): station's line connected from \(new.channel.remoteAddress.map { "\($0)" } ?? "?")")
        perform(station.start(now: .now()))
        return connectionNumber
    }

    private func lineEvent(_ event: RawLineEvent, connection number: Int) {
        guard number == connectionNumber, !stopped else { return }
        switch event {
        case .bytes(var bytes):
            // One instant per read: the control station recognises "the same transmission" by
            // equal `now`, so everything decoded from these bytes gets at most one answer.
            let now = NIODeadline.now()
            if capture != nil { wire.append(bytes) }
            defer { if capture != nil { wire.trim(decodedBy: decoder) } }
            while let output = decoder.decode(buffer: &bytes) {
                switch output {
                case .element(let element):
                    // As received; re-encoded only if the element outgrew the window.
                    if let capture, let recorded = wire.element(decodedBy: decoder) ?? (try? recordEncoder.bytes(element)) {
                        capture.record(recorded, line: configuration.number, fromTributary: true)
                    }
                case .error(let error):
                    // Not an element: logged, not recorded (the capture holds elements only).
                    logger.warning("\(name): \(error)")
                }
                perform(station.receive(output, now: now))
            }
        case .carrier:
            break  // the simulator's lines are TCP: no modem lines
        case .closed(let error):
            connection = nil
            logger.notice("\(name): line closed\(error.map { ": \($0)" } ?? "")")
            lineClosed(reason: "line closed")
        }
    }

    /// The station's line is gone: stop polling into it; the station is lost to the host.
    private func lineClosed(reason: String) {
        _ = station.stop()
        timer?.cancel()
        timer = nil
        if answering {
            answering = false
            logger.notice("\(name): station lost (\(reason))")
            journalRecorder.stationLost(reason: reason)
        }
    }

    private func perform(_ actions: [BasicModeControlStation<Int>.Action]) {
        var out = ByteBuffer()
        for action in actions {
            switch action {
            case .send(let element):
                do {
                    try encoder.encode(element, into: &out)
                    capture?.record(try recordEncoder.bytes(element), line: configuration.number, fromTributary: false)
                } catch {
                    logger.error("\(name): cannot encode \(element): \(error)")
                }
            case .received(_, let lu, let payload):
                journalRecorder.accepted(lu: lu, payload: payload)
            case .discarded(_, let reason):
                logger.warning("\(name): block acknowledged but not taken: \(reason)")
            case .delivered, .failed:
                break  // the simulator queues no host messages on BDLC lines
            case .stationAnswering:
                answering = true
                logger.info("\(name): station answers polls")
                journalRecorder.stationAnswering()
            case .stationSilent:
                answering = false
                logger.notice("\(name): station silent")
                journalRecorder.stationLost(reason: "\(configuration.retryLimit) polls unanswered")
            case .setTimer(let deadline):
                arm(deadline)
            }
        }
        if out.readableBytes > 0 { connection?.send(out) }
    }

    private func arm(_ deadline: NIODeadline) {
        guard !stopped, connection != nil else { return }
        timer?.cancel()
        let bound = NIOLoopBound(self, eventLoop: loop)
        timer = loop.scheduleTask(deadline: deadline) {
            let driver = bound.value
            driver.timer = nil
            driver.perform(driver.station.tick(now: .now()))
        }
    }
}
