import BasicMode
import LineTransport
import Logging
import NIOCore
import NIOPosix

/// Runs one `BDLCHostControlStation` on the host's end of one node's BDLC line: listens
/// where the node's device points, takes the node's connection (a newer one replaces an
/// older: the node came back), decodes the character stream, feeds elements and timer ticks
/// to the machine, sends its elements, journals and records them. Confined to `loop`.
final class BDLCHostLineDriver {
    let configuration: BDLCHostLineConfiguration
    let loop: any EventLoop
    let logger: Logger
    let journalRecorder: BDLCHostJournalRecorder
    let capture: (any BDLCElementRecording)?
    /// Called for every block the host accepted (tests watch the line this way).
    var onAccepted: ((BasicModeTextBlock) -> Void)?

    private var station: BDLCHostControlStation
    private let encoder: BasicModeEncoder
    /// Re-encodes received elements for the capture, without SYNs.
    private let recordEncoder: BasicModeEncoder
    private var decoder: BasicModeDecoder
    private var server: (any Channel)?
    private var connection: RawLineConnection?
    private var connectionNumber = 0
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var stopped = false

    init(configuration: BDLCHostLineConfiguration, loop: any EventLoop, journal: HostJournal?, capture: (any BDLCElementRecording)?, logger: Logger) {
        self.configuration = configuration
        self.loop = loop
        self.logger = logger
        self.capture = capture
        self.journalRecorder = BDLCHostJournalRecorder(configuration: configuration, journal: journal)
        self.station = BDLCHostControlStation(
            station: configuration.stationAddress, pollInterval: configuration.pollInterval,
            replyTimeout: configuration.replyTimeout, retryLimit: configuration.retryLimit)
        self.encoder = BasicModeEncoder(coding: configuration.coding)
        self.recordEncoder = BasicModeEncoder(coding: configuration.coding, synchronousIdles: 0)
        self.decoder = BasicModeDecoder(coding: configuration.coding)
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
    }

    func stop() {
        loop.assertInEventLoop()
        stopped = true
        timer?.cancel()
        timer = nil
        server?.close(promise: nil)
        connection?.close()
        connection = nil
        perform(station.lineClosed())
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
            perform(station.lineClosed())
        }
        connectionNumber += 1
        connection = new
        decoder = BasicModeDecoder(coding: configuration.coding)
        logger.info("\(name): station's line connected from \(new.channel.remoteAddress.map { "\($0)" } ?? "?")")
        perform(station.lineOpened(now: .now()))
        return connectionNumber
    }

    private func lineEvent(_ event: RawLineEvent, connection number: Int) {
        guard number == connectionNumber, !stopped else { return }
        switch event {
        case .bytes(var bytes):
            while let output = decoder.decode(buffer: &bytes) {
                switch output {
                case .element(let element):
                    if let recorded = try? recordEncoder.bytes(element) {
                        capture?.record(recorded, line: configuration.number, fromTributary: true)
                    }
                    perform(station.receive(element, now: .now()))
                case .error(let error):
                    logger.warning("\(name): \(error)")
                }
            }
        case .closed(let error):
            connection = nil
            logger.notice("\(name): line closed\(error.map { ": \($0)" } ?? "")")
            perform(station.lineClosed())
        }
    }

    private func perform(_ actions: [BDLCHostControlStation.Action]) {
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
            case .accepted(let block):
                journalRecorder.accepted(block)
                onAccepted?(block)
            case .stationAnswering:
                logger.info("\(name): station answers polls")
                journalRecorder.stationAnswering()
            case .stationLost(let reason):
                logger.notice("\(name): station lost (\(reason))")
                journalRecorder.stationLost(reason: reason)
            case .protocolError(let text):
                logger.warning("\(name): \(text)")
            }
        }
        if out.readableBytes > 0 { connection?.send(out) }
        armTimer()
    }

    private func armTimer() {
        guard !stopped, let deadline = station.nextDeadline else {
            timer?.cancel()
            timer = nil
            timerDeadline = nil
            return
        }
        if timer != nil, timerDeadline == deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        let bound = NIOLoopBound(self, eventLoop: loop)
        timer = loop.scheduleTask(deadline: deadline) {
            let driver = bound.value
            driver.timer = nil
            driver.timerDeadline = nil
            driver.perform(driver.station.tick(now: .now()))
        }
    }
}
