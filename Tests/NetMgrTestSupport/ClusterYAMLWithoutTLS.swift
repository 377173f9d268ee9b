/// The example Phonebook's cluster.yaml in development mode: `tls: off` and no node
/// certificates, for tests about something else that need no PKI (in plain mode the HELLO
/// client name is the identity). Unchanged where the text has no `tls:` section.
public func clusterYAMLWithoutTLS(_ text: String) -> String {
    text.replacingOccurrences(of: "  tls:\n    ca: pki/ca.pem\n", with: "  tls: off\n")
        .split(separator: "\n", omittingEmptySubsequences: false)
        .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("tls: { certificate:") }
        .joined(separator: "\n")
}
