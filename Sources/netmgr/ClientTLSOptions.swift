import ArgumentParser
import NetMgrClient

/// An application's TLS towards netmgrd: `--ca`, `--certificate`, `--key` (all three, or
/// none for a cluster in development mode, `cluster.tls: off`).
struct ClientTLSOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The cluster CA certificate (PEM) the servers are verified against.", valueName: "file"))
    var ca: String?

    @Option(help: ArgumentHelp("This application's certificate (PEM; `netmgr pki issue --client NAME` makes one).", valueName: "file"))
    var certificate: String?

    @Option(help: ArgumentHelp("This application's private key (PEM, mode 0600 or 0400).", valueName: "file"))
    var key: String?

    var given: Bool { ca != nil || certificate != nil || key != nil }

    func validate() throws {
        guard given else { return }
        guard ca != nil, certificate != nil, key != nil else {
            throw ValidationError("--ca, --certificate and --key go together (give all three, or none for a cluster with tls: off)")
        }
    }

    /// The loaded material, nil when none was given; throws naming the file that cannot be used.
    func load() throws -> ClientTLS? {
        guard let ca, let certificate, let key else { return nil }
        return try ClientTLS(caPath: ca, certificatePath: certificate, keyPath: key)
    }
}
