import Foundation
import NetMgrClient
import NetMgrHarness
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// netmgrd toward the host over TLS (issue 14 item 7), against `netmgr sim host`: TNVIP
/// with direct TLS (the port-992 style, here 127.0.76.100:2992) and TNREAL with telnet
/// STARTTLS on the plain port, both verifying the host's certificate against the site CA
/// and presenting a client certificate the host requires. Block 127.0.76.0/24; the two
/// worlds run one after the other.
@Suite("netmgrd over TLS to the host", .serialized)
struct HostTLSTests {
    static let block = 76
    static let host = "127.0.\(block).100"

    struct PKI {
        let directory: TemporaryDirectory
        let ca: OpenSSLTestPKI
        let otherCA: OpenSSLTestPKI
        let hostCertificate: (certificate: String, key: String)
        let client: (certificate: String, key: String)
    }

    static func makePKI() async throws -> PKI {
        let directory = try TemporaryDirectory(prefix: "netmgr-hosttls")
        let ca = try await OpenSSLTestPKI.makeCA(in: directory.file("pki"), name: "host-ca")
        let otherCA = try await OpenSSLTestPKI.makeCA(in: directory.file("pki"), name: "other-ca")
        // The host is named by its address in the resources: the certificate carries it as an IP SAN.
        let hostCertificate = try await ca.issue("tn3270-host", subjectAltNames: ["DNS:tn3270.test", "IP:\(host)"])
        let client = try await ca.issue("netmgr-node", subjectAltNames: ["DNS:netmgr.test"], clientAuth: true)
        return PKI(directory: directory, ca: ca, otherCA: otherCA, hostCertificate: hostCertificate, client: client)
    }

    /// The Phonebook with TNVIP on direct TLS at port 2992 and TNREAL on STARTTLS at 2323.
    /// TNVIP is moved after TNREAL so that the harness's plain listener (the first TnETOS
    /// resource's host) is 2323; the direct-TLS listener comes from `--tls-listen`.
    static func edit(direct: String, starttls: String) -> (String, String) -> String {
        { file, text in
            guard file == "phonebook.yaml" else { return text }
            guard let vip = text.range(of: "  - name: TNVIP\n"), let real = text.range(of: "  - name: TNREAL\n"),
                  let sdlc = text.range(of: "  - name: SDLC1\n") else { return text }
            var tnvip = String(text[vip.lowerBound..<real.lowerBound])
            var tnreal = String(text[real.lowerBound..<sdlc.lowerBound])
            tnvip = tnvip.replacingOccurrences(of: "\(host):2323", with: "\(host):2992")
                .replacingOccurrences(of: "  - name: TNVIP\n", with: "  - name: TNVIP\n    tls: \(direct)\n")
            tnreal = tnreal.replacingOccurrences(of: "  - name: TNREAL\n", with: "  - name: TNREAL\n    tls: \(starttls)\n")
            return String(text[..<vip.lowerBound]) + tnreal + tnvip + String(text[sdlc.lowerBound...])
        }
    }

    static func tlsMapping(_ mode: String, ca: String, client: (certificate: String, key: String)?) -> String {
        var fields = ["mode: \(mode)", "ca: \(ca)"]
        if let client { fields += ["certificate: \(client.certificate)", "key: \(client.key)"] }
        return "{ " + fields.joined(separator: ", ") + " }"
    }

    @Test("direct TLS and STARTTLS: each LU binds, the host journals the records, and the client certificate is what the host required")
    func bothModes() async throws {
        let pki = try await Self.makePKI()
        var behaviour = HostBehaviour()
        behaviour.extraArguments = ["--tls-listen", "\(Self.host):2992", "--starttls",
                                    "--tls-certificate", pki.hostCertificate.certificate, "--tls-key", pki.hostCertificate.key,
                                    "--tls-client-ca", pki.ca.caPath]
        let world = try IntegrationWorld(block: Self.block, behaviour: behaviour, edit: Self.edit(
            direct: Self.tlsMapping("direct", ca: pki.ca.caPath, client: pki.client),
            starttls: Self.tlsMapping("starttls", ca: pki.ca.caPath, client: pki.client)))
        do {
            #expect(world.cluster.definitions.resource(named: "TNVIP")?.tls?.mode == .direct)
            #expect(world.cluster.definitions.resource(named: "TNREAL")?.tls?.mode == .starttls)
            try await world.start()
            for (resource, lu) in [("TNVIP", "VIPLU01"), ("TNREAL", "REALLU01")] {
                let session = try await world.client.openSession(resource: resource, lu: lu)
                let payload = [0x7D, 0x40, 0x40] + Array("\(lu) over TLS".utf8)
                try await session.submit(payload)
                try await waitUntil(.seconds(20), what: "\(lu)'s message to be acked over TLS") {
                    ((try? await session.unacknowledged()) ?? 1) == 0
                }
                let entries = try world.entries(lu)
                #expect(entries.contains { $0.event == .bind }, "\(lu) was never bound")
                #expect(entries.messageDigests.contains(journalDigest(payload)), "\(lu): the record is not in the host's journal")
            }
            let hostLog = (try? String(contentsOfFile: world.cluster.logPath("host"), encoding: .utf8)) ?? ""
            #expect(hostLog.contains("after STARTTLS; negotiating again"), "the host saw no STARTTLS:\n\(hostLog.suffix(3000))")
            #expect(hostLog.contains("TLS with \(world.address(10)):"), "no direct TLS session from the VIP in the host's log:\n\(hostLog.suffix(3000))")
            let daemonLog = (try? String(contentsOfFile: world.cluster.logPath("netmgrd-node-a"), encoding: .utf8)) ?? ""
            #expect(daemonLog.contains("over direct TLS, verifying \(Self.host) against \(pki.ca.caPath)"), "\(daemonLog.suffix(3000))")
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    @Test("a host certificate from another CA, and a host that does not offer STARTTLS: refused, logged with the host and why, nothing bound")
    func refusals() async throws {
        let pki = try await Self.makePKI()
        var behaviour = HostBehaviour()
        // The host serves direct TLS with its certificate, and offers no STARTTLS on 2323.
        behaviour.extraArguments = ["--tls-listen", "\(Self.host):2992",
                                    "--tls-certificate", pki.hostCertificate.certificate, "--tls-key", pki.hostCertificate.key]
        let world = try IntegrationWorld(block: Self.block, behaviour: behaviour, edit: Self.edit(
            direct: Self.tlsMapping("direct", ca: pki.otherCA.caPath, client: nil),
            starttls: Self.tlsMapping("starttls", ca: pki.ca.caPath, client: nil)))
        do {
            try await world.start()
            let logPath = world.cluster.logPath("netmgrd-node-a")
            let wrongCA = "direct TLS with host \(Self.host):2992 failed: the host's certificate does not verify against the CA in \(pki.otherCA.caPath)"
            let notOffered = "host \(Self.host):2323: STARTTLS is required but the host did not offer it"
            try await waitUntil(.seconds(20), what: "netmgrd to log both refusals") {
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                return log.contains(wrongCA) && log.contains(notOffered)
            }
            let status = try await world.cluster.status(of: "node-a")
            let vip = status.resources.first { $0.name == "TNVIP" }?.lus.first { $0.name == "VIPLU01" }
            #expect(vip?.state != "bound" && vip?.detail.contains("does not verify against the CA") == true, "\(String(describing: vip))")
            let real = status.resources.first { $0.name == "TNREAL" }?.lus.first { $0.name == "REALLU01" }
            #expect(real?.state != "bound" && real?.detail.contains("did not offer it") == true, "\(String(describing: real))")
            let journal = try world.cluster.journal()
            #expect(!journal.contains { $0.event == .bind && $0.path == "tn3270" }, "the host bound an LU although netmgrd refused the session")
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }
}
