import Foundation
import NetMgrProtocol
import Testing

@Suite("Admin status JSON")
struct AdminStatusCompatibilityTests {
    @Test("an LU status from an older server, without the delivery fields, still decodes")
    func olderLUStatus() throws {
        let json = #"{"name":"VIPLU01","address":2,"state":"bound","detail":"TN3270E CONNECT VIPLU01","owner":"app"}"#
        let status = try JSONDecoder().decode(AdminResponse.LUStatus.self, from: Data(json.utf8))
        #expect(status.name == "VIPLU01" && status.state == "bound")
        #expect(status.unacked == nil && status.rejection == nil && status.hostScreen == nil && status.timeToBindMilliseconds == nil)
    }

    @Test("the delivery fields round-trip")
    func deliveryFields() throws {
        let status = AdminResponse.LUStatus(name: "VIPLU01", address: 2, state: "rejected", detail: "retry 3 in 2000 ms", owner: nil,
                                            unacked: 4, oldestUnackedMilliseconds: 31_000, timeToBindMilliseconds: 12,
                                            hostScreen: "NO AVAILABLE 3270 DEVICES", rejection: "rejected by host: INV-DEVICE-TYPE")
        let decoded = try JSONDecoder().decode(AdminResponse.LUStatus.self, from: JSONEncoder().encode(status))
        #expect(decoded.unacked == 4 && decoded.oldestUnackedMilliseconds == 31_000 && decoded.timeToBindMilliseconds == 12)
        #expect(decoded.hostScreen == "NO AVAILABLE 3270 DEVICES" && decoded.rejection == "rejected by host: INV-DEVICE-TYPE")
    }
}
