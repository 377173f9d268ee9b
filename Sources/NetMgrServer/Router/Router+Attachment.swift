import NIOCore
import NetMgrProtocol

extension Router: HostAttachmentDelegate {
    /// The resource an attachment serves, if it is still that resource's current one.
    private func runtime(of attachment: HostAttachment) -> ResourceRuntime? {
        guard let runtime = resources[attachment.resourceName], runtime.attachment === attachment else { return nil }
        return runtime
    }

    func attachmentStarted(_ attachment: HostAttachment) {
        guard let runtime = runtime(of: attachment) else { return }
        perform(runtime.machine.attachmentStarted(), on: runtime)
    }

    func attachment(_ attachment: HostAttachment, failed reason: String) {
        guard let runtime = runtime(of: attachment) else { return }
        logger.error("resource \(runtime.name): cannot activate: \(reason)")
        runtime.activationWaiters.forEach { $0.fail(AdminFailure("\(runtime.name): \(reason)")) }
        runtime.activationWaiters.removeAll()
        // A failed attachment has nothing left to stop: the resource leaves at once.
        runtime.attachment = nil
        resourceLeftNode(runtime)
        perform(runtime.machine.attachmentFailed(), on: runtime)
    }

    func attachmentStopped(_ attachment: HostAttachment) {
        guard let runtime = runtime(of: attachment) else { return }
        runtime.attachment = nil
        resourceLeftNode(runtime)
        perform(runtime.machine.attachmentStopped(), on: runtime)
    }

    /// Sessions on a resource that left this node end here (clients move them), and its
    /// LUs forget the host side.
    func resourceLeftNode(_ runtime: ResourceRuntime) {
        for name in runtime.luOrder {
            let lu = runtime.lus[name]!
            if var info = lu.hostConnection {
                info.up = false
                announce(info)
                lu.hostConnection = nil
            }
            if let owner = lu.owner {
                owner.connection.sessions[owner.session] = nil
                owner.connection.send(.error(session: owner.session, code: .deactivated, sequence: 0, message: "\(runtime.name) was deactivated on \(node.name)"))
                owner.connection.send(.closed(session: owner.session))
                metrics.sessions(delta: -1)
                lu.owner = nil
            }
            lu.reset()
        }
    }

    func attachment(_ attachment: HostAttachment, lu name: String, state: SessionState, detail: String) {
        guard let runtime = runtime(of: attachment), let lu = runtime.lus[name] else { return }
        let changed = lu.hostState != state
        lu.hostState = state
        lu.hostDetail = detail
        if changed { logger.info("LU \(name) of \(runtime.name): \(state) \(detail)") }
        metrics.luState(runtime.name, lu: name, bound: state == .bound)
        if let owner = lu.owner { owner.connection.send(.session(session: owner.session, state: state, detail: detail)) }
    }

    func attachment(_ attachment: HostAttachment, lu name: String, accepted tag: MessageTag) {
        guard let runtime = runtime(of: attachment), let lu = runtime.lus[name] else { return }
        guard tag.generation == lu.generation else { return }
        let report = lu.hostLedger.accepted(tag.sequence)
        guard report.settled else { return }
        metrics.messageAccepted()
        if let owner = lu.owner, let ack = report.ack { owner.connection.send(.ack(session: owner.session, sequence: ack)); metrics.messagesAcked(report.acceptedCovered) }
    }

    func attachment(_ attachment: HostAttachment, lu name: String, rejected tag: MessageTag, reason: String) {
        guard let runtime = runtime(of: attachment), let lu = runtime.lus[name], tag.generation == lu.generation else { return }
        let report = lu.hostLedger.rejected(tag.sequence)
        guard report.settled else { return }
        metrics.messageRejected()
        metrics.messageFailed()
        if let owner = lu.owner {
            owner.connection.send(.error(session: owner.session, code: .hostRejected, sequence: tag.sequence, message: reason))
            // Earlier messages accepted while this one was pending are now covered.
            if let ack = report.ack { owner.connection.send(.ack(session: owner.session, sequence: ack)); metrics.messagesAcked(report.acceptedCovered) }
        }
    }

    func attachment(_ attachment: HostAttachment, lu name: String, connectedFrom local: SocketAddress, to remote: SocketAddress, up: Bool) {
        guard let runtime = runtime(of: attachment), let lu = runtime.lus[name],
              let localAddress = local.ipAddress, let localPort = local.port, let remoteAddress = remote.ipAddress, let remotePort = remote.port
        else { return }
        let info = HostConnectionInfo(resource: runtime.name, lu: name, up: up, localAddress: localAddress, localPort: UInt16(localPort),
                                      remoteAddress: remoteAddress, remotePort: UInt16(remotePort))
        lu.hostConnection = up ? info : nil
        announce(info)
    }

    func attachment(_ attachment: HostAttachment, lu name: String, hostData: ByteBuffer) {
        guard let runtime = runtime(of: attachment), let lu = runtime.lus[name] else { return }
        if let owner = lu.owner {
            deliverHostData(hostData, runtime: runtime, lu: lu, to: owner)
        } else {
            if lu.undelivered.count >= LURuntime.undeliveredLimit { lu.undelivered.removeFirst() }
            lu.undelivered.append(hostData)
        }
    }
}
