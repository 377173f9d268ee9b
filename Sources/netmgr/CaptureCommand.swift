#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Dispatch
import PacketCapture

struct CaptureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Capture host traffic to a pcap file for `netmgr verify`.",
        discussion: """
            Captures on one interface (immediate mode) through a BPF filter into a classic pcap \
            file until Ctrl-C (SIGINT), SIGTERM, --duration or --count, then reports the packets \
            captured and dropped. The file appears under its name when the capture ends \
            (written as FILE.tmp until then).

            Exit codes: 0 captured, 2 the capture could not start or failed (unknown interface, \
            bad filter, no permission: needs root or CAP_NET_RAW), 64 bad command line.
            """
    )

    @Option(name: [.short, .long], help: ArgumentHelp("Interface to capture on (lo, eth0, any).", valueName: "name"))
    var interface: String

    @Option(name: [.short, .long], help: ArgumentHelp("BPF filter, e.g. 'tcp port 2323'.", valueName: "expression"))
    var filter: String?

    @Option(name: [.short, .long], help: ArgumentHelp("The pcap file to write.", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("Stop after this long: seconds, or with a unit (500ms, 30s, 5m, 1h).", valueName: "time"))
    var duration: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Stop after this many packets.", valueName: "n"))
    var count: Int?

    @Option(help: ArgumentHelp("Bytes kept of each packet.", valueName: "bytes"))
    var snaplen: Int = 65_535

    // libpcap's ring holds buffer ÷ snaplen packets; its 2 MiB default drops the burst of a
    // failover's logons (thousands of negotiations within milliseconds).
    @Option(help: ArgumentHelp("Kernel capture buffer in MiB.", valueName: "mib"))
    var bufferSize: Int = 32

    // The testbed verifies the capture after every fault, while it grows.
    @Flag(help: "Write straight to the file and flush after every packet, so it can be read while the capture runs (default: a .tmp file renamed at the end).")
    var live = false

    func validate() throws {
        if let duration, Self.parseDuration(duration) == nil {
            throw ValidationError("--duration \(duration): expected seconds or a number with ms, s, m or h, up to a year, e.g. 30s")
        }
        if let count, count < 1 { throw ValidationError("--count \(count): expected at least 1") }
        if snaplen < 64 { throw ValidationError("--snaplen \(snaplen): expected at least 64 bytes") }
        if !(1...4096).contains(bufferSize) { throw ValidationError("--buffer-size \(bufferSize): expected 1 to 4096 MiB") }
        if output.isEmpty || output == "-" { throw ValidationError("--output: give a file name (the capture is written as pcap)") }
    }

    func run() async throws {
        let configuration = LiveCapture.Configuration(
            interface: interface, snapshotLength: snaplen, filter: filter, bufferSize: bufferSize << 20, packetLimit: count,
            duration: duration.flatMap(Self.parseDuration))
        // Signals become events on a dispatch source, so the stop runs as ordinary code.
        // A parent may have handed down a mask blocking them (Foundation's Process does):
        // unblock them here, or Ctrl-C would never arrive.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        let running: RunningLiveCapture
        do {
            running = try await LiveCapture.start(configuration, writeTo: output, writerOptions: live ? .lineMonitor : .init())
        } catch {
            printError("error: \(error)")
            throw Exit.unreadable
        }
        let stoppedBy = SignalName()
        // libdispatch installs its handler when a source is registered, which happens
        // after resume() returns; until then the signals stay ignored. Announce the
        // capture only once both are registered, so a Ctrl-C after the message counts.
        var sources: [any DispatchSourceSignal] = []
        await withCheckedContinuation { (registered: CheckedContinuation<Void, Never>) in
            let pending = RegistrationCountdown(2) { registered.resume() }
            sources = [SIGINT, SIGTERM].map { number in
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    stoppedBy.set(number == SIGINT ? "SIGINT" : "SIGTERM")
                    running.stop()
                }
                source.setRegistrationHandler { pending.done() }
                source.resume()
                return source
            }
        }
        defer { sources.forEach { $0.cancel() } }
        printError("netmgr capture: capturing on \(interface)\(filter.map { " (filter: \($0))" } ?? "") into \(output); stop with Ctrl-C")

        let statistics: LiveCapture.Statistics
        do {
            statistics = try await running.statistics()
        } catch {
            printError("error: \(error)")
            throw Exit.unreadable
        }
        let reason: String
        switch statistics.stopReason {
        case .stopRequested: reason = stoppedBy.get() ?? "a stop request"
        case .packetLimit: reason = "--count \(count ?? 0)"
        case .duration: reason = "--duration \(duration ?? "")"
        }
        print("\(statistics.packetsCaptured) packet\(statistics.packetsCaptured == 1 ? "" : "s") captured into \(output) "
            + "(\(statistics.dropped) dropped by the kernel buffer, \(statistics.interfaceDropped) by the interface); stopped by \(reason)")
    }

    /// "30", "1.5", "500ms", "30s", "5m", "1h".
    static func parseDuration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(text)
        var scale = 1.0
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            scale = factor
            break
        }
        // At most a year: nanoseconds of it fit an Int64 with room to spare.
        guard let value = Double(number), value > 0, value * scale <= 366 * 86_400 else { return nil }
        return .nanoseconds(Int64(value * scale * 1e9))
    }
}
