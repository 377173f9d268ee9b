import SwiftASN1
import X509

/// Who a TLS peer is, read from its certificate.
///
/// - `.node(NAME)`: the certificate carries the URI SAN `netmgr:node:NAME` (only node
///   certificates made by `netmgr pki` carry it).
/// - `.application(NAME)`: the URI SAN `netmgr:client:NAME`, else the subject's common name
///   (certificates from an enterprise CA). NAME is what `clients:` entries match.
public enum PeerIdentity: Hashable, Sendable, CustomStringConvertible {
    case node(String)
    case application(String)

    /// The URI SAN prefix of node certificates.
    public static let nodeURIPrefix = "netmgr:node:"
    /// The URI SAN prefix of application (client) certificates.
    public static let clientURIPrefix = "netmgr:client:"
    /// The longest name accepted from a certificate, in UTF-8 bytes.
    public static let nameLimit = 128

    /// The name, whichever kind.
    public var name: String {
        switch self {
        case .node(let name), .application(let name): name
        }
    }

    /// "node node-a", "application payroll".
    public var description: String {
        switch self {
        case .node(let name): "node \(name)"
        case .application(let name): "application \(name)"
        }
    }

    /// The identity of a DER-encoded X.509 certificate. Throws when the bytes are not a
    /// certificate, when it names no identity, or names more than one.
    public static func from(derCertificate: [UInt8]) throws(PeerIdentityError) -> PeerIdentity {
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: derCertificate)
        } catch {
            throw PeerIdentityError.notACertificate(String(describing: error))
        }
        return try from(certificate: certificate)
    }

    /// The identity of the first certificate of a PEM text.
    public static func from(pemCertificate: String) throws(PeerIdentityError) -> PeerIdentity {
        let certificate: Certificate
        do {
            certificate = try Certificate(pemEncoded: pemCertificate)
        } catch {
            throw PeerIdentityError.notACertificate(String(describing: error))
        }
        return try from(certificate: certificate)
    }

    /// The identity of a parsed certificate: a `netmgr:` URI SAN first, else the subject's CN.
    public static func from(certificate: Certificate) throws(PeerIdentityError) -> PeerIdentity {
        let names: SubjectAlternativeNames?
        do {
            names = try certificate.extensions.subjectAlternativeNames
        } catch {
            throw PeerIdentityError.notACertificate("its subject alternative names cannot be decoded: \(error)")
        }
        // A CA's own certificate verifies against itself; it is never a peer.
        if case .isCertificateAuthority = try? certificate.extensions.basicConstraints {
            throw PeerIdentityError.notACertificate("it is a CA certificate, not a node's or an application's")
        }
        var found: [PeerIdentity] = []
        for name in names ?? SubjectAlternativeNames() {
            guard case .uniformResourceIdentifier(let uri) = name else { continue }
            if uri.hasPrefix(nodeURIPrefix) {
                found.append(.node(try checked(String(uri.dropFirst(nodeURIPrefix.count)), source: uri)))
            } else if uri.hasPrefix(clientURIPrefix) {
                found.append(.application(try checked(String(uri.dropFirst(clientURIPrefix.count)), source: uri)))
            }
        }
        if let first = found.first {
            guard found.allSatisfy({ $0 == first }) else {
                throw PeerIdentityError.ambiguous(found.map { $0.description })
            }
            return first
        }
        var commonNames: [String] = []
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                guard let text = String(attribute.value) else {
                    throw PeerIdentityError.badName("the subject's common name is not a string")
                }
                commonNames.append(text)
            }
        }
        guard let commonName = commonNames.first else { throw PeerIdentityError.noIdentity }
        guard commonNames.count == 1 else { throw PeerIdentityError.ambiguous(commonNames.map { "CN=\($0)" }) }
        return .application(try checked(commonName, source: "CN=\(commonName)"))
    }

    /// A name is 1…nameLimit bytes of printable ASCII or other non-control characters, no spaces.
    static func checked(_ name: String, source: String) throws(PeerIdentityError) -> String {
        guard !name.isEmpty else { throw PeerIdentityError.badName("\(source.prefix(nameLimit)): the name is empty") }
        guard name.utf8.count <= nameLimit else {
            throw PeerIdentityError.badName("\(source.prefix(nameLimit))…: the name is longer than \(nameLimit) bytes")
        }
        guard name.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && !($0.value >= 0x80 && $0.value < 0xA0) }) else {
            throw PeerIdentityError.badName("\(source.debugDescription): the name holds a space or control character")
        }
        return name
    }
}

/// Why a certificate gave no identity.
public enum PeerIdentityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not an X.509 certificate (the reason from the decoder).
    case notACertificate(String)
    /// No `netmgr:` URI SAN and no subject common name.
    case noIdentity
    /// More than one different identity (the ones found).
    case ambiguous([String])
    /// An unusable name (what and why).
    case badName(String)
    /// The connection has no TLS handler, or the peer presented no certificate.
    case noPeerCertificate

    public var description: String {
        switch self {
        case .notACertificate(let reason): "not an X.509 certificate: \(reason)"
        case .noIdentity: "the certificate names no identity: no netmgr:node: or netmgr:client: URI SAN and no subject common name"
        case .ambiguous(let names): "the certificate names more than one identity: \(names.joined(separator: ", "))"
        case .badName(let reason): "the certificate's identity is unusable: \(reason)"
        case .noPeerCertificate: "the peer presented no certificate"
        }
    }
}
