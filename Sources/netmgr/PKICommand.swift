import ArgumentParser
import Foundation
import NetMgrCore
import NetMgrSecurity
import X509

/// `netmgr pki`: the cluster's CA, node and client certificates, and the line switch key.
struct PKICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "Make the cluster's CA, node and client certificates and the line switch key; show a certificate.",
        discussion: """
            Exit codes: 0 done, 2 the definitions, the CA or a file could not be read or written, \
            3 a file exists (--force replaces it), 64 bad command line (unknown node, bad name).
            """,
        subcommands: [PKIInitCommand.self, PKIIssueCommand.self, PKIShowCommand.self]
    )

    /// A file would be replaced without --force.
    static let exists = ExitCode(3)

    /// Runs `body`, mapping PKI errors to the exit codes above with the message on stderr.
    static func running(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as PKIExistsError {
            printError("error: \(error)")
            throw exists
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("error: \(error)")
            throw Exit.unreadable
        }
    }
}

struct PKIDefinitionsOption: ParsableArguments {
    @Option(help: ArgumentHelp("The definitions directory (*.yaml); paths in it are relative to it.", valueName: "dir"))
    var definitions: String = ProcessEnvironment.definitionsDirectory
}

struct PKIInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make the CA (when absent), every node's certificate and key, and the line switch key, where the definitions name them.",
        discussion: """
            Files that exist are kept; --force makes node certificates, node keys and the line switch \
            key anew. An existing CA is always kept (remove ca.pem and ca-key.pem to start over: every \
            certificate it issued stops working).
            """
    )

    @OptionGroup var options: PKIDefinitionsOption

    @Flag(help: "Replace existing node certificates, node keys and the line switch key.")
    var force = false

    func run() throws {
        let definitions = try loadValidDefinitions(options.definitions, for: "netmgr pki init")
        if definitions.cluster.tls == .off {
            print("note: cluster.tls is off in \(options.definitions): the files are made but not used until TLS is on")
        }
        try PKICommand.running {
            let actions = try ClusterPKI.initialise(
                definitions, lineSwitchKeyPath: definitions.cluster.lineSwitchKey ?? ClusterPKI.defaultLineSwitchKeyPath(definitionsDirectory: options.definitions), force: force)
            for action in actions { print(action) }
        }
    }
}

struct PKIIssueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue one client (application) or node certificate with the cluster CA.",
        discussion: """
            --client NAME writes NAME.pem and NAME-key.pem (URI SAN netmgr:client:NAME, CN NAME) into \
            --out (default: the CA's directory). --node NAME writes to the paths the definitions name \
            for that node, or into --out.
            """
    )

    @OptionGroup var options: PKIDefinitionsOption

    @Option(help: ArgumentHelp("An application's identity, as clients: entries name it.", valueName: "name"))
    var client: String?

    @Option(help: ArgumentHelp("A node of the definitions.", valueName: "name"))
    var node: String?

    @Option(help: ArgumentHelp("Where to write NAME.pem and NAME-key.pem.", valueName: "dir"))
    var out: String?

    @Flag(help: "Replace existing files.")
    var force = false

    func validate() throws {
        guard (client == nil) != (node == nil) else { throw ValidationError("give either --client NAME or --node NAME") }
        if let client {
            guard !client.isEmpty, client.utf8.count <= PeerIdentity.nameLimit,
                  client.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && $0 != "/" }) else {
                throw ValidationError("--client \(client.debugDescription): a name is 1 to \(PeerIdentity.nameLimit) bytes without spaces, slashes or control characters")
            }
        }
    }

    func run() throws {
        let definitions = try loadValidDefinitions(options.definitions, for: "netmgr pki issue")
        let caPath = definitions.cluster.tls.caPath
            ?? DefinitionsPath.resolve(ClusterTLS.defaultCAPath, besides: options.definitions + "/cluster.yaml")
        let directory = out ?? (caPath.contains("/") ? String(caPath[..<caPath.lastIndex(of: "/")!]) : ".")
        let target: (name: String, files: NodeTLS, hosts: [String]?)
        var emulatorAddresses: [String] = []
        if let node {
            guard let entry = definitions.node(named: node) else {
                printError("error: --node \(node): no such node in \(options.definitions); the nodes: \(definitions.cluster.nodes.map(\.name).joined(separator: ", "))")
                throw ExitCode.validationFailure
            }
            let files = out == nil ? (entry.tls ?? NodeTLS.defaults(node: node)) : NodeTLS(certificatePath: "\(directory)/\(node).pem", keyPath: "\(directory)/\(node)-key.pem")
            let names = ClusterPKI.nodeCertificateNames(entry, in: definitions.cluster)
            target = (node, files, names.hosts)
            emulatorAddresses = names.emulatorAddresses
        } else {
            let name = client ?? ""
            target = (name, NodeTLS(certificatePath: "\(directory)/\(name).pem", keyPath: "\(directory)/\(name)-key.pem"), nil)
        }
        try PKICommand.running {
            for path in [target.files.certificatePath, target.files.keyPath] where !force && FileManager.default.fileExists(atPath: path) {
                throw PKIExistsError(path: path, problem: "exists; --force replaces it")
            }
            let authority = try ClusterPKI.loadAuthority(certificatePath: caPath, keyPath: ClusterPKI.keyPath(forCertificate: caPath))
            let issued = try target.hosts.map { try ClusterPKI.issueNode(name: target.name, hosts: $0, dnsNamesForAddresses: emulatorAddresses, by: authority) }
                ?? ClusterPKI.issueClient(name: target.name, by: authority)
            let what = target.hosts == nil ? "client \(target.name)'s" : "node \(target.name)'s"
            for action in try ClusterPKI.write(issued, certificatePath: target.files.certificatePath, keyPath: target.files.keyPath, what: what) {
                print(action)
            }
        }
    }
}

struct PKIShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a certificate file (PEM or DER): identity, validity, issuer, names.",
        discussion: "Exit codes: 0 shown, 2 unreadable or not a certificate."
    )

    @Argument(help: ArgumentHelp("A certificate file, PEM (every certificate in it) or DER.", valueName: "file"))
    var file: String

    func run() throws {
        try PKICommand.running {
            for certificate in try Self.certificates(in: file) { print(Self.describe(certificate)) }
        }
    }

    static func certificates(in path: String) throws -> [Certificate] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TLSMaterialError(path: path, problem: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist")
        }
        if let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN") {
            let certificates = try TLSMaterial.certificates(at: path, what: "certificate").map { try Certificate(derEncoded: $0.toDERBytes()) }
            return certificates
        }
        do {
            return [try Certificate(derEncoded: Array(data))]
        } catch {
            throw TLSMaterialError(path: path, problem: "is neither a PEM nor a DER certificate (\(error))")
        }
    }

    static func describe(_ certificate: Certificate) -> String {
        let identity: String
        do {
            identity = try PeerIdentity.from(certificate: certificate).description
        } catch {
            identity = "none (\(error))"
        }
        let now = Date()
        let days = Int(certificate.notValidAfter.timeIntervalSince(now) / 86_400)
        let state = certificate.notValidAfter < now ? "EXPIRED" : certificate.notValidBefore > now ? "NOT YET VALID" : "\(days) days left"
        var lines = [
            "subject:   \(certificate.subject)",
            "identity:  \(identity)",
            "issuer:    \(certificate.issuer)\(certificate.issuer == certificate.subject ? " (self-signed)" : "")",
            "valid:     \(certificate.notValidBefore) until \(certificate.notValidAfter) (\(state))",
            "serial:    \(certificate.serialNumber)",
        ]
        if let names = try? certificate.extensions.subjectAlternativeNames {
            lines.append("names:     \(names.map { String(describing: $0) }.joined(separator: ", "))")
        }
        if let usages = try? certificate.extensions.extendedKeyUsage {
            lines.append("usage:     \(usages.map { String(describing: $0) }.joined(separator: ", "))")
        }
        if case .isCertificateAuthority = try? certificate.extensions.basicConstraints {
            lines.append("CA:        yes")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
