import Logging
import NIOCore
import NetMgrCore

/// Builds the host side that fits a resource's line procedure.
struct AttachmentFactory: Sendable {
    let configuration: DaemonConfiguration
    let logger: Logger

    func make(for runtime: ResourceRuntime, epoch: UInt64, node: ClusterNode, loop: EventLoop) throws -> HostAttachment {
        let definitions = configuration.definitions
        guard let line = definitions.line(named: runtime.resource.line) else {
            throw AdminFailure("line \(runtime.resource.line) is not defined")
        }
        switch line.procedure {
        case .hdlcLeased:
            let plan = try SDLCLinePlan(definitions: definitions, resource: runtime.resource, node: node.name, epoch: epoch)
            return SDLCAttachment(plan: plan, loop: loop, retry: configuration.retry, logger: logger)
        default:
            throw AdminFailure("netmgrd has no connector for \(line.procedure.rawValue) lines yet")
        }
    }
}
