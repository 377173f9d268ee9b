import Logging
import NIOCore
import NIOPosix
import NetMgrCore
import NetMgrProtocol

/// netmgrd's state: resources, their LUs and host sides, and the client connections.
/// Confined to one event loop: every method runs there, so nothing needs a lock, and
/// at tens of thousands of sessions the work is socket I/O, not coordination.
final class Router {
    let loop: EventLoop
    var definitions: Definitions {
        didSet { definitionsChanged?(definitions) }
    }
    /// Told when a reload changed `definitions`.
    var definitionsChanged: ((Definitions) -> Void)?
    let node: ClusterNode
    var logger: Logger
    let epochs: EpochStore?
    /// Where the epoch store's blocking file work runs, off this loop; nil runs it inline
    /// (tests on an embedded loop).
    var epochStoreThreads: NIOThreadPool? = .singleton
    let metrics: DaemonMetrics
    /// Builds the host side for a resource (throws why it cannot); tests replace it. It gets
    /// the connections other nodes left at the host, so it can have the host drop them.
    let makeAttachment: (ResourceRuntime, UInt64, [HostConnectionInfo]) throws -> HostAttachment

    var resources: [String: ResourceRuntime] = [:]
    var resourceOrder: [String] = []
    var connections: [ObjectIdentifier: ClientConnection] = [:]
    var isShuttingDown = false
    /// The host connections each peer announced, by peer then "resource/LU"; kept when
    /// a peer goes silent, which is when they are needed.
    var peerConnections: [String: [String: HostConnectionInfo]] = [:]
    /// The LAN side's limits and their bookkeeping (Router+Clients).
    var lan: LANState
    /// The TN3270E server front end on this node, if any (it registers itself): reloads and keep-lu (Router+TNServer.swift).
    var tnServer: TNServer?

    init(loop: EventLoop, definitions: Definitions, node: ClusterNode, epochs: EpochStore?, logger: Logger,
         metrics: DaemonMetrics, lanLimits: LANLimits = LANLimits(),
         makeAttachment: @escaping (ResourceRuntime, UInt64, [HostConnectionInfo]) throws -> HostAttachment) {
        self.loop = loop
        self.definitions = definitions
        self.node = node
        self.epochs = epochs
        self.logger = logger
        self.metrics = metrics
        self.makeAttachment = makeAttachment
        self.lan = LANState(limits: lanLimits, maximumConnections: lanLimits.effectiveMaximumConnections(hostConnections: definitions.lus.count))
        for resource in definitions.resources {
            let group = definitions.group(carrying: resource.name)?.name ?? "-"
            resources[resource.name] = ResourceRuntime(resource: resource, group: group, lus: definitions.lus(of: resource.name))
            resourceOrder.append(resource.name)
        }
    }

    // MARK: - Resource state

    /// Carries out what a resource's state machine asked for.
    func perform(_ actions: [ResourceStateMachine.Action], on runtime: ResourceRuntime) {
        for action in actions {
            switch action {
            case .announce(let state, let epoch):
                logger.info("resource \(runtime.name) \(state) (epoch \(epoch))")
                metrics.resourceState(runtime.name, state, epoch: epoch.value, lus: runtime.luOrder.count)
                broadcast(.resource(name: runtime.name, state: state, epoch: epoch.value, node: node.name))
                settleWaiters(of: runtime)
            case .startAttachment(let epoch):
                runtime.activatingSince = .now()
                let attachment: HostAttachment
                do {
                    let stale = peerConnections.values.flatMap(\.values).filter { $0.resource == runtime.name && $0.up }
                    attachment = try makeAttachment(runtime, epoch.value, stale)
                } catch {
                    logger.error("resource \(runtime.name): cannot activate: \(error)")
                    runtime.activationWaiters.forEach { $0.fail(AdminFailure("\(runtime.name): \(error)")) }
                    runtime.activationWaiters.removeAll()
                    perform(runtime.machine.attachmentFailed(), on: runtime)
                    continue
                }
                attachment.delegate = self
                runtime.attachment = attachment
                attachment.start()
            case .stopAttachment:
                if let attachment = runtime.attachment {
                    attachment.stop()
                } else {
                    perform(runtime.machine.attachmentStopped(), on: runtime)
                }
            case .none:
                break
            }
        }
    }

    private func settleWaiters(of runtime: ResourceRuntime) {
        switch runtime.machine.state {
        case .active:
            runtime.activeSince = .now()
            runtime.activationWaiters.forEach { $0.succeed() }
            runtime.activationWaiters.removeAll()
        case .standby:
            runtime.activationWaiters.forEach { $0.fail(AdminFailure("\(runtime.name) went back to standby")) }
            runtime.activationWaiters.removeAll()
            runtime.deactivationWaiters.forEach { $0.succeed() }
            runtime.deactivationWaiters.removeAll()
        case .activating, .deactivating:
            break
        }
    }

    func broadcast(_ message: ServerMessage) {
        for connection in connections.values where connection.hasSaidHello { connection.send(message) }
    }

    /// The resources a name stands for: a resource, or every resource of a group.
    func resolve(_ target: String) -> [ResourceRuntime]? {
        if let runtime = resources[target] { return [runtime] }
        if let group = definitions.cluster.groups.first(where: { $0.name == target }) {
            return group.resources.compactMap { resources[$0] }
        }
        return nil
    }
}

extension Router {
    /// Runs blocking work (the epoch store) on `epochStoreThreads` and completes on this loop.
    func runOffLoop<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) -> EventLoopFuture<Value> {
        guard let threads = epochStoreThreads else { return loop.makeCompletedFuture { try work() } }
        return threads.runIfActive(eventLoop: loop, work)
    }
}

struct AdminFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Router {
    /// A peer's resource table entry. A newer active epoch elsewhere makes this node step
    /// down (the split brain is over) and is remembered so no older activation follows.
    /// An epoch past `Epoch.maximum`, or more than a minute past this node's clock, is
    /// logged and ignored (and not recorded in the epoch store).
    func peerReported(resource name: String, state: ResourceState, epoch wireEpoch: UInt64, peer: String) {
        guard let runtime = resources[name], state == .active || state == .activating else { return }
        let epoch: Epoch
        do {
            epoch = try Epoch(validating: wireEpoch)
        } catch {
            logger.warning("\(peer) reports \(name) \(state) with \(error): ignored")
            return
        }
        guard acceptsPeerEpoch(epoch, resource: name, state: state, peer: peer) else { return }
        metrics.peerHolds(name, node: peer, epoch: epoch.value)
        if let epochs {
            let logger = self.logger
            runOffLoop { try epochs.observe(epoch) }.whenFailure { error in
                logger.error("cannot record epoch \(epoch) that \(peer) reported for \(name): \(error)")
            }
        }
        let wasActive = runtime.machine.state == .active || runtime.machine.state == .activating
        let actions = runtime.machine.peerReported(activeEpoch: epoch)
        if wasActive, !actions.isEmpty {
            logger.warning("\(peer) has \(name) \(state) with epoch \(epoch), newer than ours (\(runtime.machine.epoch)): stepping down")
        }
        perform(actions, on: runtime)
    }
}

extension Router {
    /// A peer announced one of its host connections (or its end).
    func peerConnection(_ info: HostConnectionInfo, from peer: String) {
        let key = "\(info.resource)/\(info.lu)"
        if info.up { peerConnections[peer, default: [:]][key] = info } else { peerConnections[peer]?[key] = nil }
    }

    /// A peer is heard from afresh: its new snapshot replaces what it announced before.
    func peerConnectionsRestart(_ peer: String) {
        peerConnections[peer] = [:]
    }

    func announce(_ info: HostConnectionInfo) {
        for connection in connections.values where connection.watchesConnections { connection.send(.hostConnection(info)) }
    }
}
