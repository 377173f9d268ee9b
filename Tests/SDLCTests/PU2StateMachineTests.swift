import NIOCore
import SDLC
import Testing

@Suite("PU 2 state machine")
struct PU2StateMachineTests {
    private func pu() -> PU2StateMachine {
        PU2StateMachine(configuration: .init(localAddresses: [2, 3, 0, 255]))
    }

    private func request(_ category: SNARUCategory, to daf: UInt8, from oaf: UInt8, sequence: UInt16, _ ru: [UInt8]) -> ByteBuffer {
        SNAPathInformationUnit.request(category, destination: daf, origin: oaf, sequenceNumber: sequence, ru: buffer(ru)).bytes
    }

    private func actpu() -> ByteBuffer { request(.sessionControl, to: 0, from: 0, sequence: 1, [0x11, 0x01, 0x01]) }
    private func actlu(_ lu: UInt8) -> ByteBuffer { request(.sessionControl, to: lu, from: 0, sequence: 1, [0x0D, 0x01, 0x01]) }
    private func bind(_ lu: UInt8, plu: UInt8 = 1) -> ByteBuffer { request(.sessionControl, to: lu, from: plu, sequence: 1, [0x31, 0x01, 0x03, 0x03]) }

    private func sentPIUs(_ actions: [PU2StateMachine.Action]) -> [SNAPathInformationUnit] {
        actions.compactMap { if case .send(let bytes) = $0 { try? SNAPathInformationUnit(parsing: bytes) } else { nil } }
    }

    private func sentBytes(_ actions: [PU2StateMachine.Action]) -> [[UInt8]] {
        actions.compactMap { if case .send(let data) = $0 { bytes(data) } else { nil } }
    }

    /// PU active, LU 2 active and bound to PLU 1.
    private func bound() -> PU2StateMachine {
        var p = pu()
        _ = p.receive(actpu())
        _ = p.receive(actlu(2))
        _ = p.receive(bind(2))
        return p
    }

    @Test func onlyValidLocalAddressesAreConfigured() {
        #expect(pu().configuration.localAddresses == [2, 3])
    }

    @Test func actpuIsAnsweredPositively() {
        var p = pu()
        let actions = p.receive(actpu())
        #expect(sentBytes(actions) == [[0x2D, 0x00, 0x00, 0x00, 0x00, 0x01, 0xEB, 0x80, 0x00, 0x11]])
        #expect(actions.last == .physicalUnitActivated)
        #expect(p.isPhysicalUnitActive)
    }

    @Test func actluBeforeActpuIsRefused() {
        var p = pu()
        let response = sentPIUs(p.receive(actlu(2)))
        #expect(response.first?.senseCode == .puNotActive)
    }

    @Test func actluForDefinedAndUndefinedAddresses() {
        var p = pu()
        _ = p.receive(actpu())
        let defined = p.receive(actlu(2))
        #expect(sentBytes(defined) == [[0x2D, 0x00, 0x00, 0x02, 0x00, 0x01, 0xEB, 0x80, 0x00, 0x0D]])
        #expect(defined.last == .logicalUnitActivated(2))
        let undefined = p.receive(actlu(5))
        #expect(sentBytes(undefined) == [[0x2D, 0x00, 0x00, 0x05, 0x00, 0x01, 0xEF, 0x90, 0x00, 0x08, 0x01, 0x00, 0x00, 0x0D]])
        #expect(undefined.count == 1)
        #expect(p.isLogicalUnitActive(2) && !p.isLogicalUnitActive(5))
    }

    @Test func bindStartsTheSession() {
        var p = pu()
        _ = p.receive(actpu())
        #expect(sentPIUs(p.receive(bind(2))).first?.senseCode == .luNotActive)
        _ = p.receive(actlu(2))
        let actions = p.receive(bind(2))
        #expect(sentBytes(actions) == [[0x2D, 0x00, 0x01, 0x02, 0x00, 0x01, 0xEB, 0x80, 0x00, 0x31]])
        #expect(actions.last == .sessionStarted(lu: 2, bind: buffer([0x31, 0x01, 0x03, 0x03])))
        #expect(p.hasSession(2))
        #expect(sentPIUs(p.receive(bind(2))).first?.senseCode == .sessionLimitExceeded)
        #expect(sentPIUs(p.receive(bind(9))).first?.senseCode == .unrecognizedDestination)
        // SDT is acknowledged.
        let sdt = p.receive(request(.sessionControl, to: 2, from: 1, sequence: 2, [0xA0]))
        #expect(sentPIUs(sdt).first?.requestCode == .startDataTraffic)
        #expect(sentPIUs(sdt).first?.senseCode == nil)
        #expect(sdt.last == .dataTrafficStarted(lu: 2))
    }

    @Test func inboundDataIsSurfacedAndAnswered() {
        var p = bound()
        let actions = p.receive(request(.functionManagementData, to: 2, from: 1, sequence: 1, [0xF1, 0xC1]))
        #expect(actions.first == .dataReceived(lu: 2, sequenceNumber: 1, data: buffer([0xF1, 0xC1])))
        #expect(sentBytes(actions) == [[0x2C, 0x00, 0x01, 0x02, 0x00, 0x01, 0x83, 0x80, 0x00]])
    }

    @Test func inboundDataWithoutDefiniteResponseIsNotAnswered() {
        var p = bound()
        let noResponse = SNAPathInformationUnit.request(
            .functionManagementData, destination: 2, origin: 1, sequenceNumber: 1, ru: buffer([1]), definiteResponse: false)
        #expect(sentBytes(p.receive(noResponse.bytes)) == [])
        var exception = SNAPathInformationUnit.request(.functionManagementData, destination: 2, origin: 1, sequenceNumber: 2, ru: buffer([2]))
        exception.requestResponseHeader.exceptionResponse = true
        let actions = p.receive(exception.bytes)
        #expect(sentBytes(actions) == [])
        #expect(actions == [.dataReceived(lu: 2, sequenceNumber: 2, data: buffer([2]))])
    }

    @Test func dataWithoutSessionIsRefused() {
        var p = pu()
        _ = p.receive(actpu())
        _ = p.receive(actlu(2))
        let response = sentPIUs(p.receive(request(.functionManagementData, to: 2, from: 1, sequence: 1, [1])))
        #expect(response.first?.senseCode == .noSession)
        // From another PLU address than the BIND's.
        var q = bound()
        #expect(sentPIUs(q.receive(request(.functionManagementData, to: 2, from: 7, sequence: 1, [1]))).first?.senseCode == .noSession)
    }

    @Test func outboundDataAndItsDefiniteResponse() throws {
        var p = bound()
        let first = try p.send(buffer([0xC1]), lu: 2)
        #expect(first.sequenceNumber == 1)
        #expect(bytes(first.piu) == [0x2C, 0x00, 0x01, 0x02, 0x00, 0x01, 0x03, 0x80, 0x00, 0xC1])
        let second = try p.send(buffer([0xC2]), lu: 2)
        #expect(second.sequenceNumber == 2)

        let request1 = try SNAPathInformationUnit(parsing: first.piu)
        let request2 = try SNAPathInformationUnit(parsing: second.piu)
        // Responses are matched by sequence number, in any order.
        #expect(p.receive(request2.response(sense: SNASenseCode(rawValue: 0x0801_0000)).bytes)
            == [.dataRejected(lu: 2, sequenceNumber: 2, sense: .resourceNotAvailable)])
        #expect(p.receive(request1.response().bytes) == [.dataAccepted(lu: 2, sequenceNumber: 1)])
        // A second response to the same request matches nothing.
        let duplicate = p.receive(request1.response().bytes)
        #expect(duplicate.count == 1)
        if case .protocolError(let text) = duplicate.first { #expect(text.contains("matches no request")) }
    }

    @Test func sendErrors() {
        var p = pu()
        #expect(throws: PU2StateMachine.SendError.undefinedLogicalUnit(9)) { try p.send(buffer([1]), lu: 9) }
        #expect(throws: PU2StateMachine.SendError.noSession(2)) { try p.send(buffer([1]), lu: 2) }
    }

    @Test func unbindEndsTheSessionAndReportsUnconfirmedData() throws {
        var p = bound()
        _ = try p.send(buffer([1]), lu: 2)
        let actions = p.receive(request(.sessionControl, to: 2, from: 1, sequence: 2, [0x32, 0x01]))
        #expect(sentPIUs(actions).first?.requestCode == .unbind)
        #expect(Array(actions.dropFirst()) == [.dataUnconfirmed(lu: 2, sequenceNumbers: [1]), .sessionEnded(lu: 2)])
        #expect(!p.hasSession(2))
        #expect(p.isLogicalUnitActive(2))
    }

    @Test func dactluAndDactpu() {
        var p = bound()
        let dactlu = p.receive(request(.sessionControl, to: 2, from: 0, sequence: 2, [0x0E, 0x01]))
        #expect(Array(dactlu.dropFirst()) == [.sessionEnded(lu: 2), .logicalUnitDeactivated(2)])
        _ = p.receive(actlu(3))
        let dactpu = p.receive(request(.sessionControl, to: 0, from: 0, sequence: 2, [0x12, 0x01]))
        #expect(sentPIUs(dactpu).first?.requestCode == .deactivatePhysicalUnit)
        #expect(Array(dactpu.dropFirst()) == [.logicalUnitDeactivated(3), .physicalUnitDeactivated])
        #expect(!p.isPhysicalUnitActive)
    }

    @Test func repeatedActpuRestartsEverything() {
        var p = bound()
        let actions = p.receive(actpu())
        #expect(actions.filter { if case .send = $0 { false } else { true } }
            == [.sessionEnded(lu: 2), .logicalUnitDeactivated(2), .physicalUnitActivated])
        #expect(p.isPhysicalUnitActive && !p.isLogicalUnitActive(2))
    }

    @Test func resetAfterLinkLoss() throws {
        var p = bound()
        _ = p.receive(actlu(3))
        _ = try p.send(buffer([1]), lu: 2)
        #expect(p.reset() == [
            .dataUnconfirmed(lu: 2, sequenceNumbers: [1]), .sessionEnded(lu: 2), .logicalUnitDeactivated(2),
            .logicalUnitDeactivated(3), .physicalUnitDeactivated,
        ])
        #expect(p.reset() == [])
        // The host's new activation works as the first one did.
        _ = p.receive(actpu())
        _ = p.receive(actlu(2))
        _ = p.receive(bind(2))
        #expect(try p.send(buffer([1]), lu: 2).sequenceNumber == 1)
    }

    @Test func unsupportedRequestsAreRefused() {
        var p = bound()
        let nc = p.receive(request(.networkControl, to: 2, from: 1, sequence: 3, [0x05]))
        #expect(sentPIUs(nc).first?.senseCode == .functionNotSupported)
        let rqr = p.receive(request(.sessionControl, to: 2, from: 1, sequence: 3, [0xA3]))
        #expect(sentPIUs(rqr).first?.senseCode == .functionNotSupported)
        let lustat = p.receive(request(.dataFlowControl, to: 2, from: 1, sequence: 3, [0x04, 0x00, 0x00, 0x00, 0x00]))
        #expect(sentPIUs(lustat).first?.senseCode == nil)
    }

    @Test func malformedPIUIsAnErrorValue() {
        var p = pu()
        let actions = p.receive(buffer([0x2C, 0x00, 0x01]))
        #expect(actions.count == 1)
        if case .protocolError(let text) = actions.first {
            #expect(text.contains("FID2 TH at offset 0"))
        } else {
            Issue.record("expected a protocol error, got \(actions)")
        }
    }
}
