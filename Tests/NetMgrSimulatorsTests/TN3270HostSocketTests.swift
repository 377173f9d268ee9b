import NIOCore
import NetMgrSimulators
import TN3270
import Testing

/// The host over real loopback sockets, with `TN3270ClientStateMachine` terminals bound to
/// the addresses the cluster would use: the VIP 127.0.0.10, node A 127.0.0.11, node B 127.0.0.12.
@Suite("TN3270 host over loopback sockets")
struct TN3270HostSocketTests {
    static let vip = "127.0.0.10"
    static let nodeA = "127.0.0.11"
    static let nodeB = "127.0.0.12"

    static let luMap = TN3270HostLUMap(entries: [
        .init(name: "VIPLU01", permittedClients: [vip], kind: .terminal),
        .init(name: "VIPLU02", permittedClients: [vip], kind: .terminal),
        .init(name: "REALLU01", permittedClients: [nodeA, nodeB], kind: .terminal),
        .init(name: "PRT01", permittedClients: nil, kind: .printer),
    ])

    static func configuration(_ change: (inout TN3270HostConfiguration) -> Void = { _ in }) -> TN3270HostConfiguration {
        var configuration = TN3270HostConfiguration(host: "127.0.0.100", port: 0, luMap: luMap)
        change(&configuration)
        return configuration
    }

    static func connect(
        _ host: TN3270HostTestHarness, from source: String, lu: String?, basic: Bool = false, deviceType: String = "IBM-3278-2"
    ) async throws -> TN3270HostTestClient {
        try await TN3270HostTestClient.connect(
            to: host.address, from: source,
            configuration: TN3270ClientConfiguration(luName: lu, deviceType: deviceType, allowsTN3270E: !basic))
    }

    /// What an application would type: AID Enter, cursor address, some text.
    static func input(_ text: String) -> [UInt8] {
        [0x7D, 0x40, 0x40] + Array(text.utf8)
    }

    // MARK: - Granting

    @Test func specificLUGrantedInTN3270E() async throws {
        try await withTN3270Host(Self.configuration()) { host in
            let client = try await Self.connect(host, from: Self.vip, lu: "VIPLU01")
            let binding = try await client.bound()
            #expect(binding == TN3270Binding(
                dialect: .tn3270e, luName: "VIPLU01", requestedLUName: "VIPLU01", deviceType: "IBM-3278-2", functions: [.responses]))

            let bind = try await host.entry(.bind)
            #expect(bind.path == "tn3270")
            #expect(bind.lu == "VIPLU01")
            #expect(bind.client == Self.vip)
            #expect(bind.clientPort == client.port)
            #expect(bind.dialect == "tn3270e")
            #expect(bind.deviceType == "IBM-3278-2")
            #expect(bind.reason == nil)

            // The greeting: Erase/Write that gives the keyboard back and names the LU.
            let greeting = try await client.records(count: 1)[0]
            #expect(greeting.header?.dataType == .data3270)
            #expect(greeting.data.readableBytesView.first == 0xF5)
            #expect(greeting.restoresKeyboard)
            #expect(greeting.data.readableBytesView.firstRange(of: [0xE5, 0xC9, 0xD7, 0xD3, 0xE4, 0xF0, 0xF1]) != nil)  // "VIPLU01"
            let sent = try await host.entry(.sent)
            #expect(sent.reason == "greeting" && sent.sequence == 0 && sent.length == greeting.data.readableBytes)
            #expect(sent.digest == journalDigest(greeting.data.readableBytesView))

            try await client.close()
            let unbind = try await host.entry(.unbind)
            #expect(unbind.lu == "VIPLU01" && unbind.reason == "closed" && unbind.clientPort == client.port)
        }
    }

    @Test(arguments: [true, false])
    func specificLUGrantedInBasicTN3270(basicOnlyHost: Bool) async throws {
        // A basic-only host, or a TN3270E host and a client that refuses TN3270E.
        try await withTN3270Host(Self.configuration { $0.offersTN3270E = !basicOnlyHost }) { host in
            let client = try await Self.connect(host, from: Self.nodeB, lu: "REALLU01", basic: !basicOnlyHost)
            let binding = try await client.bound()
            #expect(binding == TN3270Binding(dialect: .tn3270, luName: "REALLU01", requestedLUName: "REALLU01", deviceType: "IBM-3278-2"))
            let bind = try await host.entry(.bind)
            #expect(bind.lu == "REALLU01" && bind.dialect == "tn3270" && bind.client == Self.nodeB && bind.clientPort == client.port)
            let greeting = try await client.records(count: 1)[0]
            #expect(greeting.header == nil && greeting.restoresKeyboard)
        }
    }

    @Test func genericRequestGetsAPoolLUAndTheJournalSaysWhich() async throws {
        try await withTN3270Host(Self.configuration()) { host in
            let first = try await Self.connect(host, from: Self.vip, lu: nil)
            #expect(try await first.bound().luName == "VIPLU01")
            let second = try await Self.connect(host, from: Self.vip, lu: nil)
            #expect(try await second.bound().luName == "VIPLU02")
            let fromNode = try await Self.connect(host, from: Self.nodeA, lu: nil)
            #expect(try await fromNode.bound().luName == "REALLU01")

            let bind = try await host.entry(.bind) { $0.clientPort == second.port }
            #expect(bind.lu == "VIPLU02")
            #expect(bind.reason == "generic request: the pool chose VIPLU02")

            // The VIP's terminals are used up.
            let third = try await Self.connect(host, from: Self.vip, lu: nil)
            #expect(try await third.rejected() == .deviceInUse)
        }
    }

    // MARK: - Refusals

    @Test func deviceInUseWhileHeldThenGrantedAfterTheHolderCloses() async throws {
        try await withTN3270Host(Self.configuration()) { host in
            let holder = try await Self.connect(host, from: Self.vip, lu: "VIPLU01")
            _ = try await holder.bound()

            let waiting = try await Self.connect(host, from: Self.vip, lu: "VIPLU01")
            #expect(try await waiting.rejected() == .deviceInUse)
            let reject = try await host.entry(.reject)
            #expect(reject.lu == "VIPLU01" && reject.client == Self.vip && reject.clientPort == waiting.port && reject.dialect == "tn3270e")
            #expect(reject.reason == "DEVICE-IN-USE: LU VIPLU01 is held by a live connection from \(Self.vip):\(holder.port)")

            try await holder.close()
            try await host.entry(.unbind) { $0.clientPort == holder.port }
            // RFC 2355 lets the client ask again on the same connection.
            try await waiting.retry(luName: "VIPLU01")
            #expect(try await waiting.bound().luName == "VIPLU01")
            let bind = try await host.entry(.bind) { $0.clientPort == waiting.port }
            #expect(bind.lu == "VIPLU01")
        }
    }

    @Test func basicTN3270RefusalIsACloseJournaledAsAReject() async throws {
        try await withTN3270Host(Self.configuration { $0.offersTN3270E = false }) { host in
            let holder = try await Self.connect(host, from: Self.vip, lu: "VIPLU01")
            _ = try await holder.bound()
            let refused = try await Self.connect(host, from: Self.vip, lu: "VIPLU01")
            #expect(try await refused.closed() == .closedBeforeBound(.basicOptions))
            let reject = try await host.entry(.reject)
            #expect(reject.dialect == "tn3270" && reject.lu == "VIPLU01" && reject.clientPort == refused.port)
            #expect(reject.reason?.hasPrefix("DEVICE-IN-USE: ") == true)
        }
    }

    @Test func invalidNameForUnknownLUsAndForClientsNotPermitted() async throws {
        try await withTN3270Host(Self.configuration()) { host in
            // The VIP's LU asked for from node A's real address: the host saw a different terminal.
            let fromNode = try await Self.connect(host, from: Self.nodeA, lu: "VIPLU01")
            #expect(try await fromNode.rejected() == .invalidName)
            let notPermitted = try await host.entry(.reject) { $0.clientPort == fromNode.port }
            #expect(notPermitted.client == Self.nodeA)
            #expect(notPermitted.reason == "INV-NAME: LU VIPLU01 is not permitted for client 127.0.0.11")

            let unknown = try await Self.connect(host, from: Self.vip, lu: "NOSUCH")
            #expect(try await unknown.rejected() == .invalidName)
            let notDefined = try await host.entry(.reject) { $0.clientPort == unknown.port }
            #expect(notDefined.reason == "INV-NAME: LU NOSUCH is not defined on this host")

            // The same LU from the VIP is fine.
            let fromVIP = try await Self.connect(host, from: Self.vip, lu: "VIPLU01")
            #expect(try await fromVIP.bound().luName == "VIPLU01")
        }
    }

    // MARK: - Holding like real hosts

    @Test func holdAfterCloseKeepsTheLUBusyThenFreesIt() async throws {
        // Long enough that a loaded CI machine still makes the early attempt inside it (2 s was
        // not, in a full run with the TLS suites: the early connect came after the hold).
        let hold = Duration.seconds(6)
        try await withTN3270Host(Self.configuration { $0.holdAfterClose = .seconds(6) }) { host in
            let holder = try await Self.connect(host, from: Self.vip, lu: "VIPLU01")
            _ = try await holder.bound()
            // Stamped before the close: the host's hold starts when it sees the close, later.
            let closedAt = ContinuousClock.now
            try await holder.close()
            try await host.entry(.unbind) { $0.clientPort == holder.port && $0.reason == "closed" }

            let early = try await Self.connect(host, from: Self.vip, lu: "VIPLU01")
            #expect(try await early.rejected() == .deviceInUse)
            let reject = try await host.entry(.reject) { $0.clientPort == early.port }
            #expect(reject.reason?.contains("after its connection from \(Self.vip):\(holder.port) closed") == true)

            // The host says when the hold ran out; from then on the LU is granted.
            _ = try await host.logs.first("hold expiry") { $0.contains("LU VIPLU01 is free: its hold after close ran out") }
            #expect(ContinuousClock.now - closedAt >= hold - .milliseconds(50))
            try await early.retry(luName: "VIPLU01")
            #expect(try await early.bound().luName == "VIPLU01")
        }
    }

    @Test func aSilentClientIsFoundByProbingAndItsLUFreed() async throws {
        // The live client must answer each probe within the timeout also when the whole
        // suite keeps both cores busy: 300 ms was too short there.
        let probe = TN3270HostConfiguration.Probe(interval: .milliseconds(200), timeout: .milliseconds(1_000))
        try await withTN3270Host(Self.configuration { $0.probe = probe; $0.holdAfterClose = .seconds(60) }) { host in
            let live = try await Self.connect(host, from: Self.vip, lu: "VIPLU02")
            _ = try await live.bound()
            let vanishing = try await Self.connect(host, from: Self.vip, lu: "VIPLU01")
            _ = try await vanishing.bound()
            _ = try await vanishing.records(count: 1)  // the greeting: from here on it hears nothing
            try await vanishing.goSilent()
            let silentSince = ContinuousClock.now

            let unbind = try await host.entry(.unbind, timeout: .seconds(5)) { $0.lu == "VIPLU01" }
            #expect(unbind.reason == "probe-timeout")
            #expect(unbind.clientPort == vanishing.port)
            // Bounded: one interval of silence, one probe timeout, plus scheduling slack on a
            // machine the whole suite keeps busy (the 60 s hold after close is what it beats).
            #expect(ContinuousClock.now - silentSince < .milliseconds(1_200 + 5_000))
            let why = try await host.logs.first("probe log line") { $0.contains("\(Self.vip):\(vanishing.port)") && $0.contains("TIMING-MARK") }
            #expect(why.hasPrefix("notice"))

            // The live client answered its probes and keeps its LU; the dead one's LU is
            // free at once, although closes hold LUs for 60 s here.
            #expect(!host.journal.all.contains { $0.event == .unbind && $0.lu == "VIPLU02" })
            let successor = try await Self.connect(host, from: Self.vip, lu: "VIPLU01")
            #expect(try await successor.bound().luName == "VIPLU01")
            let sequence = try await live.send(Self.input("STILL HERE"))
            #expect(try await live.response(to: sequence!).isPositive)

            // A socket that connects and never says a word is closed the same way.
            let mute = try await TN3270HostTestClient.connect(to: host.address, from: Self.nodeB, configuration: .init(luName: nil), raw: true)
            #expect(try await mute.closed(timeout: .seconds(5)) == .closedBeforeBound(.initial))
        }
    }

    // MARK: - Data

    @Test func recordsGetPositiveResponsesAndJournaledMessages() async throws {
        try await withTN3270Host(Self.configuration()) { host in
            let client = try await Self.connect(host, from: Self.vip, lu: "VIPLU01")
            _ = try await client.bound()
            let messages = ["ONE", "TWO", "THREE"].map(Self.input)
            for (index, message) in messages.enumerated() {
                let sequence = try await client.send(message)
                #expect(sequence == UInt16(index))
                let response = try await client.response(to: UInt16(index))
                #expect(response.outcome == .positive)
            }
            for (index, message) in messages.enumerated() {
                let entry = try await host.entry(.message) { $0.sequence == index }
                #expect(entry.path == "tn3270")
                #expect(entry.lu == "VIPLU01" && entry.client == Self.vip && entry.clientPort == client.port && entry.dialect == "tn3270e")
                #expect(entry.digest == journalDigest(message))
                #expect(entry.length == message.count)
            }
            // Only the greeting: responses carry the acceptance, not extra writes.
            #expect(client.records.count == 1)
        }
    }

    @Test func rejectEveryAnswersEveryNthRecordNegatively() async throws {
        try await withTN3270Host(Self.configuration { $0.rejectEvery = 2 }) { host in
            let client = try await Self.connect(host, from: Self.vip, lu: "VIPLU01")
            _ = try await client.bound()
            var outcomes: [TN3270Response.Outcome] = []
            for index in 0..<4 {
                let sequence = try await client.send(Self.input("MSG\(index)"))
                outcomes.append(try await client.response(to: sequence!).outcome)
            }
            let negative = TN3270Response.Outcome.negative(sense: TN3270ESense.commandReject)
            #expect(outcomes == [.positive, negative, .positive, negative])
            // Only accepted messages are journaled.
            _ = try await host.entry(.message) { $0.sequence == 2 }
            #expect(host.journal.all.filter { $0.event == .message }.map(\.sequence) == [0, 2])
        }
    }

    @Test func basicTN3270InputIsAcceptedWithAKeyboardRestoringWrite() async throws {
        try await withTN3270Host(Self.configuration { $0.offersTN3270E = false }) { host in
            let client = try await Self.connect(host, from: Self.vip, lu: "VIPLU01")
            _ = try await client.bound()
            _ = try await client.records(count: 1)  // the greeting, as a terminal waits for it
            let messages = [Self.input("FIRST"), Self.input("SECOND")]
            for (index, message) in messages.enumerated() {
                #expect(try await client.send(message) == nil)
                let answers = try await client.records(count: index + 2)
                let answer = answers[index + 1]
                #expect(answer.header == nil)
                #expect(answer.data.readableBytesView.first == 0xF1)  // Write
                #expect(answer.restoresKeyboard)
            }
            for (index, message) in messages.enumerated() {
                let entry = try await host.entry(.message) { $0.sequence == index }
                #expect(entry.dialect == "tn3270" && entry.digest == journalDigest(message) && entry.length == message.count)
            }
        }
    }

    @Test func printerLUsGetSCSPrintLines() async throws {
        try await withTN3270Host(Self.configuration { $0.printEvery = .milliseconds(100) }) { host in
            let printer = try await Self.connect(host, from: Self.nodeA, lu: "PRT01", deviceType: "IBM-3287-1")
            _ = try await printer.bound()
            let records = try await printer.records(count: 3)
            #expect(records.dropFirst().allSatisfy { $0.header?.dataType == .scsData && $0.data.readableBytesView.last == 0x15 })
            let sent = try await host.entry(.sent) { $0.reason == "print" && $0.sequence == 2 }
            #expect(sent.lu == "PRT01" && sent.digest == journalDigest(records[2].data.readableBytesView))
            // Terminals get no print lines.
            let terminal = try await Self.connect(host, from: Self.vip, lu: "VIPLU01")
            _ = try await terminal.bound()
            _ = try await host.entry(.sent) { $0.reason == "print" && $0.sequence == 4 }
            #expect(!host.journal.all.contains { $0.event == .sent && $0.reason == "print" && $0.lu == "VIPLU01" })
        }
    }

    /// `--print-3270`: the same lines as 3270 data (LU type 3 printing), Erase/Write with start-printer.
    @Test func printerLUsGet3270PrintRecordsWhenAsked() async throws {
        try await withTN3270Host(Self.configuration { $0.printEvery = .milliseconds(100); $0.print3270 = true }) { host in
            let printer = try await Self.connect(host, from: Self.nodeA, lu: "PRT01", deviceType: "IBM-3287-1")
            _ = try await printer.bound()
            let records = try await printer.records(count: 3)
            for record in records.dropFirst() {
                let bytes = Array(record.data.readableBytesView)
                #expect(record.header?.dataType == .data3270)
                #expect(bytes.first == TN3270DataStream.Command.eraseWrite.snaCode && bytes.suffix(2) == [0x15, 0x19])
                #expect(bytes.count > 1 && TN3270DataStream.WriteControl.startPrinter.rawValue & Self.wccBits(bytes[1]) != 0)
            }
        }
    }

    /// The 6 WCC bits of a wire WCC byte (the code table keeps them in the low 6 bits).
    static func wccBits(_ byte: UInt8) -> UInt8 { byte & 0x3F }

    // MARK: - Bad input

    @Test func badInputClosesOnlyThatConnectionWithAReason() async throws {
        try await withTN3270Host(Self.configuration { $0.maximumRecordLength = 4096 }) { host in
            let bystander = try await Self.connect(host, from: Self.vip, lu: "VIPLU01")
            _ = try await bystander.bound()

            // A record before any negotiation.
            let early = try await TN3270HostTestClient.connect(to: host.address, from: Self.nodeB, configuration: .init(luName: nil), raw: true)
            try await early.writeRaw(Array("GET / HTTP/1.0\r\n\r\n".utf8) + [255, 239])
            try await early.closed()
            let earlyWhy = try await host.logs.first("garbage log line") { $0.hasPrefix("notice") && $0.contains("\(Self.nodeB):\(early.port)") }
            #expect(earlyWhy.contains("before any LU was bound"))

            // A malformed TN3270E sub-negotiation (an unknown command byte).
            let malformed = try await TN3270HostTestClient.connect(to: host.address, from: Self.nodeB, configuration: .init(luName: nil), raw: true)
            try await malformed.writeRaw([255, 251, 40, 255, 250, 40, 0x99, 255, 240])
            try await malformed.closed()
            _ = try await host.logs.first("sub-negotiation log line") { $0.hasPrefix("notice") && $0.contains("\(Self.nodeB):\(malformed.port)") }

            // A record longer than the host takes.
            let oversized = try await Self.connect(host, from: Self.nodeA, lu: "REALLU01")
            _ = try await oversized.bound()
            try await oversized.send([UInt8](repeating: 0x40, count: 5000))
            try await oversized.closed()
            let unbind = try await host.entry(.unbind) { $0.lu == "REALLU01" }
            #expect(unbind.reason == "protocol-error")
            let tooLong = try await host.logs.first("oversized log line") { $0.contains("\(Self.nodeA):\(oversized.port)") && $0.contains("longer than 4096") }
            #expect(tooLong.contains("REALLU01"))

            // Nobody else noticed.
            let sequence = try await bystander.send(Self.input("UNAFFECTED"))
            #expect(try await bystander.response(to: sequence!).isPositive)
            #expect(!host.journal.all.contains { $0.event == .unbind && $0.lu == "VIPLU01" })
        }
    }

    // MARK: - Shutdown and the journal file

    @Test func gracefulShutdownUnbindsEveryLUAndTheFileMatches() async throws {
        let host = try await TN3270HostTestHarness.start(Self.configuration())
        let first = try await Self.connect(host, from: Self.vip, lu: "VIPLU01")
        _ = try await first.bound()
        let second = try await Self.connect(host, from: Self.nodeA, lu: nil)
        _ = try await second.bound()
        let refused = try await Self.connect(host, from: Self.nodeA, lu: "VIPLU02")
        _ = try await refused.rejected()
        let sequence = try await first.send(Self.input("BEFORE SHUTDOWN"))
        _ = try await first.response(to: sequence!)

        try await host.stop()
        #expect(try await first.closed() == .closedAfterBound(try await first.bound()))
        try await second.closed()
        let unbinds = host.journal.all.filter { $0.event == .unbind }
        #expect(Set(unbinds.compactMap(\.lu)) == ["VIPLU01", "REALLU01"])
        #expect(unbinds.allSatisfy { $0.reason == "shutdown" })

        // The file holds exactly what the host reported, in order.
        let file = try host.journalFile()
        #expect(file == host.journal.all)
        #expect(file.map(\.event) == [.bind, .sent, .bind, .sent, .reject, .message, .unbind, .unbind])
    }
}
