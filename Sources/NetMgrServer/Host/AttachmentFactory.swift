import Logging
import NIOCore
import NetMgrCore
import NetMgrProtocol

/// Builds the host side that fits a resource's line procedure.
struct AttachmentFactory: Sendable {
    let configuration: DaemonConfiguration
    let logger: Logger

    func make(for runtime: ResourceRuntime, epoch: UInt64, stale: [HostConnectionInfo], node: ClusterNode, loop: EventLoop,
              connects: ConnectLimiters) throws -> HostAttachment {
        let definitions = configuration.definitions
        guard let line = definitions.line(named: runtime.resource.line) else {
            throw AdminFailure("line \(runtime.resource.line) is not defined")
        }
        switch line.procedure {
        case .tnetos:
            guard case .tcp(let host) = runtime.resource.host else {
                throw AdminFailure("\(runtime.name) has no TCP host address")
            }
            guard let source = definitions.sourceAddress(of: runtime.resource, on: node) else {
                throw AdminFailure("\(runtime.name) has no own-address")
            }
            // Only connections from the address this node now has can be made to end here.
            let leftBehind = stale.filter { $0.localAddress == source.text }.map {
                StaleHostConnection(lu: $0.lu, localPort: Int($0.localPort), remote: Endpoint(host: $0.remoteAddress, port: Int($0.remotePort)))
            }
            // TLS files are read at each activation: a renewed certificate needs no restart.
            let tls: HostTLSClient?
            do {
                tls = try runtime.resource.tls.map { try HostTLSClient($0, host: host) }
            } catch {
                throw AdminFailure("\(runtime.name): TLS toward the host: \(error)")
            }
            return TN3270Attachment(resource: runtime.resource, lus: definitions.lus(of: runtime.name), host: host, sourceAddress: source,
                                    retry: configuration.retry, connects: connects.limiter(for: host), staleConnections: leftBehind, tls: tls,
                                    loop: loop, logger: logger)
        case .hdlcLeased:
            let plan = try SDLCLinePlan(definitions: definitions, resource: runtime.resource, node: node.name, epoch: epoch)
            return SDLCAttachment(plan: plan, loop: loop, retry: configuration.retry, logger: logger)
        case .bdlc:
            let plan = try BDLCLinePlan(definitions: definitions, resource: runtime.resource, node: node.name)
            return try BDLCAttachment(plan: plan, loop: loop, retry: configuration.retry, logger: logger)
        case .hdlcPacket:
            let plan = try X25LinePlan(definitions: definitions, resource: runtime.resource, node: node.name, epoch: epoch)
            return X25Attachment(plan: plan, loop: loop, retry: configuration.retry, logger: logger)
        case .hdlcPublic:
            let plan = try DialupLinePlan(definitions: definitions, resource: runtime.resource, node: node.name, epoch: epoch)
            return DialupAttachment(plan: plan, loop: loop, logger: logger)
        case .hdlcISDN:
            let plan = try ISDNLinePlan(definitions: definitions, resource: runtime.resource, node: node.name)
            return ISDNAttachment(plan: plan, loop: loop, logger: logger)
        }
    }
}
