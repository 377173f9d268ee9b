import NIOCore
import NetMgrCore
import NetMgrProtocol

/// The host side of one active resource: for TnETOS one TN3270(E) connection per LU, for
/// an SDLC line one link carrying the PU and all LUs. Runs on the daemon's event loop;
/// reports through its delegate on that loop.
///
/// Messages are at-least-once: the attachment keeps each message until the host accepted
/// it, and sends it again after re-binding an LU whose connection or link was lost.
protocol HostAttachment: AnyObject {
    var delegate: HostAttachmentDelegate? { get set }
    /// The resource this attachment serves.
    var resourceName: String { get }
    /// Connect to the host and bind every LU, retrying until `stop()`.
    func start()
    /// Close the host side cleanly; reports `attachmentStopped` when done.
    func stop()
    /// Queue a message for the host on an LU; `tag` comes back in `accepted`/`rejected`.
    func send(lu: String, tag: MessageTag, payload: ByteBuffer)
    /// Forget the LU's messages that were not sent yet (a new session starts afresh).
    func discardUnsent(lu: String)
    /// The address the host sees for this resource on this node.
    var hostVisibleAddress: String { get }
    /// Delivery figures of one LU, for status; nil where the attachment keeps none.
    func luStatus(_ lu: String, now: NIODeadline) -> LUDeliveryStatus?
}

extension HostAttachment {
    func luStatus(_ lu: String, now: NIODeadline) -> LUDeliveryStatus? { nil }
}

/// Where one LU's delivery stands, for `netmgr status` and metrics.
struct LUDeliveryStatus: Sendable {
    /// Messages handed to the host side and not acked yet (written or waiting).
    var unacked: Int
    var oldestUnacked: TimeAmount?
    /// From the bind request (activation, or the loss of the session) to the last bind.
    var timeToBind: TimeAmount?
    /// The first line of the host's last screen before it took input (what a refusal said).
    var hostScreen: String?
    /// Why the host is not taking this LU, while that holds.
    var rejection: String?
    var keyboardLocked: Bool
    var queryOutstanding: Bool
}

protocol HostAttachmentDelegate: AnyObject {
    /// The host side is up as far as it can be without the host (e.g. the line is switched).
    func attachmentStarted(_ attachment: HostAttachment)
    /// The host side cannot start at all; the resource goes back to standby.
    func attachment(_ attachment: HostAttachment, failed reason: String)
    func attachmentStopped(_ attachment: HostAttachment)
    func attachment(_ attachment: HostAttachment, lu: String, state: SessionState, detail: String)
    /// The host accepted the LU's message `tag` (and every earlier one).
    func attachment(_ attachment: HostAttachment, lu: String, accepted tag: MessageTag)
    /// The host refused message `tag`; it will not be sent again.
    func attachment(_ attachment: HostAttachment, lu: String, rejected tag: MessageTag, reason: String)
    func attachment(_ attachment: HostAttachment, lu: String, hostData: ByteBuffer)
    /// The host bound an SNA LU: the BIND RU as received (the TN server's BIND-IMAGE).
    func attachment(_ attachment: HostAttachment, lu: String, bind: ByteBuffer)
    /// A TCP connection to the host now carries the LU (`up`), or no longer does.
    func attachment(_ attachment: HostAttachment, lu: String, connectedFrom local: SocketAddress, to remote: SocketAddress, up: Bool)
    /// Host connections opened, refusals and retries since the last report (metrics).
    func attachment(_ attachment: HostAttachment, counted events: HostEventCounts)
}

extension HostAttachmentDelegate {
    func attachment(_ attachment: HostAttachment, lu: String, connectedFrom local: SocketAddress, to remote: SocketAddress, up: Bool) {}
    func attachment(_ attachment: HostAttachment, counted events: HostEventCounts) {}
    func attachment(_ attachment: HostAttachment, lu: String, bind: ByteBuffer) {}
}

/// A host connection another node held when it was last heard of, from the same source
/// address this node now has (the VIP).
struct StaleHostConnection: Sendable, Hashable {
    var lu: String
    var localPort: Int
    var remote: Endpoint
}
