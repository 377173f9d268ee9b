import Foundation
import NetMgrClient
import NetMgrHarness
import NetMgrProtocol
import NetMgrTestSupport
import Testing

/// A real netmgrd in plain mode (no TLS: the HELLO client name is the identity) with a
/// `clients:` section and `max-clients: 2`, reached by real NetMgrClients over loopback
/// (block 127.0.74.0/24).
@Suite("netmgrd: clients: and max-clients over loopback", .serialized)
struct AuthorisationLoopbackTests {
    static func edit(_ file: String, _ text: String) -> String {
        guard file == "cluster.yaml" else { return text }
        // Plain mode: the HELLO client name stands in for the identity.
        var text = clusterYAMLWithoutTLS(text)
        for node in ["127.0.74.11", "127.0.74.12"] {
            text = text.replacingOccurrences(of: "lan: \(node):7301", with: "lan: \(node):7301\n      max-clients: 2")
        }
        return text + """
              clients:
                - identity: payroll
                  resources: [TNVIP]
                  lus: [VIPLU01, VIPLU02]
                - identity: audit
                  resources: ["TN*"]

            """
    }

    func client(_ world: IntegrationWorld, _ name: String) -> NetMgrClient {
        let node = world.cluster.definitions.cluster.nodes[0]
        let client = NetMgrClient(configuration: NetMgrClientConfiguration(servers: [ServerAddress(host: node.lan.host, port: node.lan.port)], clientName: name))
        client.start()
        return client
    }

    func log(_ world: IntegrationWorld) -> String {
        (try? String(contentsOfFile: world.cluster.logPath("netmgrd-node-a"), encoding: .utf8)) ?? ""
    }

    @Test("not-authorised for an ungranted LU or identity; licence N+1 refused and logged; a counted identity reconnects; status and metrics show the count")
    func authorisationAndLicence() async throws {
        let world = try IntegrationWorld(block: 74, edit: Self.edit)
        var clients: [NetMgrClient] = []
        do {
            try await world.cluster.startHost()
            try await world.cluster.startNode("node-a")
            try await world.cluster.activate(["TNVIP"], on: "node-a")

            let payroll = client(world, "payroll")
            clients.append(payroll)
            _ = try await withDeadline(.seconds(20), what: "payroll's granted LU to open") {
                try await payroll.openSession(resource: "TNVIP", lu: "VIPLU01")
            }
            await #expect(throws: NetMgrClientError.notAuthorised(resource: "TNVIP", lu: "VIPLU03", detail: "not authorised to open LU VIPLU03 of resource TNVIP")) {
                try await withDeadline(.seconds(20), what: "the refusal of an ungranted LU") {
                    try await payroll.openSession(resource: "TNVIP", lu: "VIPLU03")
                }
            }
            let stranger = client(world, "stranger")
            clients.append(stranger)
            await #expect(throws: NetMgrClientError.notAuthorised(resource: "TNVIP", lu: "VIPLU02", detail: "not authorised to open LU VIPLU02 of resource TNVIP")) {
                try await withDeadline(.seconds(20), what: "the refusal of an identity without a grant") {
                    try await stranger.openSession(resource: "TNVIP", lu: "VIPLU02")
                }
            }
            #expect(log(world).contains("OPEN of LU VIPLU03 of TNVIP by client payroll (unauthenticated) at"), "\(log(world))")

            // payroll and stranger hold both licences: audit is the third identity.
            let audit = client(world, "audit")
            clients.append(audit)
            try await waitUntil(.seconds(20), what: "the third identity to be refused and logged") {
                log(world).contains("client audit (unauthenticated) at") && log(world).contains("licence exhausted, 2 client identities")
            }
            let status = try await world.cluster.status(of: "node-a", brief: true)
            #expect(status.clients == AdminResponse.ClientsStatus(inUse: 2, limit: 2))

            // Another connection of a counted identity is free.
            let payrollAgain = client(world, "payroll")
            clients.append(payrollAgain)
            _ = try await withDeadline(.seconds(20), what: "a second payroll connection to open an LU") {
                try await payrollAgain.openSession(resource: "TNVIP", lu: "VIPLU02")
            }
            let socket = world.cluster.adminSocket("node-a")
            let metrics = try await runProcess(BuiltProducts.path("netmgr"), ["status", "--metrics", "--socket", socket]).standardOutput
            #expect(metrics.contains("netmgr_clients_in_use 2"), "\(metrics)")
            #expect(metrics.contains("netmgr_clients_limit 2"), "\(metrics)")
            let text = try await runProcess(BuiltProducts.path("netmgr"), ["status", "--socket", socket])
            #expect(text.standardOutput.contains("node node-a, clients 2 of 2 (max-clients)"), "\(text.standardOutput)")
        } catch {
            for client in clients { await client.shutdown() }
            await world.stop()
            throw error
        }
        for client in clients { await client.shutdown() }
        await world.stop()
    }
}
