import Foundation
import NetMgrCore
import X509

/// One file `netmgr pki` wrote or left alone.
public struct PKIAction: Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case wrote, kept }
    public var kind: Kind
    public var path: String
    /// "CA certificate", "node node-a's private key", ...
    public var what: String
    /// For certificates: the identity and validity; for kept files: why.
    public var detail: String

    public var description: String { "\(kind.rawValue) \(path): \(what)\(detail.isEmpty ? "" : " (\(detail))")" }
}

/// `netmgr pki` refused to replace a file (without --force).
public struct PKIExistsError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}

extension ClusterPKI {
    /// The default line switch key file of a definitions directory.
    public static func defaultLineSwitchKeyPath(definitionsDirectory: String) -> String {
        DefinitionsPath.resolve("pki/line-switch.key", besides: definitionsDirectory + "/cluster.yaml")
    }

    /// Makes what the definitions name: the CA when absent (`ca.pem` and `ca-key.pem` beside it),
    /// every node's certificate and key, and the line switch key. Existing node files and key are
    /// kept unless `force`; an existing CA is always kept (its key must be beside it to issue).
    /// The names a node certificate carries: the node's address and LAN host; with a TN server,
    /// its listeners and the groups' VIPs too, since emulators (s3270 -cafile, pr3287) verify the
    /// address they connected to, a node's or the VIP in front. x3270-family clients (4.1) match
    /// an address against DNS names only, so those also go in as DNS names (`emulatorAddresses`).
    public static func nodeCertificateNames(_ node: ClusterNode, in cluster: Cluster) -> (hosts: [String], emulatorAddresses: [String]) {
        var hosts = [node.address.text, node.lan.host]
        guard node.tnServer != nil || node.tnServerTLS != nil else { return (hosts, []) }
        var emulatorAddresses: [String] = []
        for address in [node.tnServer, node.tnServerTLS].compactMap({ $0?.host }) + cluster.groups.compactMap({ $0.vip?.address.text })
        where !emulatorAddresses.contains(address) {
            emulatorAddresses.append(address)
        }
        hosts += emulatorAddresses
        return (hosts, emulatorAddresses)
    }

    public static func initialise(_ definitions: Definitions, lineSwitchKeyPath: String?, force: Bool,
                                  now: Date = Date()) throws -> [PKIAction] {
        var actions: [PKIAction] = []
        let cluster = definitions.cluster
        let caPath = cluster.tls.caPath ?? ClusterTLS.defaultCAPath
        let authority = try authority(at: caPath, cluster: cluster.name, now: now, actions: &actions)
        for node in cluster.nodes {
            let files = node.tls ?? NodeTLS.defaults(node: node.name)
            let (hosts, emulatorAddresses) = nodeCertificateNames(node, in: cluster)
            let haveCertificate = PKIFile.exists(files.certificatePath), haveKey = PKIFile.exists(files.keyPath)
            if haveCertificate, haveKey, !force {
                actions.append(PKIAction(kind: .kept, path: files.certificatePath, what: "node \(node.name)'s certificate", detail: "exists; --force makes it anew"))
                actions.append(PKIAction(kind: .kept, path: files.keyPath, what: "node \(node.name)'s private key", detail: "exists"))
                continue
            }
            if haveCertificate != haveKey, !force {
                let (present, missing) = haveCertificate ? (files.certificatePath, files.keyPath) : (files.keyPath, files.certificatePath)
                throw PKIExistsError(path: present, problem: "exists but \(missing) does not; --force makes node \(node.name)'s certificate and key anew")
            }
            let issued = try issueNode(name: node.name, hosts: hosts, dnsNamesForAddresses: emulatorAddresses, by: authority, now: now)
            actions += try write(issued, certificatePath: files.certificatePath, keyPath: files.keyPath, what: "node \(node.name)'s")
        }
        if let lineSwitchKeyPath {
            if PKIFile.exists(lineSwitchKeyPath), !force {
                actions.append(PKIAction(kind: .kept, path: lineSwitchKeyPath, what: "line switch key", detail: "exists; --force makes it anew"))
            } else {
                try PKIFile.write(makeSecretKey(), to: lineSwitchKeyPath, mode: PKIFile.secretMode)
                actions.append(PKIAction(kind: .wrote, path: lineSwitchKeyPath, what: "line switch key", detail: "\(secretKeyBytes) random bytes, mode 0600"))
            }
        }
        return actions
    }

    /// The CA of `caPath` with its key beside it, or a new one written there when neither exists.
    static func authority(at caPath: String, cluster: String, now: Date, actions: inout [PKIAction]) throws -> CertificateAuthority {
        let caKeyPath = keyPath(forCertificate: caPath)
        if PKIFile.exists(caPath) {
            guard PKIFile.exists(caKeyPath) else {
                throw TLSMaterialError(path: caPath, problem: "the CA certificate exists but not its key \(caKeyPath); netmgr pki issues only with the CA key (or issue with your own CA, see the README's Certificates)")
            }
            let authority = try loadAuthority(certificatePath: caPath, keyPath: caKeyPath)
            actions.append(PKIAction(kind: .kept, path: caPath, what: "CA certificate", detail: summary(authority.certificate)))
            return authority
        }
        if PKIFile.exists(caKeyPath) {
            throw PKIExistsError(path: caKeyPath, problem: "a CA key exists without its certificate \(caPath); remove it or put the certificate back")
        }
        let authority = try makeAuthority(cluster: cluster, now: now)
        try PKIFile.write(authority.privateKey.serializeAsPEM().pemString, to: caKeyPath, mode: PKIFile.secretMode)
        try PKIFile.write(pem(authority.certificate), to: caPath, mode: PKIFile.publicMode)
        actions.append(PKIAction(kind: .wrote, path: caPath, what: "CA certificate", detail: summary(authority.certificate)))
        actions.append(PKIAction(kind: .wrote, path: caKeyPath, what: "CA private key", detail: "mode 0600; keep it off the nodes once the certificates are issued"))
        return authority
    }

    /// Writes a certificate (0644) and its key (0600), the key first.
    public static func write(_ issued: IssuedCertificate, certificatePath: String, keyPath: String, what: String) throws -> [PKIAction] {
        try PKIFile.write(issued.privateKeyPEM(), to: keyPath, mode: PKIFile.secretMode)
        try PKIFile.write(issued.certificatePEM(), to: certificatePath, mode: PKIFile.publicMode)
        return [
            PKIAction(kind: .wrote, path: certificatePath, what: "\(what) certificate", detail: summary(issued.certificate)),
            PKIAction(kind: .wrote, path: keyPath, what: "\(what) private key", detail: "mode 0600"),
        ]
    }

    /// "node node-a, valid until 2028-12-02" / "CN=netmgr CA tokyo, valid until 2036-11-30".
    public static func summary(_ certificate: Certificate) -> String {
        let who = (try? PeerIdentity.from(certificate: certificate).description) ?? certificate.subject.description
        return "\(who), valid until \(day(certificate.notValidAfter))"
    }

    static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }
}
