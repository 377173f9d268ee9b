import Foundation

/// A throwaway PKI made with the openssl command (installed by scripts/test): a CA and
/// certificates it signs, as PEM files in `directory`, keys mode 0600. For tests of TLS
/// toward the host, where the host is not a cluster node and its certificate comes from
/// the site's own CA.
public struct OpenSSLTestPKI: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let directory: String
    /// The CA's certificate and key.
    public let caPath: String
    public let caKeyPath: String

    /// Makes a P-256 CA named `name` (files NAME.pem, NAME-key.pem in `directory`).
    public static func makeCA(in directory: String, name: String) async throws -> OpenSSLTestPKI {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let pki = OpenSSLTestPKI(directory: directory, caPath: "\(directory)/\(name).pem", caKeyPath: "\(directory)/\(name)-key.pem")
        try await openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                           "-keyout", pki.caKeyPath, "-out", pki.caPath, "-days", "30", "-subj", "/CN=\(name)"])
        try pki.restrict(pki.caKeyPath)
        return pki
    }

    /// A leaf signed by this CA: NAME.pem and NAME-key.pem; `subjectAltNames` as openssl
    /// writes them (e.g. ["DNS:tn3270.test", "IP:127.0.76.100"]); `clientAuth` for a client certificate.
    @discardableResult
    public func issue(_ name: String, subjectAltNames: [String], clientAuth: Bool = false) async throws -> (certificate: String, key: String) {
        let certificate = "\(directory)/\(name).pem", key = "\(directory)/\(name)-key.pem"
        let request = "\(directory)/\(name).csr", extensions = "\(directory)/\(name).ext"
        var lines = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=\(clientAuth ? "clientAuth" : "serverAuth")"]
        if !subjectAltNames.isEmpty { lines.append("subjectAltName=\(subjectAltNames.joined(separator: ","))") }
        try (lines.joined(separator: "\n") + "\n").write(toFile: extensions, atomically: false, encoding: .utf8)
        try await Self.openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                "-keyout", key, "-out", request, "-subj", "/CN=\(name)"])
        try restrict(key)
        try await Self.openssl(["x509", "-req", "-in", request, "-CA", caPath, "-CAkey", caKeyPath, "-CAcreateserial",
                                "-out", certificate, "-days", "30", "-extfile", extensions])
        return (certificate, key)
    }

    private func restrict(_ path: String) throws {
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    private static func openssl(_ arguments: [String]) async throws {
        let result = try await runProcess("openssl", arguments, timeout: .seconds(30))
        guard result.status == 0 else {
            throw Failure(description: "openssl \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.standardError)")
        }
    }
}
