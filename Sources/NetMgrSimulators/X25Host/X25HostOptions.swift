import ArgumentParser
import LineTransport
import NIOCore
import NetMgrAddresses
import NetMgrCore

/// The host simulator's X.25 options, an option group of `netmgr sim host`; every name
/// starts with `--x25-`. The terminal the host accepts on each line (calling DTE address,
/// XID node id, LUs) and the host's own DTE address come from the definitions.
public struct X25HostOptions: ParsableArguments {
    @Option(name: .customLong("x25-line"), help: ArgumentHelp(
        "An hdlc-packet access line to serve as the X.25 network and host: its switch unit and the line switch's host-side port. Repeatable; needs --definitions.",
        valueName: "\"COMn Unitm Linek\"=tcp:HOST:PORT"))
    public var lines: [String] = []

    @Option(name: .customLong("xot"), help: ArgumentHelp(
        "Listen for X.25 over TCP (RFC 1613) here, as a router in front of the host; serves the hdlc-packet lines whose devices are xot:. Needs --definitions.",
        valueName: "HOST:PORT"))
    public var xot: String?

    @Option(name: .customLong("x25-t1-ms"), help: "LAPB T1 of the network side, milliseconds.")
    public var t1Milliseconds: Int = 300

    @Flag(name: .customLong("x25-lu2-screens"), help: "Act as an LU 2 (3270) application: write a screen with an input field after each BIND/SDT and after each input.")
    public var writesScreens = false

    public init() {}

    public var isEnabled: Bool { !lines.isEmpty || xot != nil }

    public func validate() throws {
        if let xot, case .failure = Endpoint.parse(xot) { throw ValidationError("--xot \(xot): expected HOST:PORT") }
        guard (10...60_000).contains(t1Milliseconds) else { throw ValidationError("--x25-t1-ms \(t1Milliseconds): expected 10 to 60000") }
        do {
            _ = try parsedLines()
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The lines to serve, each with the terminal its host accepts.
    public func links(definitions: Definitions?) throws(X25HostOptionsError) -> [X25HostLinkConfiguration] {
        let parsed = try parsedLines()
        guard !parsed.isEmpty else { return [] }
        guard !parsed.isEmpty else { return [] }
        guard let definitions else {
            throw X25HostOptionsError("--x25-line needs --definitions: the host accepts only the calling DTE address, node id and LUs defined there")
        }
        var links: [X25HostLinkConfiguration] = []
        for (unit, device) in parsed {
            guard let line = definitions.lines.first(where: { $0.switchUnit == unit }) else {
                throw X25HostOptionsError("--x25-line \"\(unit)\": no line in the definitions has switch: \(unit)")
            }
            var link = try Self.link(line: line, name: unit.description, device: device, definitions: definitions, t1: .milliseconds(Int64(t1Milliseconds)))
            link.expectation.writesScreens = writesScreens
            links.append(link)
        }
        return links
    }

    /// The XOT listener and the terminals that may call over it: every hdlc-packet line whose
    /// devices are all xot:.
    public func xotListener(definitions: Definitions?) throws(X25HostOptionsError) -> (endpoint: Endpoint, links: [X25HostLinkConfiguration])? {
        guard let xot else { return nil }
        guard case .success(let endpoint) = Endpoint.parse(xot) else { throw X25HostOptionsError("--xot \(xot): expected HOST:PORT") }
        guard let definitions else { throw X25HostOptionsError("--xot needs --definitions: the host accepts only the calling DTE addresses defined there") }
        var links: [X25HostLinkConfiguration] = []
        for line in definitions.lines where line.procedure == .hdlcPacket && line.isXOTOnly {
            links.append(try Self.link(line: line, name: line.name, device: .xot(host: endpoint.host, port: endpoint.port), definitions: definitions,
                                       t1: .milliseconds(Int64(t1Milliseconds))))
        }
        guard !links.isEmpty else { throw X25HostOptionsError("--xot \(xot): no hdlc-packet line in the definitions has xot: devices") }
        return (endpoint, links)
    }

    /// One line's host configuration from the definitions.
    public static func link(line: Line, name: String, device: LineDevice, definitions: Definitions, t1: TimeAmount) throws(X25HostOptionsError) -> X25HostLinkConfiguration {
        guard line.procedure == .hdlcPacket else {
            throw X25HostOptionsError("line \(line.name) is \(line.procedure.rawValue), not hdlc-packet")
        }
        guard let callingText = line.x25.dteAddress, let calling = X121Address(parsing: callingText) else {
            throw X25HostOptionsError("line \(line.name) has no dte-address")
        }
        guard let nodeID = line.nodeID else { throw X25HostOptionsError("line \(line.name) has no node-id") }
        let resources = definitions.resources.filter { $0.line == line.name }
        guard let resource = resources.first, case .dte(let hostText) = resource.host, let host = X121Address(parsing: hostText) else {
            throw X25HostOptionsError("line \(line.name): no resource with host: dte:DIGITS uses it")
        }
        let lus = definitions.lus.filter { lu in resources.contains { $0.name == lu.resource } }.sorted { $0.address < $1.address }
        guard !lus.isEmpty else { throw X25HostOptionsError("line \(line.name): no LUs are defined for its resources") }
        var link = X25HostLinkConfiguration(
            line: name, device: device, hostAddress: host,
            expectation: X25HostSession.Expectation(calling: calling, nodeID: nodeID, logicalUnits: lus.map(\.address)))
        link.luNames = Dictionary(lus.map { ($0.address, $0.hostLUName) }, uniquingKeysWith: { first, _ in first })
        link.packetSize = line.x25.packetSize
        link.packetWindow = line.x25.packetWindow
        link.lapbN2 = line.x25.lapbN2
        link.lapbWindow = line.x25.lapbWindow
        link.lapbT1 = t1
        return link
    }

    func parsedLines() throws(X25HostOptionsError) -> [(LineSwitchUnit, LineDevice)] {
        var result: [(LineSwitchUnit, LineDevice)] = []
        for text in lines {
            guard let equals = text.lastIndex(of: "=") else {
                throw X25HostOptionsError("--x25-line \(text): expected \"COMn Unitm Linek\"=tcp:HOST:PORT")
            }
            let unitText = String(text[..<equals])
            guard let unit = LineSwitchUnit(parsing: unitText) else {
                throw X25HostOptionsError("--x25-line \(text): \"\(unitText)\" is not a line switch unit; expected COMn Unitm Linek")
            }
            var deviceText = String(text[text.index(after: equals)...])
            if !deviceText.lowercased().hasPrefix("tcp:") { deviceText = "tcp:" + deviceText }
            let device: LineDevice
            do {
                device = try LineDevice.parse(device: deviceText)
            } catch {
                throw X25HostOptionsError("--x25-line \(text): \(error)")
            }
            guard case .tcp = device else { throw X25HostOptionsError("--x25-line \(text): expected tcp:HOST:PORT") }
            if result.contains(where: { $0.0 == unit }) { throw X25HostOptionsError("--x25-line \"\(unit)\" is given twice") }
            result.append((unit, device))
        }
        return result
    }
}

/// X.25 host options that cannot be used; the text names the option and what is expected.
public struct X25HostOptionsError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
