import NIOCore
import SDLC
import Testing

@Suite("SNA chain assembly")
struct SNAChainAssemblerTests {
    @Test func onlyInChainIsCompleteAtOnce() {
        var chain = SNAChainAssembler(limit: 100)
        #expect(chain.add(buffer([1, 2, 3]), beginChain: true, endChain: true) == .complete(buffer([1, 2, 3])))
        #expect(!chain.isInChain)
    }

    @Test func firstMiddleLastAreJoined() {
        var chain = SNAChainAssembler(limit: 100)
        #expect(chain.add(buffer([0xF5, 0xC3]), beginChain: true, endChain: false) == .incomplete)
        #expect(chain.isInChain)
        #expect(chain.add(buffer([0x11, 0x40]), beginChain: false, endChain: false) == .incomplete)
        #expect(chain.add(buffer([0x40]), beginChain: false, endChain: true) == .complete(buffer([0xF5, 0xC3, 0x11, 0x40, 0x40])))
        #expect(!chain.isInChain)
    }

    @Test func middleWithoutBeginIsAChainingErrorAndItsChainIsDroppedQuietly() {
        var chain = SNAChainAssembler(limit: 100)
        guard case .rejected(let sense, _) = chain.add(buffer([1]), beginChain: false, endChain: false) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(sense == .chainingError)
        #expect(chain.add(buffer([2]), beginChain: false, endChain: false) == .discarded)
        #expect(chain.add(buffer([3]), beginChain: false, endChain: true) == .discarded)
        #expect(chain.add(buffer([4]), beginChain: true, endChain: true) == .complete(buffer([4])))
    }

    @Test func beginInsideAChainDropsBoth() {
        var chain = SNAChainAssembler(limit: 100)
        _ = chain.add(buffer([1]), beginChain: true, endChain: false)
        guard case .rejected(.chainingError, let why) = chain.add(buffer([2]), beginChain: true, endChain: false) else {
            Issue.record("expected a chaining error")
            return
        }
        #expect(why.contains("inside a chain of 1 RU"))
        #expect(chain.add(buffer([3]), beginChain: false, endChain: true) == .discarded)
        #expect(chain.add(buffer([5]), beginChain: true, endChain: true) == .complete(buffer([5])))
    }

    @Test func chainsLongerThanTheLimitAreRefused() {
        var chain = SNAChainAssembler(limit: 4)
        _ = chain.add(buffer([1, 2]), beginChain: true, endChain: false)
        #expect(chain.add(buffer([3, 4]), beginChain: false, endChain: false) == .incomplete)
        guard case .rejected(.requestUnitLengthError, _) = chain.add(buffer([5]), beginChain: false, endChain: false) else {
            Issue.record("expected an RU length error")
            return
        }
        #expect(chain.add(buffer([6]), beginChain: false, endChain: true) == .discarded)
        guard case .rejected(.requestUnitLengthError, _) = chain.add(buffer([1, 2, 3, 4, 5]), beginChain: true, endChain: true) else {
            Issue.record("expected an RU length error for one long RU")
            return
        }
        #expect(chain.add(buffer([1, 2, 3, 4]), beginChain: true, endChain: true) == .complete(buffer([1, 2, 3, 4])))
    }

    /// Random RU sequences (well-formed chains, stray middles, restarts, long chains) against
    /// a model: every well-formed chain within the limit comes out whole and once, in order;
    /// everything else is rejected once per broken chain and the rest discarded.
    @Test func randomSequencesMatchTheModel() {
        for seed in UInt64(1)...300 {
            var random = TestRandom(seed: seed)
            let limit = Int.random(in: 1...40, using: &random)
            var chain = SNAChainAssembler(limit: limit)
            // The model: nil idle, [] discarding marker via a flag, bytes while assembling.
            var assembling: [UInt8]?
            var discarding = false
            var counter: UInt8 = 0
            for step in 0..<200 {
                let begin = Bool.random(using: &random)
                let end = Int.random(in: 0..<3, using: &random) == 0
                let length = Int.random(in: 0...12, using: &random)
                let ru = (0..<length).map { _ in counter &+= 1; return counter }
                let outcome = chain.add(buffer(ru), beginChain: begin, endChain: end)
                let expected: String
                if begin {
                    if assembling != nil {
                        expected = "rejected"
                        assembling = nil
                        discarding = !end
                    } else if ru.count > limit {
                        expected = "rejected"
                        discarding = !end
                    } else if end {
                        expected = "complete"
                        discarding = false
                        #expect(outcome == .complete(buffer(ru)), "seed \(seed) step \(step)")
                    } else {
                        expected = "incomplete"
                        assembling = ru
                        discarding = false
                    }
                } else if var bytes = assembling {
                    if bytes.count + ru.count > limit {
                        expected = "rejected"
                        assembling = nil
                        discarding = !end
                    } else {
                        bytes += ru
                        if end {
                            expected = "complete"
                            #expect(outcome == .complete(buffer(bytes)), "seed \(seed) step \(step)")
                            assembling = nil
                        } else {
                            expected = "incomplete"
                            assembling = bytes
                        }
                    }
                } else if discarding {
                    expected = "discarded"
                    if end { discarding = false }
                } else {
                    expected = "rejected"
                    discarding = !end
                }
                #expect(Self.kind(outcome) == expected, "seed \(seed) step \(step): \(outcome)")
                #expect(chain.isInChain == (assembling != nil), "seed \(seed) step \(step)")
            }
        }
    }

    static func kind(_ outcome: SNAChainAssembler.Outcome) -> String {
        switch outcome {
        case .incomplete: "incomplete"
        case .complete: "complete"
        case .rejected: "rejected"
        case .discarded: "discarded"
        }
    }

    // MARK: The PU delivers chains whole

    private func request(_ category: SNARUCategory, to daf: UInt8, from oaf: UInt8, sequence: UInt16, _ ru: [UInt8],
                         begin: Bool = true, end: Bool = true, definite: Bool = true) -> ByteBuffer {
        var piu = SNAPathInformationUnit.request(category, destination: daf, origin: oaf, sequenceNumber: sequence, ru: buffer(ru), definiteResponse: definite)
        piu.requestResponseHeader.beginChain = begin
        piu.requestResponseHeader.endChain = end
        if !definite { piu.requestResponseHeader.exceptionResponse = true; piu.requestResponseHeader.definiteResponse1 = true }
        return piu.bytes
    }

    private func boundPU() -> PU2StateMachine {
        var pu = PU2StateMachine(configuration: .init(localAddresses: [2], maximumChainLength: 16))
        _ = pu.receive(request(.sessionControl, to: 0, from: 0, sequence: 1, [0x11, 0x01, 0x01]))
        _ = pu.receive(request(.sessionControl, to: 2, from: 0, sequence: 1, [0x0D, 0x01, 0x01]))
        _ = pu.receive(request(.sessionControl, to: 2, from: 1, sequence: 1, [0x31, 0x01, 0x03, 0x03]))
        return pu
    }

    private func responses(_ actions: [PU2StateMachine.Action]) -> [SNAPathInformationUnit] {
        actions.compactMap { if case .send(let bytes) = $0 { try? SNAPathInformationUnit(parsing: bytes) } else { nil } }
    }

    @Test func aDefiniteResponseChainIsOneMessageAnsweredOnItsLastRU() {
        var pu = boundPU()
        let first = pu.receive(request(.functionManagementData, to: 2, from: 1, sequence: 2, [0xF5, 0xC3], end: false, definite: false))
        let middle = pu.receive(request(.functionManagementData, to: 2, from: 1, sequence: 3, [0x1D, 0x60], begin: false, end: false, definite: false))
        let last = pu.receive(request(.functionManagementData, to: 2, from: 1, sequence: 4, [0xC1], begin: false, end: true))
        #expect(first.isEmpty && middle.isEmpty, "exception-response RUs get no positive response")
        #expect(last.contains(.dataReceived(lu: 2, sequenceNumber: 4, data: buffer([0xF5, 0xC3, 0x1D, 0x60, 0xC1]))))
        let answers = responses(last)
        #expect(answers.count == 1 && answers.first?.transmissionHeader.sequenceNumber == 4 && answers.first?.requestResponseHeader.isNegative == false)
    }

    @Test func bindRUSizes() {
        #expect(SNABindImage.maximumRUSize(0x87) == 1024)
        #expect(SNABindImage.maximumRUSize(0x85) == 256)
        #expect(SNABindImage.maximumRUSize(0xF0) == 15)
        #expect(SNABindImage.maximumRUSize(0x00) == nil && SNABindImage.maximumRUSize(0x7F) == nil)
        #expect(SNABindImage.secondaryMaximumRU(bind: buffer([0x31, 0x01, 0x03, 0x03, 0xB1, 0x90, 0x30, 0x80, 0x00, 0x00, 0x87, 0x85])) == 1024)
        #expect(SNABindImage.secondaryMaximumRU(bind: buffer([0x31, 0x01, 0x03, 0x03])) == nil)
    }

    /// Outbound data longer than the BIND's secondary RU size goes as a chain: BC on the first,
    /// EC on the last, RQE1 but the last (RQD1); the host's answer to the last settles it, and
    /// a -RSP to a middle RU rejects the chain.
    @Test func outboundDataIsChainedToTheBindsRUSize() throws {
        var pu = PU2StateMachine(configuration: .init(localAddresses: [2]))
        _ = pu.receive(request(.sessionControl, to: 0, from: 0, sequence: 1, [0x11, 0x01, 0x01]))
        _ = pu.receive(request(.sessionControl, to: 2, from: 0, sequence: 1, [0x0D, 0x01, 0x01]))
        _ = pu.receive(request(.sessionControl, to: 2, from: 1, sequence: 1, [0x31, 0x01, 0x03, 0x03, 0xB1, 0x90, 0x30, 0x80, 0x00, 0x00, 0x85, 0x85]))
        let data = buffer((0..<600).map { UInt8($0 & 0xFF) })
        #expect(pu.pathInformationUnitLengths(forData: 600, lu: 2) == [265, 265, 97])
        let sent = try pu.sendChain(data, lu: 2)
        let pius = try sent.pius.map { try SNAPathInformationUnit(parsing: $0) }
        #expect(pius.map(\.requestResponseUnit.readableBytes) == [256, 256, 88])
        #expect(pius.map(\.requestResponseHeader.beginChain) == [true, false, false])
        #expect(pius.map(\.requestResponseHeader.endChain) == [false, false, true])
        #expect(pius.map(\.requestResponseHeader.wantsDefiniteResponse) == [false, false, true])
        #expect(pius.map(\.transmissionHeader.sequenceNumber) == [1, 2, 3] && sent.sequenceNumber == 3)
        var joined = ByteBuffer()
        for piu in pius { var ru = piu.requestResponseUnit; joined.writeBuffer(&ru) }
        #expect(joined == data)
        let accepted = pu.receive(pius[2].response().bytes)
        #expect(accepted == [.dataAccepted(lu: 2, sequenceNumber: 3)])

        let second = try pu.sendChain(data, lu: 2)
        let middle = try SNAPathInformationUnit(parsing: second.pius[1])
        let rejected = pu.receive(middle.response(sense: SNASenseCode(rawValue: 0x1001_0000)).bytes)
        #expect(rejected == [.dataRejected(lu: 2, sequenceNumber: second.sequenceNumber, sense: SNASenseCode(rawValue: 0x1001_0000))])
        // Short data stays one RU.
        #expect(try pu.sendChain(buffer([1, 2, 3]), lu: 2).pius.count == 1)
    }

    @Test func aBrokenChainIsAnsweredWithChainingError() {
        var pu = boundPU()
        let stray = pu.receive(request(.functionManagementData, to: 2, from: 1, sequence: 2, [1], begin: false, end: true))
        #expect(responses(stray).first?.senseCode == .chainingError)
        #expect(stray.contains { if case .protocolError(let text) = $0 { text.contains("without begin-chain") } else { false } })
        let long = pu.receive(request(.functionManagementData, to: 2, from: 1, sequence: 3, Array(repeating: 0x40, count: 17)))
        #expect(responses(long).first?.senseCode == .requestUnitLengthError)
    }
}
