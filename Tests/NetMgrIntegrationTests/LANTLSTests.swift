import Foundation
import NIOSSL
import NetMgrClient
import NetMgrHarness
import NetMgrProtocol
import NetMgrSecurity
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// TLS on the LAN protocol against real netmgrd processes (127.0.73.0/24): who may connect,
/// who may watch host connections, whose epochs count, and the unprivileged local user.
@Suite("LAN TLS: clients and peers must prove who they are", .serialized)
struct LANTLSTests {
    static let block = 73

    /// node-a's LAN address and its log.
    static func nodeA(_ world: IntegrationWorld) -> (host: String, port: Int) {
        let node = world.cluster.definitions.cluster.nodes[0]
        return (node.lan.host, node.lan.port)
    }

    static func log(_ world: IntegrationWorld, _ node: String = "node-a") -> String {
        (try? String(contentsOfFile: world.cluster.logPath("netmgrd-\(node)"), encoding: .utf8)) ?? ""
    }

    static func clusterCA(_ world: IntegrationWorld) throws -> [NIOSSLCertificate] {
        try NIOSSLCertificate.fromPEMFile(try #require(world.cluster.definitions.cluster.tls.caPath))
    }

    /// Connects, says HELLO (and whatever else), and waits until the server closed the
    /// connection or, if it stays open, until `settled` holds.
    static func exchange(_ world: IntegrationWorld, tls: NIOSSLContext?, _ messages: [ClientMessage] = [],
                         until settled: @escaping @Sendable (RawLANClient) -> Bool = { $0.saidWelcome }) async throws -> RawLANClient {
        let (host, port) = nodeA(world)
        let client = try await RawLANClient.connect(host: host, port: port, tls: tls)
        client.send(.hello(minVersion: LANProtocol.version, maxVersion: LANProtocol.version, client: "intruder"))
        for message in messages { client.send(message) }
        // 30 s: a refusal can wait for the 5 s HELLO deadline, and a full run keeps both cores busy.
        try await waitUntil(.seconds(30), what: "the server to answer or close (TLS \(tls == nil ? "off" : "on"), after \(messages.count + 1) message(s))") {
            client.isClosed || settled(client)
        }
        return client
    }

    @Test("without a certificate, with another CA's, or in plain TCP a client gets no WELCOME; an application may not watch host connections")
    func whoMayConnect() async throws {
        let world = try IntegrationWorld(block: Self.block)
        do {
            try await world.cluster.startAll()
            try await world.cluster.activate(["hostlink"], on: "node-a")
            let ca = try Self.clusterCA(world)

            let plain = try await Self.exchange(world, tls: nil)
            #expect(plain.isClosed && !plain.saidWelcome, "plain TCP: \(plain.messages)")

            let anonymous = try await Self.exchange(world, tls: TestTLS.client(ca: ca, identity: nil))
            #expect(anonymous.isClosed && !anonymous.saidWelcome, "no certificate: \(anonymous.messages)")
            #expect(anonymous.error?.contains("alert") == true, "no certificate: the server should refuse with a TLS alert: \(anonymous.error ?? "no error")")

            let foreign = try TestTLS.foreign(client: "loopback-app")
            let stranger = try await Self.exchange(world, tls: TestTLS.client(ca: ca, identity: (foreign.chain, foreign.key)))
            #expect(stranger.isClosed && !stranger.saidWelcome, "another CA: \(stranger.messages)")
            #expect(stranger.error?.contains("alert") == true, "another CA: \(stranger.error ?? "no error")")

            // The same client with the cluster's certificate is welcome: the refusals above are TLS's doing.
            let files = try world.cluster.clientTLSFiles(identity: "fake-peer")
            let application = try TestTLS.load(certificate: files.certificate, key: files.key)
            let welcome = try await Self.exchange(world, tls: TestTLS.client(ca: ca, identity: application))
            #expect(welcome.saidWelcome && !welcome.isClosed, "a certificate of the cluster's CA: \(welcome.messages) \(welcome.error ?? "")")
            await welcome.close()

            // An application asks for the host connections a peer node would get.
            let watcher = try await Self.exchange(world, tls: TestTLS.client(ca: ca, identity: application), [.watchConnections]) { client in
                client.messages.contains { if case .error(_, .notAuthorised, _, _) = $0 { return true } else { return false } }
            }
            let hostConnections = watcher.messages.filter { if case .hostConnection = $0 { return true } else { return false } }
            #expect(hostConnections.isEmpty, "an application learnt host connections: \(hostConnections)")
            #expect(watcher.messages.contains { if case .error(_, .notAuthorised, _, _) = $0 { return true } else { return false } },
                    "\(watcher.messages)")
            await watcher.close()

            // node-b's own certificate gets them: the refusal above is the identity's.
            let nodeB = try #require(world.cluster.definitions.cluster.nodes[1].tls)
            let peer = try await Self.exchange(world, tls: TestTLS.client(ca: ca, identity: TestTLS.load(certificate: nodeB.certificatePath, key: nodeB.keyPath)),
                                               [.watchConnections]) { client in
                client.messages.contains { if case .hostConnection = $0 { return true } else { return false } }
            }
            #expect(peer.messages.contains { if case .hostConnection = $0 { return true } else { return false } }, "node-b: \(peer.messages)")
            await peer.close()

            let log = Self.log(world)
            #expect(log.contains("WATCH-CONNECTIONS from application fake-peer"), "\(log.suffix(3000))")
            #expect(log.contains("refused: TLS handshake failed") || log.contains("refused: the peer"), "\(log.suffix(3000))")

            // NetMgrClient that does not trust the server's CA says so, naming the server.
            var configuration = try world.cluster.clientConfiguration(name: "wrong-ca")
            configuration.servers = [ServerAddress(host: Self.nodeA(world).host, port: Self.nodeA(world).port)]
            let other = try TestTLS.foreign(client: "wrong-ca")
            configuration.tls?.material.caCertificates = [other.ca]
            let client = NetMgrClient(configuration: configuration)
            client.start()
            let reason = try await withDeadline(.seconds(10), what: "the server to be lost") { () -> String in
                for await event in client.events { if case .serverLost(_, let reason) = event { return reason } }
                return "no event"
            }
            await client.shutdown()
            #expect(reason.contains("TLS with \(Self.nodeA(world).host):\(Self.nodeA(world).port)") && reason.contains("certificate verify failed"), "\(reason)")
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    @Test("a fake node-b (application certificate, or another CA's node certificate) cannot make node-a step down; the real node-b can")
    func fakePeersChangeNothing() async throws {
        let world = try IntegrationWorld(block: Self.block)
        let cluster = world.cluster
        var fake: FakePeerServer?
        do {
            try await cluster.startLineSwitch()
            try await cluster.startExchange()
            try await cluster.startHost()
            try await cluster.startNode("node-a")
            let activated = try await cluster.activate(["hostlink"], on: "node-a")
            let epoch = try #require(activated.resources.first { $0.name == "TNVIP" }?.epoch)
            let nodeB = cluster.definitions.cluster.nodes[1]
            let resources = cluster.definitions.resources.map(\.name)

            func tnvip() async throws -> (state: String, epoch: UInt64)? {
                try await cluster.status(of: "node-a", brief: true).resources.first { $0.name == "TNVIP" }.map { ($0.state, $0.epoch) }
            }

            let files = try cluster.clientTLSFiles(identity: "node-b-impostor")
            let foreign = try TestTLS.foreign(node: "node-b")
            let caPath = try #require(cluster.definitions.cluster.tls.caPath)
            let authority = try ClusterPKI.loadAuthority(certificatePath: caPath, keyPath: ClusterPKI.keyPath(forCertificate: caPath))
            let nodeC = try ClusterPKI.issueNode(name: "node-c", hosts: [nodeB.lan.host], by: authority)
            let refused = "peer node-b at \(nodeB.lan) refused: "
            let impostors: [(what: String, identity: (chain: [NIOSSLCertificate], key: NIOSSLPrivateKey), logged: String)] = [
                // Its EKU has no serverAuth: the chain check may refuse it before the identity check does.
                ("an application certificate of the cluster's CA", try TestTLS.load(certificate: files.certificate, key: files.key), refused),
                ("a node-b certificate of another CA", (foreign.chain, foreign.key), refused + "TLS handshake failed: certificate verify failed"),
                ("another node's certificate of the cluster's CA",
                 ([try NIOSSLCertificate(bytes: Array(nodeC.certificatePEM().utf8), format: .pem)], try NIOSSLPrivateKey(bytes: Array(nodeC.privateKeyPEM().utf8), format: .pem)),
                 refused + "its certificate names node node-c, not node node-b"),
            ]
            for impostor in impostors {
                let server = try await FakePeerServer.start(host: nodeB.lan.host, port: nodeB.lan.port, tls: TestTLS.permissiveServer(impostor.identity),
                                                            node: "node-b", cluster: cluster.definitions.cluster.name, resources: resources, epoch: epoch + 1)
                fake = server
                // node-a reconnects at least every second: two attempts show it kept refusing.
                try await waitUntil(.seconds(15), what: "node-a to connect to the fake node-b twice") { server.connections >= 2 }
                try await waitUntil(.seconds(10), what: "node-a to log the refusal (\(impostor.logged))") { Self.log(world).contains(impostor.logged) }
                let now = try await tnvip()
                #expect(now?.state == "active" && now?.epoch == epoch, "\(impostor.what): TNVIP on node-a is now \(String(describing: now))")
                await server.stop()
                fake = nil
            }

            // The real node-b's certificate (the test stands in for it) does make node-a step down.
            let nodeBFiles = try #require(nodeB.tls)
            let real = try await FakePeerServer.start(host: nodeB.lan.host, port: nodeB.lan.port,
                                                      tls: TestTLS.permissiveServer(TestTLS.load(certificate: nodeBFiles.certificatePath, key: nodeBFiles.keyPath)),
                                                      node: "node-b", cluster: cluster.definitions.cluster.name, resources: resources, epoch: epoch + 1)
            fake = real
            #expect(await eventually(.seconds(15)) { (try? await tnvip())?.state != "active" },
                    "the real node-b's newer epoch should make node-a step down; log:\n\(Self.log(world).suffix(2000))")
            await real.stop()
            fake = nil
        } catch {
            await fake?.stop()
            await world.stop()
            throw error
        }
        await world.stop()
    }

    @Test("user nobody, who cannot read the client key, cannot open an LU: the host journals nothing from it")
    func nobodyCannotReachTheHost() async throws {
        try #require(getuid() == 0, "run the tests as root, as CI does: this test drops to nobody")
        let world = try IntegrationWorld(block: Self.block)
        do {
            try await world.cluster.startAll()
            try await world.cluster.activate(["hostlink"], on: "node-a")
            let lu = try #require(world.cluster.definitions.lus(of: "TNVIP").first).name
            try await world.waitForJournal("\(lu) bound") { $0.binds.contains { $0.lu != nil } }

            // The application's files: CA and certificate readable by all, the key root's own (0600).
            let files = try world.cluster.clientTLSFiles(identity: "payroll")
            let shared = try TemporaryDirectory(prefix: "netmgr-nobody")
            chmod(shared.path, 0o755)
            for (source, name) in [(files.ca, "ca.pem"), (files.certificate, "payroll.pem"), (files.key, "payroll-key.pem")] {
                try FileManager.default.copyItem(atPath: source, toPath: shared.file(name))
            }
            chmod(shared.file("ca.pem"), 0o644)
            chmod(shared.file("payroll.pem"), 0o644)
            chmod(shared.file("payroll-key.pem"), 0o600)
            let netmgr = BuiltProducts.path("netmgr")
            let servers = world.cluster.definitions.cluster.nodes.flatMap { ["--server", "\($0.lan)"] }
            let asNobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", netmgr, "sim", "app"] + servers
                + ["--session", "TNVIP/\(lu)", "--duration", "1", "--open-timeout", "5"]

            // With the key it cannot read: it stops before it connects, naming the file.
            let keyless = try await runProcess("/usr/bin/setpriv", asNobody + ["--ca", shared.file("ca.pem"), "--certificate", shared.file("payroll.pem"),
                                                                              "--key", shared.file("payroll-key.pem")], timeout: .seconds(30))
            #expect(keyless.status == 2, "\(keyless.standardOutput)\(keyless.standardError)")
            #expect(keyless.standardError.contains(shared.file("payroll-key.pem")), "\(keyless.standardError)")
            #expect(!keyless.standardOutput.contains("ready:"), "\(keyless.standardOutput)")

            // Without a certificate at all (plain TCP, as before issue 14): refused in the handshake.
            let plain = try await runProcess("/usr/bin/setpriv", asNobody, timeout: .seconds(30))
            #expect(plain.status == 2, "\(plain.standardOutput)\(plain.standardError)")
            #expect(plain.standardError.contains("not open after 5"), "\(plain.standardError)")
            #expect(!plain.standardOutput.contains("ready:"), "\(plain.standardOutput)")

            // The host saw no message at all (no other client runs in this test).
            let messages = try world.cluster.journal().filter { $0.event == .message }
            #expect(messages.isEmpty, "the host journaled \(messages.count) message(s): \(messages.prefix(3))")

            // As root with the same files the same command reaches the host: the refusals are the key's and the certificate's.
            let root = try await runProcess(netmgr, ["sim", "app"] + servers + ["--session", "TNVIP/\(lu)", "--duration", "1", "--open-timeout", "10",
                                                     "--ca", shared.file("ca.pem"), "--certificate", shared.file("payroll.pem"), "--key", shared.file("payroll-key.pem")],
                                            timeout: .seconds(60))
            #expect(root.status == 0, "\(root.standardOutput)\(root.standardError)")
            try await world.waitForJournal("a message from root's app") { $0.contains { $0.event == .message } }
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    @Test("with tls: off netmgrd warns loudly and serves plain clients, unauthenticated")
    func developmentModeWarns() async throws {
        let world = try IntegrationWorld(block: Self.block) { file, text in
            file == "cluster.yaml" ? text.replacingOccurrences(of: "  tls:\n    ca: pki/ca.pem\n", with: "  tls: off\n") : text
        }
        do {
            #expect(!world.cluster.usesTLS)
            try await world.cluster.startNode("node-a")
            #expect(Self.log(world).contains("TLS is off: any local process can open any LU (development mode, cluster.tls: off)"), "\(Self.log(world))")
            let plain = try await Self.exchange(world, tls: nil)
            #expect(plain.saidWelcome, "\(plain.messages) \(plain.error ?? "")")
            await plain.close()
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }
}
