import Dialup
import NIOCore
import Testing

/// The dialer (DTE) against the emulator (DCE) with a scripted exchange between them: random
/// chunking of the bytes both ways, random delays, random call outcomes.
@Suite("Dialup: dialer against the modem emulator (property)")
struct DialerAgainstEmulatorTests {
    enum Ending: Equatable {
        case connected(String?)
        case failed(ModemResult?)
    }

    struct Run {
        var ending: Ending?
        var expected: Ending
        var description: String
    }

    static let outcomes: [ModemResult] = [.connect(speed: nil), .busy, .noAnswer, .noDialtone, .noCarrier, .error]

    static func simulate(seed: UInt64) -> Run {
        var random = TestRandom(seed: seed)
        let dialProtocol: DialProtocol = Bool.random(using: &random) ? .hayes : .v25bis
        let direction: DialDirection = Bool.random(using: &random) ? .callOut : .callIn
        let silentModem = Int.random(in: 0..<10, using: &random) == 0
        let outcome = outcomes.randomElement(using: &random) ?? .ok
        let answerRings = Int.random(in: 0...3, using: &random)
        let configuration = ModemDialer.Configuration(
            protocol: dialProtocol, direction: direction, number: "0300001111", answerAfterRings: answerRings,
            callerID: true, commandTimeout: .seconds(5), connectTimeout: .seconds(60))
        var dialer = ModemDialer(configuration: configuration)
        var modem = ModemEmulator(protocol: dialProtocol, configuration: .init(
            ringInterval: .milliseconds(Int64.random(in: 10...300, using: &random)), escapeGuardTime: .seconds(1)))
        let caller = "0312340001"

        // What the dialer must end with.
        let expected: Ending
        if silentModem && !(dialProtocol == .v25bis && direction == .callIn) {
            expected = .failed(nil)
        } else if silentModem {
            expected = .failed(nil)  // V.25bis call-in: no INC ever; the run's time limit ends it (checked below)
        } else if case .connect = outcome {
            expected = .connected(direction == .callIn ? caller : nil)
        } else if direction == .callIn {
            expected = .failed(dialProtocol == .hayes ? .noCarrier : .v25bisCallFailure("AB"))
        } else if dialProtocol == .hayes {
            expected = .failed(outcome == .noCarrier ? .noCarrier : outcome)
        } else {
            expected = .failed(.v25bisCallFailure(ModemResult.v25bisCallFailureCode(for: outcome)))
        }
        let description = "seed \(seed): \(dialProtocol) \(direction) outcome \(outcome) silent \(silentModem) S0=\(answerRings)"

        var now = t0
        var toModem: [UInt8] = []
        var toDTE: [UInt8] = []
        var modemHeard = ""
        var progressDue: (ModemResult, NIODeadline)? = nil
        var callPlaced = false
        var ending: Ending? = nil

        func takeChunk(_ queue: inout [UInt8], _ random: inout TestRandom) -> ByteBuffer {
            let count = Int.random(in: 1...max(1, queue.count), using: &random)
            defer { queue.removeFirst(count) }
            return ByteBuffer(bytes: queue.prefix(count))
        }

        var dialerActions = dialer.start(now: now)
        var modemActions: [ModemEmulator.Action] = []
        for _ in 0..<20_000 {
            for action in dialerActions {
                switch action {
                case .send(let bytes): toModem += bytes.readableBytesView
                case .connected(let number): ending = .connected(number)
                case .failed(let result, _): ending = .failed(result)
                case .dataModeBytes, .setTimer: break
                }
            }
            for action in modemActions {
                switch action {
                case .toDTE(let bytes): toDTE += bytes.readableBytesView
                case .dial(let number):
                    precondition(number == "0300001111", "dialled \(number)")
                    progressDue = (outcome, now + .milliseconds(Int64.random(in: 0...3000, using: &random)))
                case .answer:
                    progressDue = (outcome, now + .milliseconds(Int64.random(in: 0...3000, using: &random)))
                case .hangUp, .setTimer: break
                }
            }
            dialerActions = []
            modemActions = []
            if ending != nil { break }

            now = now + .milliseconds(Int64.random(in: 0...50, using: &random))
            switch Int.random(in: 0..<4, using: &random) {
            case 0 where !toModem.isEmpty:
                let chunk = takeChunk(&toModem, &random)
                if !silentModem {
                    modemHeard += String(decoding: chunk.readableBytesView, as: UTF8.self)
                    modemActions += modem.fromDTE(chunk, now: now)
                }
            case 1 where !toDTE.isEmpty:
                dialerActions += dialer.receive(takeChunk(&toDTE, &random), now: now)
            default:
                break
            }
            if let (result, due) = progressDue, now >= due {
                progressDue = nil
                modemActions += modem.callProgress(result, now: now)
            }
            // The call-in caller rings once the DTE has set the modem up and all is quiet.
            let setUp = dialProtocol == .v25bis || modemHeard.contains("ATS0=")
            if direction == .callIn, !callPlaced, !silentModem, setUp, toModem.isEmpty, toDTE.isEmpty {
                callPlaced = true
                modemActions += modem.incomingCall(from: caller, now: now)
            }
            dialerActions += dialer.tick(now: now)
            modemActions += modem.tick(now: now)
        }
        if ending == nil, silentModem, dialProtocol == .v25bis, direction == .callIn {
            ending = .failed(nil)  // waiting for a call that never comes has no deadline, by design
            #expect(dialer.nextDeadline == nil)
        }
        return Run(ending: ending, expected: expected, description: description)
    }

    @Test("500 seeded runs: the dialer always ends connected or failed with the result the modem gave")
    func randomRuns() {
        var endings: [String: Int] = [:]
        for seed in UInt64(1)...500 {
            let run = Self.simulate(seed: seed)
            #expect(run.ending == run.expected, "\(run.description): ended \(String(describing: run.ending))")
            endings["\(run.expected)", default: 0] += 1
        }
        // Not vacuous: connections and each kind of failure happened.
        #expect(endings["connected(nil)", default: 0] > 10)
        #expect(endings["connected(Optional(\"0312340001\"))", default: 0] > 10)
        #expect(endings["failed(nil)", default: 0] > 10)
        #expect(endings.count >= 8)
    }
}
