import NetMgrSecurity

/// A peer's certificate to `PeerIdentity`: the first byte chooses DER (even) or PEM text (odd),
/// the rest is the certificate.
enum PeerIdentityTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        guard let first = data.first else { return }
        let body = Array(data.dropFirst())
        let result: Result<PeerIdentity, PeerIdentityError>
        if first & 1 == 0 {
            result = Result { () throws(PeerIdentityError) in try PeerIdentity.from(derCertificate: body) }
        } else {
            result = Result { () throws(PeerIdentityError) in try PeerIdentity.from(pemCertificate: String(decoding: body, as: UTF8.self)) }
        }
        switch result {
        case .success(let identity):
            // An identity is a usable name: 1...nameLimit bytes, no space or control character.
            let name = identity.name
            check(!name.isEmpty && name.utf8.count <= PeerIdentity.nameLimit, "identity \(identity) has a bad length")
            check(name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F }, "identity \(identity) has a space or control character")
            // The same bytes give the same identity.
            if first & 1 == 0 { check((try? PeerIdentity.from(derCertificate: body)) == identity, "identity not repeatable") }
        case .failure(let error):
            check(!error.description.isEmpty, "an empty message")
        }
    }

    /// Seeds: node, client and CN-only certificates, as DER and as PEM.
    static func seeds() throws -> [(name: String, bytes: [UInt8])] {
        let authority = try ClusterPKI.makeAuthority(cluster: "fuzz")
        let node = try ClusterPKI.issueNode(name: "node-a", hosts: ["127.0.0.11", "::1", "node-a.example"], by: authority)
        let client = try ClusterPKI.issueClient(name: "payroll", by: authority)
        var seeds: [(name: String, bytes: [UInt8])] = []
        for (name, certificate) in [("node", node.certificate), ("client", client.certificate), ("ca", authority.certificate)] {
            seeds.append(("\(name)-der", [0x00] + (try ClusterPKI.der(certificate))))
            seeds.append(("\(name)-pem", [0x01] + Array(try ClusterPKI.pem(certificate).utf8)))
        }
        return seeds
    }
}
