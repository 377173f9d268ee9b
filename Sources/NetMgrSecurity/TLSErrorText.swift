import NIOSSL

/// TLS errors as an operator reads them: "certificate verify failed", "the peer sent
/// alert unknown ca", rather than a BoringSSL error stack with file names and codes.
public enum TLSErrorText {
    /// What failed, from a NIOSSL or BoringSSL error; other errors as they describe themselves.
    public static func describe(_ error: Error) -> String {
        switch error {
        case let error as NIOSSLError:
            switch error {
            case .handshakeFailed(let inner): return "TLS handshake failed: " + describe(inner)
            case .uncleanShutdown: return "the peer closed the connection without ending TLS (refused during or after the handshake)"
            case .noCertificateToValidate: return "the peer presented no certificate"
            case .unableToValidateCertificate: return "the peer's certificate could not be validated"
            case .cannotMatchULabel: return "the server's name does not match its certificate"
            default: return "TLS error: \(error)"
            }
        case let error as BoringSSLError:
            switch error {
            case .sslError(let stack), .unknownError(let stack):
                let reasons = stack.map { reason(of: "\($0)") }
                return reasons.isEmpty ? "TLS error (no detail)" : reasons.joined(separator: "; ")
            case .syscallError: return "the connection failed during TLS"
            case .zeroReturn: return "the peer ended TLS"
            default: return "TLS error: \(error)"
            }
        default:
            return "\(error)"
        }
    }

    /// "Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at x.cc:1"
    /// → "certificate verify failed"; an alert the peer sent says so.
    static func reason(of text: String) -> String {
        var reason = text
        if let range = reason.range(of: "OPENSSL_internal:") { reason = String(reason[range.upperBound...]) }
        if let range = reason.range(of: " at ") { reason = String(reason[..<range.lowerBound]) }
        if reason.hasPrefix("Error: ") { return String(reason.dropFirst(7)) }
        let words = reason.lowercased().replacingOccurrences(of: "_", with: " ")
        for prefix in ["sslv3 alert ", "tlsv1 alert ", "tlsv13 alert "] where words.hasPrefix(prefix) {
            return "the peer sent alert \(words.dropFirst(prefix.count))"
        }
        return words
    }
}
