import NIOCore
import NetMgrProtocol

// Scrape-time refresh and the host side's counts (issue 18). Hooks: Router+Admin's
// `metrics` command and the /metrics endpoint call refreshMetrics(); HostAttachmentDelegate
// carries the attachments' counts here.
extension Router {
    /// Brings up to date what is read rather than counted: this node's name, every
    /// resource's state and epoch, every LU's bound flag and delivery figures, the licence
    /// count. Runs on the router's loop, before each render of the metrics text.
    func refreshMetrics() {
        loop.assertInEventLoop()
        let now = NIODeadline.now()
        metrics.node(node.name)
        for name in resourceOrder {
            guard let runtime = resources[name] else { continue }
            metrics.resourceGauges(runtime.name, state: runtime.machine.state, epoch: runtime.machine.epoch.value)
            for lu in runtime.luOrder {
                guard let luRuntime = runtime.lus[lu] else { continue }
                metrics.luBound(runtime.name, lu: lu, luRuntime.hostState == .bound)
                if let attachment = runtime.attachment {
                    guard let delivery = attachment.luStatus(lu, now: now) else { continue }
                    metrics.luDelivery(runtime.name, lu: lu, delivery)
                } else {
                    // Not active here: nothing waits for the host on this node.
                    metrics.luDelivery(runtime.name, lu: lu, LUDeliveryStatus(unacked: 0, oldestUnacked: nil, timeToBind: nil, hostScreen: nil,
                                                                               rejection: nil, keyboardLocked: false, queryOutstanding: false))
                }
            }
        }
        metrics.clients(inUse: lan.licence.inUse, limit: clientLimit)
    }

    /// The host side of `attachment` connected, was refused or scheduled retries.
    func attachment(_ attachment: HostAttachment, counted events: HostEventCounts) {
        guard let runtime = resources[attachment.resourceName], runtime.attachment === attachment else { return }
        metrics.hostEvents(runtime.name, events)
    }
}
