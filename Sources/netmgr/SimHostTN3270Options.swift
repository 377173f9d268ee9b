import ArgumentParser
import Logging
import NIOCore
import NetMgrCore
import NetMgrSimulators

/// `netmgr sim host`'s TN3270 side: where it listens, which LUs it has, how it behaves.
struct SimHostTN3270Options: ParsableArguments {
    @Option(help: ArgumentHelp("Where the TN3270 server listens; port 0 picks a free one (the ready line tells it).", valueName: "host:port"))
    var listen: String?

    @Option(help: ArgumentHelp("A definitions directory: each TnETOS resource's LUs, permitted from its VIP (own-address a VIP) or from every node's real address (own-address none).", valueName: "dir"))
    var definitions: String?

    @Option(name: .customLong("lu"), help: ArgumentHelp("An LU and the client addresses that may hold it; no '=' means any address. Repeatable; overrides the definitions for that LU.", valueName: "name[=addr[,addr...]]"))
    var lus: [String] = []

    @Flag(help: "Speak only basic TN3270 (RFC 1576): never offer TN3270E; the LU comes from the terminal type's @LU suffix (RFC 1646).")
    var basicOnly = false

    @Option(help: ArgumentHelp("Keep an LU busy (DEVICE-IN-USE) this long after its holder's connection closes.", valueName: "seconds"))
    var holdAfterClose: Double = 0

    @Option(help: ArgumentHelp("Probe a connection with IAC DO TIMING-MARK after this long without hearing from it.", valueName: "ms"))
    var probeInterval: Int?

    @Option(help: ArgumentHelp("Close a probed connection and free its LU when no answer came this long after the probe (default: the probe interval).", valueName: "ms"))
    var probeTimeout: Int?

    @Option(help: ArgumentHelp("Answer every Nth record that asks for a response with NEGATIVE-RESPONSE (for tests).", valueName: "n"))
    var rejectEvery: Int?

    @Option(help: ArgumentHelp("Send printer LUs (IBM-3287-*) an SCS print line this often.", valueName: "ms"))
    var printEvery: Int?

    @Flag(name: .customLong("print-3270"), help: "Send the print lines of --print-every as 3270 data (Erase/Write with start-printer, text, NL, EM: 3270-DATA) instead of SCS (SCS-DATA); basic TN3270 printer sessions get 3270 data either way.")
    var print3270 = false

    @Flag(help: "Send terminals a Read Partition Query right after the bind and take their next record as the Query Reply (input sent instead is lost, journaled as `lost`).")
    var queryAfterBind = false

    @Option(help: ArgumentHelp("Refuse every terminal at screen level: paint \"NO AVAILABLE 3270 DEVICES\" without giving the keyboard back and close this long after the bind.", valueName: "ms"))
    var rejectAtScreen: Int?

    @Option(help: ArgumentHelp("Refuse a basic TN3270 request for a busy LU at screen level, as Hercules does while a device is still held: negotiate, paint \"NO AVAILABLE 3270 DEVICES\" without giving the keyboard back and close this long after, instead of closing at once (journaled as a reject).", valueName: "ms"))
    var refuseHeldAtScreen: Int?

    @Option(help: ArgumentHelp("Also listen here for TN3270 over TLS from the first byte (the port-992 style); port 0 picks a free one (a second ready line, \"ready: tn3270-tls HOST:PORT\", tells it). Needs --tls-certificate and --tls-key.", valueName: "host:port"))
    var tlsListen: String?

    @Flag(help: "Offer telnet STARTTLS (IAC DO START_TLS, draft-altman-telnet-starttls) on --listen before the 3270 negotiation; a client that refuses goes on in plaintext. Needs --tls-certificate and --tls-key.")
    var starttls = false

    @Option(help: ArgumentHelp("The host's TLS certificate (PEM, chain with the leaf first).", valueName: "file"))
    var tlsCertificate: String?

    @Option(help: ArgumentHelp("The private key of --tls-certificate (PEM).", valueName: "file"))
    var tlsKey: String?

    @Option(help: ArgumentHelp("Require TLS clients to present a certificate that verifies against this CA (PEM).", valueName: "file"))
    var tlsClientCa: String?

    /// The parsed `--listen`, checked by `validate()`.
    var listenAddress: (host: String, port: Int)? { listen.flatMap(Self.parseListen) }

    /// The parsed `--lu` options, checked by `validate()`.
    var luSpecs: [TN3270HostLUSpec] { lus.compactMap { try? TN3270HostLUSpec(parsing: $0) } }

    /// Whether the TN3270 side runs at all (the command decides what is required).
    var isRequested: Bool { listen != nil }

    func validate() throws {
        guard let listen else {
            if !lus.isEmpty {
                throw ValidationError("--lu needs --listen HOST:PORT: where the TN3270 server listens.")
            }
            return
        }
        guard Self.parseListen(listen) != nil else {
            throw ValidationError("--listen \(listen): expected HOST:PORT with a port from 0 to 65535, e.g. 127.0.0.100:2323 or [::1]:0.")
        }
        for spec in lus {
            do {
                _ = try TN3270HostLUSpec(parsing: spec)
            } catch {
                throw ValidationError("--lu \(error)")
            }
        }
        guard definitions != nil || !lus.isEmpty else {
            throw ValidationError("No LUs: give --definitions DIR and/or --lu NAME[=ADDR,...].")
        }
        // Upper bounds keep the conversions to TimeAmount (nanoseconds in an Int64) from overflowing.
        guard holdAfterClose.isFinite, holdAfterClose >= 0, holdAfterClose <= 86_400 else {
            throw ValidationError("--hold-after-close \(holdAfterClose): expected seconds, 0 to 86400.")
        }
        if let probeInterval, !(1...86_400_000).contains(probeInterval) {
            throw ValidationError("--probe-interval \(probeInterval): expected milliseconds, 1 to 86400000.")
        }
        if let probeTimeout {
            guard probeInterval != nil else { throw ValidationError("--probe-timeout needs --probe-interval.") }
            guard (1...86_400_000).contains(probeTimeout) else { throw ValidationError("--probe-timeout \(probeTimeout): expected milliseconds, 1 to 86400000.") }
        }
        if let rejectEvery, rejectEvery < 1 {
            throw ValidationError("--reject-every \(rejectEvery): expected a count, 1 or more.")
        }
        if let rejectAtScreen, !(0...86_400_000).contains(rejectAtScreen) {
            throw ValidationError("--reject-at-screen \(rejectAtScreen): expected milliseconds, 0 to 86400000 (a day).")
        }
        if let refuseHeldAtScreen, !(0...86_400_000).contains(refuseHeldAtScreen) {
            throw ValidationError("--refuse-held-at-screen \(refuseHeldAtScreen): expected milliseconds, 0 to 86400000 (a day).")
        }
        if let printEvery, !(1...86_400_000).contains(printEvery) {
            throw ValidationError("--print-every \(printEvery): expected milliseconds, 1 to 86400000.")
        }
        try validateTLS()
    }

    private func validateTLS() throws {
        if let tlsListen, Self.parseListen(tlsListen) == nil {
            throw ValidationError("--tls-listen \(tlsListen): expected HOST:PORT with a port from 0 to 65535, e.g. 127.0.0.100:992.")
        }
        let wantsTLS = tlsListen != nil || starttls
        if wantsTLS, tlsCertificate == nil || tlsKey == nil {
            throw ValidationError("\(tlsListen != nil ? "--tls-listen" : "--starttls") needs the host's certificate and key: --tls-certificate FILE --tls-key FILE.")
        }
        if !wantsTLS, tlsCertificate != nil || tlsKey != nil || tlsClientCa != nil {
            throw ValidationError("--tls-certificate, --tls-key and --tls-client-ca need --tls-listen HOST:PORT and/or --starttls.")
        }
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-certificate and --tls-key go together.")
        }
    }

    /// The TLS side from `--tls-*` and `--starttls`; nil when neither listener speaks TLS.
    func tls() throws -> TN3270HostTLS? {
        guard tlsListen != nil || starttls, let tlsCertificate, let tlsKey else { return nil }
        let context = try TN3270HostTLS.context(certificatePath: tlsCertificate, keyPath: tlsKey, clientCAPath: tlsClientCa)
        let direct = tlsListen.flatMap(Self.parseListen)
        return TN3270HostTLS(context: context, directHost: direct?.host, directPort: direct?.port ?? 0, offersStartTLS: starttls)
    }

    /// `HOST:PORT` or `[V6]:PORT`, port 0-65535.
    static func parseListen(_ text: String) -> (host: String, port: Int)? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { return nil }
        return (String(host), port)
    }

    /// The LU map from the definitions and `--lu`.
    func luMap(definitions loaded: Definitions?) throws -> TN3270HostLUMap {
        var map = TN3270HostLUMap()
        if let loaded, let definitions {
            map = TN3270HostLUMap(definitions: loaded)
            if map.isEmpty, lus.isEmpty {
                printError("error: \(definitions) defines no LUs on TnETOS resources; nothing to serve")
                throw Exit.unreadable
            }
        }
        for spec in luSpecs { map.add(spec.entry) }
        return map
    }

    func configuration(definitions: Definitions?) throws -> TN3270HostConfiguration {
        guard let (host, port) = listenAddress else { throw ValidationError("Missing --listen HOST:PORT.") }
        var configuration = TN3270HostConfiguration(
            host: host,
            port: port,
            luMap: try luMap(definitions: definitions),
            offersTN3270E: !basicOnly,
            holdAfterClose: .nanoseconds(Int64(holdAfterClose * 1e9)),
            probe: probeInterval.map { .init(interval: .milliseconds(Int64($0)), timeout: .milliseconds(Int64(probeTimeout ?? $0))) },
            rejectEvery: rejectEvery,
            printEvery: printEvery.map { .milliseconds(Int64($0)) }
        )
        configuration.queryAfterBind = queryAfterBind
        configuration.print3270 = print3270
        configuration.screenRejectAfter = rejectAtScreen.map { .milliseconds(Int64($0)) }
        configuration.heldScreenRejectAfter = refuseHeldAtScreen.map { .milliseconds(Int64($0)) }
        do {
            configuration.tls = try tls()
        } catch {
            printError("error: \(error)")
            throw Exit.unreadable
        }
        return configuration
    }
}
