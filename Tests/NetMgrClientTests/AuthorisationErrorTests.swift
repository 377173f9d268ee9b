@testable import NetMgrClient
import NetMgrProtocol
import Testing

/// ERROR not-authorised and licence-exhausted as NetMgrClient takes them.
@Suite("NetMgrClient: not-authorised and licence-exhausted")
struct AuthorisationErrorTests {
    @Test("not-authorised fails the open at once and is not retried")
    func notAuthorised() {
        var h = MachineHarness()
        h.report(0, "TNVIP", .active, epoch: 3)
        let session = h.open("VIPLU03")
        #expect(h.sent(to: 0) == [.open(session: session, resource: "TNVIP", lu: "VIPLU03")])
        h.receive(.error(session: session, code: .notAuthorised, sequence: 0, message: "not authorised to open LU VIPLU03 of resource TNVIP"), from: 0)
        let actions = h.take()
        #expect(actions.contains(.openFailed(session: session, .notAuthorised(resource: "TNVIP", lu: "VIPLU03", detail: "not authorised to open LU VIPLU03 of resource TNVIP"))))
        #expect(!actions.contains { if case .schedule = $0 { true } else { false } }, "no retry is scheduled")
    }

    @Test("licence-exhausted on the connection is logged as an error naming the limit")
    func licenceExhausted() {
        var h = MachineHarness()
        h.receive(.error(session: 0, code: .licenceExhausted, sequence: 0, message: "this node serves at most 2 clients (max-clients in the cluster definitions)"), from: 0)
        #expect(h.take().contains(.log(.error, "server node-a: licence-exhausted: this node serves at most 2 clients (max-clients in the cluster definitions)")))
        #expect(NetMgrClientError(code: .licenceExhausted, resource: "", lu: "", sequence: 0, message: "at most 2").description
            == "the server has no licence left for another client: at most 2")
    }
}
