import Foundation
import Yams

extension DefinitionsParser {
    /// `resources[].tls`: TLS toward the host for a TnETOS resource.
    ///
    ///     tls: { mode: direct | starttls, ca: pki/host-ca.pem, certificate: …, key: …, server-name: host.example }
    ///
    /// Relative paths are resolved against the definitions directory; each named file must
    /// exist (read permission and a key's mode are checked by netmgrd when it uses them).
    /// Whether the resource is a TnETOS one is the validator's question (it knows the line).
    func parseResourceTLS(_ entry: inout MappingReader, _ reader: YAMLReader) -> ResourceTLS? {
        guard let node = entry.value("tls", expected: "TLS toward the host: a mapping with mode and ca") else { return nil }
        guard var tls = MappingReader(reader, node, path: entry.keyPath("tls"),
                                      what: "a mapping: mode (direct or starttls), ca, and optionally certificate, key, server-name") else { return nil }
        let mode = tls.choice("mode", HostTLSMode.self, required: true)
        let directory = (reader.file as NSString).deletingLastPathComponent
        let ca = Self.tlsFile(&tls, "ca", required: true, what: "the CA certificate (PEM) the host's certificate must verify against", directory: directory, reader)
        let certificate = Self.tlsFile(&tls, "certificate", what: "this node's client certificate (PEM) for the host", directory: directory, reader)
        let key = Self.tlsFile(&tls, "key", what: "the client certificate's private key (PEM, mode 0600)", directory: directory, reader)
        let serverName = tls.string("server-name", expected: "the host's name for SNI and the certificate check (default: the host address)")
        if let serverName, !Self.isServerName(serverName) {
            reader.report(at: tls.fields["server-name"]!, key: tls.keyPath("server-name"), "\"\(serverName)\" is not a host name",
                          expected: "a DNS name such as tn3270.example.com, or an IP address")
        }
        switch (tls.fields["certificate"], tls.fields["key"]) {
        case (let written?, nil):
            reader.report(at: written, key: tls.keyPath("key"), "is missing: a client certificate needs its private key", expected: "key: the certificate's private key file")
        case (nil, let written?):
            reader.report(at: written, key: tls.keyPath("certificate"), "is missing: a private key is only used with its certificate", expected: "certificate: the client certificate file")
        default:
            break
        }
        tls.finish()
        guard let mode, let ca else { return nil }
        var result = ResourceTLS(mode: mode, caPath: ca, certificatePath: certificate, keyPath: key, serverName: serverName, location: tls.location)
        result.fields = tls.fields
        return result
    }

    /// A file key: resolved against `directory` when relative; reported when it is a directory.
    private static func tlsFile(_ entry: inout MappingReader, _ key: String, required: Bool = false, what: String, directory: String,
                                _ reader: YAMLReader) -> String? {
        guard let text = entry.string(key, required: required, expected: "the path of \(what)") else { return nil }
        let path = text.hasPrefix("/") ? text : (directory as NSString).appendingPathComponent(text)
        // A missing file is check's warning (TLSFileCheck), not a load error: one node's copy of
        // the definitions may lack the other's key, and netmgrd names the file at activation.
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            reader.report(at: entry.fields[key]!, key: entry.keyPath(key), "\(path) is a directory", expected: "the path of \(what)")
        }
        return path
    }

    /// A DNS name (letters, digits, hyphens, dots) or an IPv4/IPv6 literal.
    static func isServerName(_ text: String) -> Bool {
        if IPAddress(text) != nil { return true }
        guard text.count <= 253, !text.hasPrefix("."), !text.hasSuffix(".") else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
