import ISDN
import LineTransport
import Logging
import NIOCore
import NetMgrCore
import SDLC

/// The host side of an HDLC ISDN (`hdlc-isdn`) resource: the node's own basic-rate interface,
/// netmgrd as the user side of Q.921/Q.931 on its D channel (`ISDNUserSide`), and the SDLC
/// secondary with PU 2 on the B channel of the call.
///
/// Each node calls from its own number (`nodes.NODE.isdn-number`: the calling party number of
/// its SETUP), so after a failover the host sees a different terminal (△) with the same station
/// address, XID node id and LU addresses. Call-out places a SETUP to the resource's `host: tel:`
/// number; call-in answers the host's SETUP. A call cleared (either side, with its cause), the
/// interface closing (layer 1 deactivated) or the host no longer polling is link loss: the call
/// is made again; failed attempts back off and, at `redial-limit`, give up.
final class ISDNAttachment: SwitchedAttachment {
    let plan: ISDNLinePlan
    private var interface: ISDNInterfaceConnection?
    private var user: ISDNUserSide
    private var userTimer: Scheduled<Void>?
    /// The B channel of the current call, once connected.
    private var bearer: ISDNChannel?

    init(plan: ISDNLinePlan, loop: any EventLoop, logger: Logger) {
        self.plan = plan
        self.user = ISDNUserSide(configuration: Self.userConfiguration(plan))
        super.init(resource: plan.resource, line: plan.line, station: plan.station, hostVisibleAddress: plan.hostVisibleAddress,
                   call: plan.call, loop: loop, logger: logger)
    }

    static func userConfiguration(_ plan: ISDNLinePlan) -> ISDNUserSide.Configuration {
        ISDNUserSide.Configuration(
            ownNumber: plan.ownNumber, incomingCalls: plan.call.direction == .in ? .answer : .reject,
            connectTimeout: plan.call.connectTimeout)
    }

    override func waitingDetail() -> String {
        plan.call.direction == .out ? "calling \(plan.hostNumber) from \(plan.ownNumber) on \(plan.device)"
            : "waiting for the host's call to \(plan.ownNumber) on \(plan.device)"
    }

    // MARK: One call

    /// Each call on a freshly activated interface: layer 1 up, SABME, then SETUP (or waiting
    /// for one); hanging up deactivates it, so no state of an earlier call is left over.
    override func placeCall(number: Int) {
        let bound = NIOLoopBound(self, eventLoop: loop)
        openISDNInterface(device: plan.device, on: loop) { event in bound.value.interfaceEvent(event, number: number) }.whenComplete { result in
            let attachment = bound.value
            switch result {
            case .success(let connection):
                guard number == attachment.callNumber, !attachment.isStopping else {
                    connection.close()
                    return
                }
                attachment.interface = connection
                attachment.user = ISDNUserSide(configuration: Self.userConfiguration(attachment.plan))
                attachment.logger.info("\(attachment.plan.line): basic-rate interface \(attachment.plan.device) open, number \(attachment.plan.ownNumber)")
                attachment.perform(attachment.user.start(now: .now()), number: number)
                attachment.dial(number: number)
            case .failure(let error):
                attachment.openFailed(number: number, reason: "\(error)")
            }
        }
    }

    private func dial(number: Int) {
        bearer = nil
        if plan.call.direction == .out {
            logger.info("\(plan.line): SETUP to \(plan.hostNumber), calling party \(plan.ownNumber)")
            perform(user.call(plan.hostNumber, now: .now()), number: number)
        }
        ready(number: number)
    }

    /// Events of the interface; those of an earlier call's interface are ignored by its number.
    private func interfaceEvent(_ event: ISDNInterfaceEvent, number: Int) {
        guard number == callNumber, interface != nil else { return }
        switch event {
        case .frame(.d, let frame):
            perform(user.receive(frame, now: .now()), number: number)
        case .frame(let channel, let bytes):
            guard channel == bearer else { return }
            guard let frame = try? SDLCFrame(parsing: bytes) else { return }
            received(frame, number: number)
        case .framingError, .badFrame:
            break  // dropped; LAPD and the host's SDLC retransmit
        case .closed(let error):
            interface = nil
            userTimer?.cancel()
            _ = user.layer1Deactivated(now: .now())
            callLost(number: number, reason: "the basic-rate interface \(plan.device) closed (layer 1 deactivated)\(error.map { ": \($0)" } ?? "")")
        }
    }

    private func perform(_ actions: [ISDNUserSide.Action], number: Int) {
        for action in actions {
            switch action {
            case .send(let frame):
                interface?.send(.d, frame)
            case .setTimer(let deadline):
                scheduleUserTimer(deadline, number: number)
            case .incomingCall(let calling, let called):
                logger.info("\(plan.line): incoming SETUP from \(calling ?? "(no number)") to \(called ?? "(no number)")")
            case .connected(let channel, let calling, let called):
                bearer = channel
                let description = plan.call.direction == .out
                    ? "CONNECT: \(calling) called the host's \(called) on \(channel)"
                    : "CONNECT: answered the host's call from \(calling) to \(called) on \(channel)"
                let bound = NIOLoopBound(self, eventLoop: loop)
                callConnected(number: number, description: description) { frames in
                    guard let interface = bound.value.interface else { return }
                    for frame in frames { interface.send(channel, frame) }
                }
            case .cleared(let cause, let reason):
                bearer = nil
                let text = "call cleared, cause \(cause): \(reason)"
                if phase == .calling { countReject() }  // DISCONNECT/RELEASE with a cause before CONNECT
                if phase == .connected { callLost(number: number, reason: text) } else { attemptFailed(number: number, reason: text) }
            }
        }
    }

    /// The user side's next deadline, for the call it was set on (a timer of an earlier call does nothing).
    private func scheduleUserTimer(_ deadline: NIODeadline, number: Int) {
        userTimer?.cancel()
        let bound = NIOLoopBound(self, eventLoop: loop)
        userTimer = loop.scheduleTask(deadline: deadline) {
            let attachment = bound.value
            guard attachment.callNumber == number, attachment.interface != nil else { return }
            attachment.perform(attachment.user.tick(now: .now()), number: number)
        }
    }

    /// Clears the call (DISCONNECT with cause 16) and deactivates the interface after it: the
    /// exchange clears whatever is left of the call when layer 1 goes.
    override func hangUp() -> EventLoopFuture<Void> {
        bearer = nil
        userTimer?.cancel()
        let actions = user.hangUp(cause: Q931Cause.normalClearing, now: .now())
        for case .send(let frame) in actions { interface?.send(.d, frame) }
        guard let interface else { return loop.makeSucceededVoidFuture() }
        self.interface = nil
        return interface.close()
    }
}
