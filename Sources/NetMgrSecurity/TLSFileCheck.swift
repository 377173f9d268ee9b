import Foundation
import NetMgrCore
import NIOSSL
import X509

/// One thing `netmgr check` says about a TLS file.
public struct TLSFileFinding: Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        /// A file is absent: not made yet, or deliberately not copied to this machine (the other
        /// node's key). netmgrd cannot start with TLS on without its own files.
        case warning
        /// A file exists but cannot be used: unreadable, readable by others, wrong key, wrong
        /// node, another CA, expired.
        case error
    }

    public var severity: Severity
    public var diagnostic: Diagnostic

    /// `FILE:LINE:COL: warning|error: KEY: PROBLEM; expected ...`, as check prints diagnostics.
    public var description: String {
        var text = "\(diagnostic.location): \(severity.rawValue): \(diagnostic.key): \(diagnostic.problem)"
        if let expected = diagnostic.expected { text += "; expected \(expected)" }
        return text
    }
}

/// What `netmgr check` says about the TLS files the definitions name: a missing file is a
/// warning; a file that exists must be usable: the key private and belonging to the
/// certificate, the certificate the node's own (`netmgr:node:NAME`), signed by the cluster CA
/// and not expired.
public enum TLSFileCheck {
    public static func findings(_ definitions: Definitions, definitionsDirectory: String, now: Date = Date()) -> [TLSFileFinding] {
        let cluster = definitions.cluster
        let make = "netmgr pki init --definitions \(definitionsDirectory)"
        var found: [TLSFileFinding] = []
        func add(_ severity: TLSFileFinding.Severity, _ location: SourceLocation, _ key: String, _ problem: String, expected: String? = nil) {
            found.append(TLSFileFinding(severity: severity, diagnostic: Diagnostic(location, key: key, problem: problem, expected: expected)))
        }
        // TLS toward the host: whatever the LAN does.
        for resource in definitions.resources {
            guard let tls = resource.tls else { continue }
            let files = [("ca", tls.caPath, "the host's CA certificate"), ("certificate", tls.certificatePath, "the client certificate for the host"),
                         ("key", tls.keyPath, "the client certificate's private key")]
            for case let (field, path?, what) in files {
                let key = "resources[\(resource.name)].tls.\(field)"
                if !PKIFile.exists(path) {
                    add(.warning, tls.location(of: field), key, "\(path): \(what) does not exist; \(resource.name) cannot reach its host without it")
                } else if field == "key" {
                    do { _ = try SecretFile.read(path: path) } catch { add(.error, tls.location(of: field), key, "\(error)") }
                }
            }
        }
        guard let caPath = cluster.tls.caPath else { return found }
        let caLocation = cluster.location(of: "tls")
        var authorities: [Certificate] = []
        if !PKIFile.exists(caPath) {
            add(.warning, caLocation, "cluster.tls.ca", "\(caPath): the cluster CA certificate does not exist", expected: "the file `\(make)` makes, or your CA's certificate")
        } else {
            do {
                authorities = try TLSMaterial.certificates(at: caPath, what: "CA certificate").map { try Certificate(derEncoded: $0.toDERBytes()) }
            } catch {
                add(.error, caLocation, "cluster.tls.ca", String(describing: error), expected: "the cluster CA certificate in PEM")
            }
        }
        for authority in authorities where authority.notValidAfter < now {
            add(.error, caLocation, "cluster.tls.ca", "\(caPath): the CA certificate \(authority.subject) expired on \(ClusterPKI.day(authority.notValidAfter))")
        }
        for node in cluster.nodes {
            let files = node.tls ?? NodeTLS.defaults(node: node.name)
            let key = "cluster.nodes[\(node.name)].tls"
            let location = node.location(of: "tls")
            let missing = [files.certificatePath, files.keyPath].filter { !PKIFile.exists($0) }
            if !missing.isEmpty {
                add(.warning, location, key, "node \(node.name): \(missing.joined(separator: " and ")) \(missing.count == 1 ? "does" : "do") not exist; netmgrd on \(node.name) cannot start with TLS on without them",
                    expected: "the files `\(make)` makes (or `netmgr pki issue --node \(node.name)`)")
                continue
            }
            guard !authorities.isEmpty else { continue }
            let material: TLSMaterial
            do {
                material = try TLSMaterial.load(caPath: caPath, certificatePath: files.certificatePath, keyPath: files.keyPath)
            } catch {
                add(.error, location, key, "node \(node.name): \(error)")
                continue
            }
            guard let leaf = try? Certificate(derEncoded: material.certificateChain[0].toDERBytes()) else { continue }
            let path = files.certificatePath
            switch Result(catching: { () throws(PeerIdentityError) in try PeerIdentity.from(certificate: leaf) }) {
            case .success(.node(let name)) where name == node.name:
                break
            case .success(let other):
                add(.error, location, key, "\(path): the certificate is \(other)'s, not node \(node.name)'s",
                    expected: "a certificate with the URI SAN netmgr:node:\(node.name) (netmgr pki issue --node \(node.name))")
            case .failure(let error):
                add(.error, location, key, "\(path): \(error)", expected: "a certificate with the URI SAN netmgr:node:\(node.name)")
            }
            if !isSigned(leaf, chain: material.certificateChain.dropFirst(), byAnyOf: authorities) {
                add(.error, location, key, "\(path): the certificate (issuer \(leaf.issuer)) is not signed by the cluster CA in \(caPath)",
                    expected: "a certificate issued by that CA; the peers would refuse this one")
            }
            if leaf.notValidAfter < now {
                add(.error, location, key, "\(path): node \(node.name)'s certificate expired on \(ClusterPKI.day(leaf.notValidAfter))",
                    expected: "a new one: netmgr pki issue --node \(node.name) --force")
            }
        }
        return found
    }

    /// Whether `leaf` leads to one of `authorities` through `chain` (intermediates, in order), each
    /// link checked by its signature.
    static func isSigned(_ leaf: Certificate, chain: ArraySlice<NIOSSLCertificate>, byAnyOf authorities: [Certificate]) -> Bool {
        var current = leaf
        var intermediates = chain.compactMap { try? Certificate(derEncoded: $0.toDERBytes()) }[...]
        while true {
            if authorities.contains(where: { $0.subject == current.issuer && $0.publicKey.isValidSignature(current.signature, for: current) }) {
                return true
            }
            guard let next = intermediates.popFirst(), next.subject == current.issuer,
                  next.publicKey.isValidSignature(current.signature, for: current) else { return false }
            current = next
        }
    }
}
