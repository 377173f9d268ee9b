import Foundation
import Logging
import NIOCore
import NetMgrCore
import SDLC

/// The line switch's state and byte moving, confined to its event loop. Port and control
/// handlers call in; nothing here blocks except the monitor's per-frame file flush.
final class LineSwitchCore {
    enum PortRole: Hashable, CustomStringConvertible {
        case host(line: Int)
        case node(line: Int, name: String)

        var line: Int {
            switch self {
            case .host(let line), .node(let line, _): return line
            }
        }

        var description: String {
            switch self {
            case .host: return "host side"
            case .node(_, let name): return "node \(name)"
            }
        }
    }

    struct LineState {
        var configuration: LineSwitchConfiguration.Line
        var host: (any Channel)?
        var nodes: [String: any Channel] = [:]
        var framesFromHost = 0
        var framesToHost = 0
        var bytesDropped = 0
        /// A public line between DTR drop and the modem's reconnection: what the connected node
        /// sent meanwhile (its first AT commands), delivered when the modem side is back.
        var heldForHost = ByteBuffer()
    }

    /// At most this much node → host data is held while a public line's modem side reconnects
    /// (a few command lines; more is dropped and counted).
    static let maximumHeldForHost = 4096

    let logger: Logger
    let monitor: LineMonitor
    private(set) var board: LineSwitchBoard
    private(set) var lines: [LineState]
    private var byUnit: [LineSwitchUnit: Int] = [:]
    /// Checks SWITCH requests when the switch has a key; nil: any SWITCH is obeyed.
    private var authenticator: LineSwitchAuthenticator?
    /// Unix seconds, for the authenticator's replay window.
    private let clock: @Sendable () -> Int64
    private var warnedUnverified = false

    init(configuration: LineSwitchConfiguration, monitor: LineMonitor, logger: Logger,
         authenticator: LineSwitchAuthenticator? = nil, clock: @escaping @Sendable () -> Int64 = LineSwitchCore.unixSeconds) {
        self.logger = logger
        self.monitor = monitor
        self.authenticator = authenticator
        self.clock = clock
        lines = configuration.lines.map { LineState(configuration: $0) }
        var nodes: [LineSwitchUnit: [String]] = [:]
        for (index, line) in configuration.lines.enumerated() {
            nodes[line.unit] = line.nodePorts.map(\.node)
            byUnit[line.unit] = index
        }
        board = LineSwitchBoard(nodes: nodes)
    }

    // MARK: Ports

    func connected(_ role: PortRole, channel: any Channel) {
        let unit = lines[role.line].configuration.unit
        let previous: (any Channel)?
        switch role {
        case .host(let line):
            previous = lines[line].host
            lines[line].host = channel
            if lines[line].heldForHost.readableBytes > 0 {
                let held = lines[line].heldForHost
                lines[line].heldForHost = ByteBuffer()
                channel.writeAndFlush(held, promise: nil)
            }
        case .node(let line, let name):
            previous = lines[line].nodes[name]
            lines[line].nodes[name] = channel
        }
        // One cable per port: a new connection replaces a half-dead old one.
        if let previous, previous !== channel {
            logger.info("\(unit) \(role): new connection from \(channel.remoteAddress?.description ?? "?") replaces the old one")
            previous.close(promise: nil)
        } else {
            logger.info("\(unit) \(role): connected from \(channel.remoteAddress?.description ?? "?")")
        }
    }

    func disconnected(_ role: PortRole, channel: any Channel) {
        let unit = lines[role.line].configuration.unit
        switch role {
        case .host(let line):
            guard lines[line].host === channel else { return }
            lines[line].host = nil
            if lines[line].configuration.procedure == .hdlcPublic {
                monitor.restart(line: line, direction: .fromHost)
                monitor.restart(line: line, direction: .toHost)
            }
        case .node(let line, let name):
            guard lines[line].nodes[name] === channel else { return }
            lines[line].nodes[name] = nil
            if board.position(of: unit)?.node == name { dropDataTerminalReady(line: line, because: "node \(name) closed its port") }
        }
        logger.info("\(unit) \(role): disconnected")
    }

    /// A public (dial-up) line: the modem cable's DTR follows the node connected through
    /// the switch. When that node goes away (its port closes, or the line is switched away
    /// from a node whose port is still up), the host side's connection is closed, which is
    /// DTR dropping for the exchange's modem: it hangs up the call and reconnects in command
    /// mode for the next node. Other procedures keep the host side connected.
    private func dropDataTerminalReady(line: Int, because reason: String) {
        guard lines[line].configuration.procedure == .hdlcPublic, let host = lines[line].host else { return }
        logger.notice("\(lines[line].configuration.unit): DTR drop to the modem (\(reason)); closing the host side")
        lines[line].host = nil
        lines[line].heldForHost.clear()
        monitor.restart(line: line, direction: .fromHost)
        monitor.restart(line: line, direction: .toHost)
        host.close(promise: nil)
    }

    func received(_ bytes: ByteBuffer, from role: PortRole) {
        switch role {
        case .host(let line):
            lines[line].framesFromHost += monitor.observe(bytes, line: line, direction: .fromHost)
            let unit = lines[line].configuration.unit
            if let node = board.position(of: unit)?.node, let channel = lines[line].nodes[node] {
                channel.writeAndFlush(bytes, promise: nil)
            }
        case .node(let line, let name):
            let unit = lines[line].configuration.unit
            guard board.position(of: unit)?.node == name else {
                lines[line].bytesDropped += bytes.readableBytes  // an unplugged cable
                return
            }
            lines[line].framesToHost += monitor.observe(bytes, line: line, direction: .toHost)
            if let host = lines[line].host {
                host.writeAndFlush(bytes, promise: nil)
            } else if lines[line].configuration.procedure == .hdlcPublic,
                      lines[line].heldForHost.readableBytes + bytes.readableBytes <= Self.maximumHeldForHost {
                // The modem is reconnecting after DTR dropped: a real modem cable would carry
                // these bytes; hold them rather than lose the new node's first command.
                var bytes = bytes
                lines[line].heldForHost.writeBuffer(&bytes)
            } else {
                lines[line].bytesDropped += bytes.readableBytes
            }
        }
    }

    // MARK: Control

    @Sendable static func unixSeconds() -> Int64 { Int64(Date().timeIntervalSince1970.rounded(.down)) }

    /// Answers one control request line; `close` asks to end the control connection.
    /// `peer` names where it came from, for the log.
    func control(_ text: String, from peer: String = "local") -> (reply: [String], close: Bool) {
        let parsed: LineSwitchControlRequest
        switch LineSwitchControlRequest.parseSigned(text) {
        case .failure(let error):
            logger.notice("control from \(peer): \"\(text)\": \(error)")
            return ([error.reply], false)
        case .success((let request, let signature)):
            parsed = request
            if case .switchLine(let unit, let node, let epoch) = request {
                if authenticator != nil {
                    if case .failure(let error) = authenticator!.verify(unit: unit, node: node, epoch: epoch, signature: signature, now: clock()) {
                        logger.warning("control from \(peer): SWITCH \(unit) \(node) EPOCH \(epoch) refused: \(error)")
                        return ([error.reply], false)
                    }
                } else if signature != nil, !warnedUnverified {
                    warnedUnverified = true
                    logger.warning("control from \(peer): SWITCH carries a MAC but this switch has no key; obeying it unverified (give the switch the key)")
                }
            }
        }
        switch parsed {
        case .status:
            let statuses = status()
            return (statuses.map(\.line) + ["OK \(statuses.count) line(s)"], false)
        case .help:
            return ([
                "HELP SWITCH \"COMn Unitm Linek\" NODE EPOCH n  connect the line's host side to NODE",
                "HELP   ... TIME t NONCE n MAC m  HMAC-SHA256 authentication, \(authenticator == nil ? "not required here" : "required here") (docs/LINE-SWITCH.md)",
                "HELP STATUS  one LINE reply per line",
                "HELP QUIT    close this connection",
                "OK",
            ], false)
        case .quit:
            return (["OK bye"], true)
        case .switchLine(let unit, let node, let epoch):
            switch board.switchLine(unit, to: node, epoch: epoch) {
            case .failure(let error):
                logger.warning("control from \(peer): SWITCH \(unit) \(node) EPOCH \(epoch) refused: \(error)")
                return ([error.reply], false)
            case .success(.unchanged):
                return (["OK \"\(unit)\" \(node) EPOCH \(epoch) unchanged"], false)
            case .success(.switched(let previous, let previousEpoch)):
                if let line = byUnit[unit] {
                    monitor.restart(line: line, direction: .toHost)
                    lines[line].heldForHost.clear()  // held for the previous node's call
                    // DTR was up from the previous node only if its cable is still plugged in.
                    if let previous, lines[line].nodes[previous] != nil {
                        dropDataTerminalReady(line: line, because: "switched from \(previous) to \(node)")
                    }
                }
                logger.notice("\(unit) switched to \(node) (epoch \(epoch); was \(previous ?? "no node"), epoch \(previousEpoch)) by \(peer)\(authenticator == nil ? "" : ", authenticated")")
                return (["OK \"\(unit)\" \(node) EPOCH \(epoch) was \(previous ?? "-") EPOCH \(previousEpoch)"], false)
            }
        }
    }

    func status() -> [LineSwitchStatus] {
        lines.map { line in
            let unit = line.configuration.unit
            let position = board.position(of: unit)
            let nodes = line.configuration.nodePorts.map(\.node)
            return LineSwitchStatus(
                unit: unit, node: position?.node, epoch: position?.epoch ?? 0, switches: position?.switches ?? 0,
                hostConnected: line.host != nil, nodesConnected: nodes.filter { line.nodes[$0] != nil }, nodes: nodes,
                framesFromHost: line.framesFromHost, framesToHost: line.framesToHost, bytesDropped: line.bytesDropped)
        }
    }

    func closeAll() {
        for line in lines {
            line.host?.close(promise: nil)
            for channel in line.nodes.values { channel.close(promise: nil) }
        }
        monitor.close()
    }
}
