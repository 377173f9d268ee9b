import ArgumentParser
import Foundation
import NetMgrCore
import NetMgrVerify

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Prove from a capture whether the host saw the same terminal address after each failover.",
        discussion: """
            Reads a pcap or pcapng file (or - for standard input) made by anything: tcpdump, \
            Wireshark, `netmgr capture`, a line monitor's LINKTYPE_SDLC trace, the host simulator's \
            BDLC lines (LINKTYPE_USER0). On TCP/IP it follows every TN3270/TN3270E connection to a \
            host (hosts from --definitions, --host, or found by their negotiation); on SDLC every \
            station's links; on BDLC every station's polls, answers and text blocks. It splits each terminal's \
            traffic into episodes at every new bind and checks each boundary against the promise: \
            the definitions' ○/△ for the resource, else --expect, else it states the facts only.

            --html FILE also writes the report as one self-contained HTML page (summary, a \
            timeline per terminal, sortable tables), atomically: the whole file or none. While \
            it reads a capture file, progress is shown on standard error when that is a terminal.

            Exit codes: 0 every promise kept (or no failover seen, or facts only), 1 a promise \
            was broken, 2 the capture or definitions could not be read or are unsupported, 3 the \
            --html file could not be written (a place it cannot be created in is found before \
            the capture is read), 64 bad command line. \
            The --json schema is in docs/VERIFY.md.
            """
    )

    enum Expectation: String, ExpressibleByArgument, CaseIterable {
        case same
        case different
    }

    @Argument(help: ArgumentHelp("The capture file (pcap or pcapng), or - for standard input.", valueName: "capture"))
    var capture: String

    @Option(help: ArgumentHelp("Definitions directory: host endpoints, and the ○/△ promise of each resource.", valueName: "dir"))
    var definitions: String?

    @Option(name: .customLong("host"), help: ArgumentHelp("A host TN3270 endpoint ADDR:PORT (repeatable).", valueName: "addr:port"))
    var hosts: [String] = []

    @Option(help: ArgumentHelp("The promise for terminals the definitions do not describe: same (○) or different (△).", valueName: "same|different"))
    var expect: Expectation?

    @Flag(help: "Print the report as JSON (schema in docs/VERIFY.md).")
    var json = false

    @Option(help: ArgumentHelp("Also write the report as a self-contained HTML page to this file (written atomically).", valueName: "file"))
    var html: String?

    @Option(name: .customLong("link-silence"), help: ArgumentHelp("SDLC: a station silent for this many seconds has lost its link; BDLC: a station's stretch of activity ends.", valueName: "seconds"))
    var linkSilence: Double?

    @Flag(name: .customLong("no-discover"), help: "Only look at the hosts named by --definitions and --host; do not find others by their negotiation.")
    var noDiscover = false

    @Flag(name: .customLong("accept-truncated"), help: "Report what a truncated capture holds up to the cut instead of exiting 2.")
    var acceptTruncated = false

    func validate() throws {
        for host in hosts where VerifyOptions.parseHost(host) == nil {
            throw ValidationError("--host \(host): expected ADDR:PORT with an IP address literal, e.g. 127.0.0.100:2323 or [::1]:23")
        }
        if let linkSilence, !(linkSilence > 0 && linkSilence <= 86_400) {
            throw ValidationError("--link-silence \(linkSilence): expected a number of seconds above 0, at most 86400")
        }
        if noDiscover, hosts.isEmpty, definitions == nil {
            throw ValidationError("--no-discover needs --host or --definitions: otherwise there is no host to look at")
        }
    }

    func run() throws {
        var options = VerifyOptions(
            hosts: hosts.compactMap(VerifyOptions.parseHost), expect: expect.map { $0 == .same ? .same : .different },
            linkSilence: linkSilence.map { .nanoseconds(Int64($0 * 1e9)) }, discoverHosts: !noDiscover,
            acceptTruncated: acceptTruncated)
        if let definitions {
            options.definitions = try loadValidDefinitions(definitions, for: "netmgr verify")
            options.definitionsDirectory = definitions
        }
        // Made before the long read, so an unwritable place fails at once.
        var htmlFile: AtomicReportFile?
        if let html {
            do { htmlFile = try AtomicReportFile(path: html) } catch {
                printError("error: --html \(error)")
                throw Self.htmlNotWritten
            }
        }
        let report: VerificationReport
        let progress = Self.progress(for: capture)
        do {
            report = try Verifier(options: options).verify(path: capture, progress: progress)
            progress?.finish()
        } catch {
            progress?.finish()
            printError("error: \(error)")
            throw Exit.unreadable
        }
        var htmlFailed = false
        if let htmlFile {
            do { try htmlFile.commit(ReportHTML().render(report)) } catch {
                printError("error: --html \(error)")
                htmlFailed = true
            }
        }
        if json {
            let data = try report.jsonData()
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        } else {
            print(ReportRenderer().render(report))
        }
        if htmlFailed { throw Self.htmlNotWritten }
        if report.summary.exitCode != 0 { throw ExitCode(report.summary.exitCode) }
    }

    /// The --html file could not be written.
    static let htmlNotWritten = ExitCode(3)

    /// A progress line on standard error, when it is a terminal and the capture a file.
    static func progress(for capture: String) -> VerifyProgressPrinter? {
        var st = stat()
        let size: Int64? = capture != "-" && stat(capture, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int64(st.st_size) : nil
        guard VerifyProgress.isWanted(stderrIsTerminal: isatty(STDERR_FILENO) == 1, capturePath: capture, fileSize: size), let size else { return nil }
        return VerifyProgressPrinter(totalBytes: size)
    }
}
