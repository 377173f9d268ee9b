import Dialup
import NIOCore
import NetMgrCore

/// What the exchange simulator connects: numbered subscriber lines, each analogue (a modem
/// at the exchange) or ISDN (a basic-rate interface), each reached by its DTE over TCP,
/// plus the call set-up times.
public struct ExchangeConfiguration: Sendable {
    /// How the DTE side of a line is reached.
    public enum DTESide: Hashable, Sendable, CustomStringConvertible {
        /// The exchange listens and takes one DTE connection (the host simulator, an ISDN node).
        case listen(Endpoint)
        /// The exchange's modem connects to the DTE (the line switch's host port) and
        /// reconnects after every close (DTR drop).
        case connect(Endpoint)

        public var endpoint: Endpoint {
            switch self {
            case .listen(let endpoint), .connect(let endpoint): return endpoint
            }
        }

        public var description: String {
            switch self {
            case .listen(let endpoint): return "listen:\(endpoint)"
            case .connect(let endpoint): return "connect:\(endpoint)"
            }
        }

        /// `listen:HOST:PORT` or `connect:HOST:PORT`.
        public static func parse(_ text: String) -> Result<DTESide, ExchangeConfigurationError> {
            let lower = text.lowercased()
            for (prefix, make) in [("listen:", DTESide.listen), ("connect:", DTESide.connect)] where lower.hasPrefix(prefix) {
                switch Endpoint.parse(String(text.dropFirst(prefix.count))) {
                case .success(let endpoint): return .success(make(endpoint))
                case .failure(let error): return .failure(ExchangeConfigurationError("\"\(text)\": \(error); expected \(prefix)HOST:PORT"))
                }
            }
            return .failure(ExchangeConfigurationError("\"\(text)\" is not listen:HOST:PORT or connect:HOST:PORT"))
        }
    }

    public struct Line: Hashable, Sendable {
        public var number: String
        public var kind: ExchangeLineKind
        public var dte: DTESide
        /// Analogue lines: the modem's command set.
        public var dial: DialProtocol
        /// Where the line comes from, for messages (a definitions line name, "--analogue").
        public var origin: String
        /// A barred line: its DTE may connect but it never gets a dial tone (NO DIALTONE,
        /// cause 41) and calls to it are busy.
        public var outOfService = false

        public init(number: String, kind: ExchangeLineKind, dte: DTESide, dial: DialProtocol = .hayes, origin: String = "") {
            self.number = number
            self.kind = kind
            self.dte = dte
            self.dial = dial
            self.origin = origin
        }

        /// `NUMBER=listen:HOST:PORT` or `NUMBER=connect:HOST:PORT`, optionally `,dial=v25bis`
        /// and `,out-of-service`.
        public static func parse(_ text: String, kind: ExchangeLineKind) -> Result<Line, ExchangeConfigurationError> {
            guard let equals = text.firstIndex(of: "=") else {
                return .failure(ExchangeConfigurationError("\"\(text)\": expected NUMBER=listen:HOST:PORT or NUMBER=connect:HOST:PORT"))
            }
            let number = String(text[..<equals])
            guard !number.isEmpty, number.count <= 20, number.allSatisfy(\.isNumber) else {
                return .failure(ExchangeConfigurationError("\"\(text)\": \"\(number)\" is not a subscriber number (1 to 20 digits)"))
            }
            var parts = text[text.index(after: equals)...].split(separator: ",").map(String.init)
            guard !parts.isEmpty else { return .failure(ExchangeConfigurationError("\"\(text)\": no DTE side after =")) }
            let side: DTESide
            switch DTESide.parse(parts.removeFirst()) {
            case .success(let value): side = value
            case .failure(let error): return .failure(error)
            }
            var dial = DialProtocol.hayes
            var outOfService = false
            for part in parts {
                if part.lowercased() == "out-of-service" {
                    outOfService = true
                    continue
                }
                guard part.lowercased().hasPrefix("dial="), let value = DialProtocol(rawValue: String(part.dropFirst(5)).lowercased()) else {
                    return .failure(ExchangeConfigurationError("\"\(text)\": \"\(part)\" is not dial=hayes, dial=v25bis or out-of-service"))
                }
                dial = value
            }
            if kind == .isdn, case .connect = side {
                return .failure(ExchangeConfigurationError("\"\(text)\": an ISDN line's interface listens (listen:HOST:PORT)"))
            }
            var line = Line(number: number, kind: kind, dte: side, dial: dial, origin: kind == .isdn ? "--isdn" : "--analogue")
            line.outOfService = outOfService
            return .success(line)
        }
    }

    public var lines: [Line]
    public var settings: ExchangeCore.Settings
    /// Modem timings (ring cadence, escape guard time, CONNECT speed).
    public var modem: ModemEmulator.Configuration
    /// Between attempts of a `connect:` line's modem to reach its DTE.
    public var reconnectDelay: TimeAmount
    /// The host's lines whose dialogue and frames are recorded (what the host saw).
    public var capture: ExchangeCaptureConfiguration

    public init(
        lines: [Line], settings: ExchangeCore.Settings = .init(), modem: ModemEmulator.Configuration = .init(),
        reconnectDelay: TimeAmount = .milliseconds(100), capture: ExchangeCaptureConfiguration = .init()
    ) {
        self.lines = lines
        self.settings = settings
        self.modem = modem
        self.reconnectDelay = reconnectDelay
        self.capture = capture
    }

    /// No number or listening address twice; at least one line.
    public func validate() throws(ExchangeConfigurationError) {
        guard !lines.isEmpty else { throw ExchangeConfigurationError("no subscriber lines") }
        var numbers: [String: String] = [:]
        var listening: [Endpoint: String] = [:]
        for line in lines {
            if let other = numbers[line.number] {
                throw ExchangeConfigurationError("number \(line.number) is given twice: \(other) and \(line.origin)")
            }
            numbers[line.number] = line.origin
            if case .listen(let endpoint) = line.dte {
                if let other = listening[endpoint] { throw ExchangeConfigurationError("\(endpoint) listens for lines \(other) and \(line.number)") }
                listening[endpoint] = line.number
            }
        }
        for number in [capture.dialupLine, capture.isdnLine].compactMap({ $0 }) where numbers[number] == nil {
            throw ExchangeConfigurationError("the captured host line \(number) is not a line of the exchange")
        }
    }
}

/// Which host lines the exchange records, and where (pcapng; see `ExchangeCaptureRecorder`).
public struct ExchangeCaptureConfiguration: Hashable, Sendable {
    public var dialupPath: String?
    /// The host's analogue line (its number).
    public var dialupLine: String?
    public var isdnPath: String?
    /// The host's ISDN line (its number).
    public var isdnLine: String?

    public init(dialupPath: String? = nil, dialupLine: String? = nil, isdnPath: String? = nil, isdnLine: String? = nil) {
        self.dialupPath = dialupPath
        self.dialupLine = dialupLine
        self.isdnPath = isdnPath
        self.isdnLine = isdnLine
    }
}

/// An exchange configuration that cannot be used; the text says what and where.
public struct ExchangeConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension ExchangeConfiguration {
    /// The subscriber lines of a definition set: every `hdlc-public` line's own number (an
    /// analogue line whose modem connects to the line switch's host port for its unit, from
    /// `switchHostPorts`), every node's `isdn-number` on an `hdlc-isdn` line (listening at the
    /// node's `device`), and the host's numbers (`host: tel:N` of the resources: analogue on
    /// a public line, ISDN on an ISDN line) listening where `hostLines` says. Lines whose
    /// addresses are not given are left out and named in `skipped`.
    public static func lines(
        definitions: Definitions, switchHostPorts: [LineSwitchUnit: Endpoint], hostLines: [String: Endpoint]
    ) throws(ExchangeConfigurationError) -> (lines: [Line], skipped: [String]) {
        var lines: [Line] = []
        var skipped: [String] = []
        var seen: Set<String> = []
        func add(_ line: Line) {
            guard seen.insert(line.number).inserted else { return }
            lines.append(line)
        }
        for line in definitions.lines {
            let dial: DialProtocol = line.switched.dial == .v25bis ? .v25bis : .hayes
            switch line.procedure {
            case .hdlcPublic:
                guard let number = line.switched.number else {
                    throw ExchangeConfigurationError("line \(line.name) (hdlc-public) has no number")
                }
                guard let unit = line.switchUnit, let endpoint = switchHostPorts[unit] else {
                    skipped.append("line \(line.name) (\(number)): no --switch-host-port for \(line.switchUnit?.description ?? "its switch unit")")
                    continue
                }
                add(Line(number: number, kind: .analogue, dte: .connect(endpoint), dial: dial, origin: "line \(line.name)"))
            case .hdlcISDN:
                for node in definitions.cluster.nodes {
                    guard let facts = line.perNode[node.name], let number = facts.isdnNumber else { continue }
                    guard let device = facts.device, device.lowercased().hasPrefix("tcp:"),
                          case .success(let endpoint) = Endpoint.parse(String(device.dropFirst(4))) else {
                        throw ExchangeConfigurationError("line \(line.name), node \(node.name): device \"\(facts.device ?? "")\" is not tcp:HOST:PORT (the node's basic-rate interface at the exchange)")
                    }
                    add(Line(number: number, kind: .isdn, dte: .listen(endpoint), origin: "line \(line.name) node \(node.name)"))
                }
            default:
                continue
            }
        }
        for resource in definitions.resources {
            guard case .number(let number) = resource.host,
                  let line = definitions.lines.first(where: { $0.name == resource.line }), line.procedure.isSwitchedCall else { continue }
            guard let endpoint = hostLines[number] else {
                if !seen.contains(number) { skipped.append("host number \(number) (resource \(resource.name)): no --host-line for it") }
                continue
            }
            let kind: ExchangeLineKind = line.procedure == .hdlcISDN ? .isdn : .analogue
            add(Line(number: number, kind: kind, dte: .listen(endpoint), origin: "host of resource \(resource.name)"))
        }
        return (lines, skipped)
    }
}
