import ArgumentParser
import LineTransport
import NIOCore
import NetMgrCore

/// The host simulator's SDLC options, an option group of `netmgr sim host`. Every name starts with `--sdlc-` so it never
/// clashes with the TN3270 side's options. Station and LUs come from the definitions when
/// the command has them, and the explicit options override.
public struct SDLCHostOptions: ParsableArguments {
    @Option(name: .customLong("sdlc-line"), help: ArgumentHelp(
        "A line to drive as SDLC primary: its switch unit and the line switch's host-side port. Repeatable.",
        valueName: "\"COMn Unitm Linek\"=tcp:HOST:PORT"))
    public var lines: [String] = []

    @Option(name: .customLong("sdlc-station"), help: ArgumentHelp(
        "The station address to poll, 1-254 (0xC1 or 193); default: the line's station-address.", valueName: "address"))
    public var station: String?

    @Option(name: .customLong("sdlc-lu"), help: ArgumentHelp(
        "An LU local address to activate, with its name for the journal. Repeatable; default: the LUs of the line's resources.",
        valueName: "address[=NAME]"))
    public var logicalUnits: [String] = []

    @Option(name: .customLong("sdlc-poll-ms"), help: "Milliseconds between polls when idle.")
    public var pollMilliseconds: Int = 50

    @Option(name: .customLong("sdlc-reply-timeout-ms"), help: "T1: milliseconds to wait for the station's final response.")
    public var replyTimeoutMilliseconds: Int = 300

    @Flag(name: .customLong("sdlc-lu2-screens"), help: "Act as an LU 2 (3270) application: write a screen with an input field after each BIND/SDT and after each input.")
    public var writesScreens = false

    public init() {}

    public var isEnabled: Bool { !lines.isEmpty }

    public func validate() throws {
        do {
            _ = try parsedLines()
            _ = try parsedStation()
            _ = try parsedLogicalUnits()
        } catch {
            throw ValidationError(error.description)
        }
        guard (1...60_000).contains(pollMilliseconds) else { throw ValidationError("--sdlc-poll-ms \(pollMilliseconds): expected 1 to 60000") }
        guard (1...60_000).contains(replyTimeoutMilliseconds) else {
            throw ValidationError("--sdlc-reply-timeout-ms \(replyTimeoutMilliseconds): expected 1 to 60000")
        }
    }

    /// The lines to drive. Without definitions, `--sdlc-station` and `--sdlc-lu` are required.
    public func links(definitions: Definitions?) throws(SDLCHostOptionsError) -> [SDLCHostLinkConfiguration] {
        let explicitStation = try parsedStation()
        let explicitLUs = try parsedLogicalUnits()
        var links: [SDLCHostLinkConfiguration] = []
        for (unit, device) in try parsedLines() {
            var station = explicitStation
            var lus = explicitLUs
            if let definitions {
                guard let line = definitions.lines.first(where: { $0.switchUnit == unit }) else {
                    throw SDLCHostOptionsError("--sdlc-line \"\(unit)\": no line in the definitions has switch: \(unit)")
                }
                guard line.procedure == .hdlcLeased else {
                    throw SDLCHostOptionsError("--sdlc-line \"\(unit)\": line \(line.name) is \(line.procedure.rawValue), not hdlc-leased")
                }
                station = station ?? line.stationAddress
                if lus.isEmpty {
                    let resources = definitions.resources.filter { $0.line == line.name }.map(\.name)
                    lus = definitions.lus.filter { resources.contains($0.resource) }
                        .sorted { $0.address < $1.address }
                        .map { (address: $0.address, name: Optional($0.hostLUName)) }
                }
            }
            guard let station else {
                throw SDLCHostOptionsError("--sdlc-line \"\(unit)\": no station address; give --sdlc-station or --definitions")
            }
            guard !lus.isEmpty else {
                throw SDLCHostOptionsError("--sdlc-line \"\(unit)\": no LUs to activate; give --sdlc-lu ADDRESS=NAME or --definitions")
            }
            var link = SDLCHostLinkConfiguration(line: unit.description, device: device, stationAddress: station, logicalUnits: lus)
            link.pollInterval = .milliseconds(Int64(pollMilliseconds))
            link.replyTimeout = .milliseconds(Int64(replyTimeoutMilliseconds))
            link.writesScreens = writesScreens
            links.append(link)
        }
        return links
    }

    func parsedLines() throws(SDLCHostOptionsError) -> [(LineSwitchUnit, LineDevice)] {
        var result: [(LineSwitchUnit, LineDevice)] = []
        for text in lines {
            guard let equals = text.lastIndex(of: "=") else {
                throw SDLCHostOptionsError("--sdlc-line \(text): expected \"COMn Unitm Linek\"=tcp:HOST:PORT")
            }
            let unitText = String(text[..<equals])
            guard let unit = LineSwitchUnit(parsing: unitText) else {
                throw SDLCHostOptionsError("--sdlc-line \(text): \"\(unitText)\" is not a line switch unit; expected COMn Unitm Linek")
            }
            var deviceText = String(text[text.index(after: equals)...])
            // HOST:PORT alone means tcp:; a real port (tty:, hdlc:) is taken as it is.
            if !["tcp:", "tty:", "hdlc:"].contains(where: deviceText.lowercased().hasPrefix), !deviceText.hasPrefix("/") { deviceText = "tcp:" + deviceText }
            do {
                result.append((unit, try LineDevice.parse(device: deviceText)))
            } catch {
                throw SDLCHostOptionsError("--sdlc-line \(text): \(error)")
            }
            if result.dropLast().contains(where: { $0.0 == unit }) {
                throw SDLCHostOptionsError("--sdlc-line \"\(unit)\" is given twice")
            }
        }
        return result
    }

    func parsedStation() throws(SDLCHostOptionsError) -> UInt8? {
        guard let station else { return nil }
        guard let value = Self.parseByte(station), (1...254).contains(value) else {
            throw SDLCHostOptionsError("--sdlc-station \(station): expected a station address from 1 to 254, e.g. 0xC1")
        }
        return value
    }

    func parsedLogicalUnits() throws(SDLCHostOptionsError) -> [(address: UInt8, name: String?)] {
        var result: [(address: UInt8, name: String?)] = []
        for text in logicalUnits {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard let first = parts.first, let address = Self.parseByte(first), (1...254).contains(address) else {
                throw SDLCHostOptionsError("--sdlc-lu \(text): expected an LU local address from 1 to 254, optionally =NAME")
            }
            guard !result.contains(where: { $0.address == address }) else {
                throw SDLCHostOptionsError("--sdlc-lu \(text): LU address \(address) is given twice")
            }
            result.append((address, parts.count > 1 ? parts[1] : nil))
        }
        return result
    }

    static func parseByte(_ text: String) -> UInt8? {
        let lower = text.lowercased()
        if lower.hasPrefix("0x") { return UInt8(lower.dropFirst(2), radix: 16) }
        return UInt8(lower)
    }
}

/// SDLC host options that cannot be used; the text names the option and what is expected.
public struct SDLCHostOptionsError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
