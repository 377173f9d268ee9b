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
            case .uncleanShutdown: return "the peer closed the connection without ending TLS (it went away, or refused the handshake)"
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
        var reason = Substring(text)
        if let range = firstRange(of: "OPENSSL_internal:", in: reason) { reason = reason[range.upperBound...] }
        if let range = firstRange(of: " at ", in: reason) { reason = reason[..<range.lowerBound] }
        if reason.hasPrefix("Error: ") { return String(reason.dropFirst(7)) }
        let words = String(reason.lowercased().map { $0 == "_" ? " " : $0 })
        for prefix in ["sslv3 alert ", "tlsv1 alert ", "tlsv13 alert "] where words.hasPrefix(prefix) {
            return "the peer sent alert \(words.dropFirst(prefix.count))"
        }
        return words
    }

    /// Where `needle` first occurs in `text` (this module does without Foundation).
    private static func firstRange(of needle: String, in text: Substring) -> Range<Substring.Index>? {
        var index = text.startIndex
        while index < text.endIndex {
            if text[index...].hasPrefix(needle) { return index..<text.index(index, offsetBy: needle.count) }
            index = text.index(after: index)
        }
        return nil
    }
}
