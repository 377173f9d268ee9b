import NIOCore
import NetMgrProtocol
@testable import NetMgrServer

/// Stands in for the router: records what an attachment reports. Confined to the
/// attachment's loop; tests read it through `loop.submit`.
final class RecordingDelegate: HostAttachmentDelegate {
    var started = 0
    var failures: [String] = []
    var stopped = 0
    var states: [String: SessionState] = [:]
    var stateLog: [(lu: String, state: SessionState, detail: String)] = []
    var accepted: [String: [UInt64]] = [:]
    var rejected: [(lu: String, sequence: UInt64, reason: String)] = []
    var hostData: [String: [ByteBuffer]] = [:]
    /// What the attachment counted for netmgr_host_connects/rejects/retries_total, summed.
    var counts = HostEventCounts()

    func attachmentStarted(_ attachment: HostAttachment) { started += 1 }
    func attachment(_ attachment: HostAttachment, failed reason: String) { failures.append(reason) }
    func attachmentStopped(_ attachment: HostAttachment) { stopped += 1 }
    func attachment(_ attachment: HostAttachment, lu: String, state: SessionState, detail: String) {
        states[lu] = state
        stateLog.append((lu, state, detail))
    }
    func attachment(_ attachment: HostAttachment, lu: String, accepted tag: MessageTag) { accepted[lu, default: []].append(tag.sequence) }
    func attachment(_ attachment: HostAttachment, lu: String, rejected tag: MessageTag, reason: String) {
        rejected.append((lu, tag.sequence, reason))
    }
    func attachment(_ attachment: HostAttachment, lu: String, hostData data: ByteBuffer) { hostData[lu, default: []].append(data) }
    func attachment(_ attachment: HostAttachment, counted events: HostEventCounts) {
        counts.connects += events.connects
        counts.rejects += events.rejects
        counts.retries += events.retries
    }
}
