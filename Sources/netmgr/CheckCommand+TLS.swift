import NetMgrCore
import NetMgrSecurity

extension CheckCommand {
    /// The TLS files valid definitions name (CA, node certificates and keys), with what and
    /// where: a missing file is a warning (not made yet, or the other node's key kept off this
    /// machine), a file that exists but cannot be used is an error. True when there was an error.
    func reportTLSFiles(_ loaded: LoadedDefinitions, directory: String) -> Bool {
        guard loaded.isValid else { return false }
        let findings = TLSFileCheck.findings(loaded.definitions, definitionsDirectory: directory)
        for finding in findings { printError(finding.description) }
        let errors = findings.filter { $0.severity == .error }.count
        if errors > 0 { printError("\(errors) error(s) in the TLS files of \(directory)") }
        return errors > 0
    }
}
