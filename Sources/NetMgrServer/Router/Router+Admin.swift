import Foundation
import NIOCore
import NetMgrProtocol

extension Router {
    /// Carries out an admin request; completes when the requested state is reached,
    /// fails, or the timeout passes.
    func handle(_ request: AdminRequest, metricsText: @escaping () -> String) -> EventLoopFuture<AdminResponse> {
        loop.assertInEventLoop()
        let targets: [ResourceRuntime]
        if request.targets.isEmpty {
            guard request.command == .status || request.command == .metrics else {
                return loop.makeSucceededFuture(failure("\(request.command.rawValue) needs a resource or group name"))
            }
            targets = resourceOrder.compactMap { resources[$0] }
        } else {
            var found: [ResourceRuntime] = []
            for name in request.targets {
                guard let runtimes = resolve(name) else {
                    let known = resourceOrder + definitions.cluster.groups.map(\.name)
                    return loop.makeSucceededFuture(failure("no resource or group \"\(name)\"; known: \(known.joined(separator: ", "))"))
                }
                found += runtimes.filter { candidate in !found.contains { $0 === candidate } }
            }
            targets = found
        }
        let timeout: TimeAmount
        switch request.timeoutMilliseconds() {
        case .success(let milliseconds): timeout = .milliseconds(milliseconds)
        case .failure(let problem): return loop.makeSucceededFuture(failure("\(problem)"))
        }

        switch request.command {
        case .status:
            return loop.makeSucceededFuture(status(of: targets, brief: request.brief ?? false))
        case .metrics:
            refreshMetrics()
            return loop.makeSucceededFuture(AdminResponse(ok: true, node: node.name, metrics: metricsText()))
        case .activate:
            guard !isShuttingDown else { return loop.makeSucceededFuture(failure("netmgrd is shutting down")) }
            let allocation = within(timeout, allocateEpoch(given: request.epoch, for: targets),
                                    else: "nothing activated: the epoch store did not answer within \(timeout.nanoseconds / 1_000_000) ms (is the state directory's file system hung?)")
            return allocation.assumeIsolated().flatMap { epoch in
                // A reload (SIGHUP) while the epoch was being recorded may have rebuilt a standby resource.
                self.activate(targets.compactMap { self.resources[$0.name] }, epoch: epoch, timeout: timeout)
            }.flatMapErrorThrowing { error in
                self.failure("\(error)")
            }.nonisolated()
        case .deactivate:
            return settle(deactivate(targets), timeout: timeout, targets: targets, what: "deactivate")
        }
    }

    /// The epoch for an activation: the one the engine gave (checked, and recorded in the
    /// store), or the next one by `Epoch.next`. Fails when it cannot be recorded: an
    /// epoch that is not on disk could be handed out again after a restart.
    private func allocateEpoch(given: UInt64?, for targets: [ResourceRuntime]) -> EventLoopFuture<Epoch> {
        let epochs = self.epochs
        if let given {
            let epoch: Epoch
            do {
                epoch = try Epoch(validating: given)
            } catch {
                return loop.makeFailedFuture(AdminFailure("\(error)"))
            }
            guard epoch != .zero else { return loop.makeFailedFuture(ResourceStateMachine.Refusal.zeroEpoch) }
            guard let epochs else { return loop.makeSucceededFuture(epoch) }
            return runOffLoop { try epochs.observe(epoch) }.map { epoch }.flatMapErrorThrowing { error in
                throw AdminFailure("nothing activated: epoch \(epoch) cannot be recorded: \(error)")
            }
        }
        // Above every epoch seen, and at least the time in milliseconds: nodes that share
        // no state directory still hand out ever larger epochs.
        let seen = targets.map(\.machine.newestSeenEpoch).max() ?? .zero
        let floor = Epoch.clockFloor(Date())
        guard let epochs else {
            return loop.makeCompletedFuture { try Epoch.next(after: seen, atLeast: floor) }
        }
        return runOffLoop { try epochs.next(after: seen, atLeast: floor) }.flatMapErrorThrowing { error in
            throw AdminFailure("nothing activated: no epoch could be recorded: \(error)")
        }
    }

    /// `future`, or a failure saying `message` if it takes longer than `timeout`.
    private func within<Value: Sendable>(_ timeout: TimeAmount, _ future: EventLoopFuture<Value>, else message: String) -> EventLoopFuture<Value> {
        let result = loop.makePromise(of: Value.self)
        let settled = NIOLoopBoundBox(false, eventLoop: loop)
        let timer = loop.scheduleTask(in: timeout) {
            guard !settled.value else { return }
            settled.value = true
            result.fail(AdminFailure(message))
        }
        future.hop(to: loop).whenComplete { outcome in
            timer.cancel()
            guard !settled.value else { return }
            settled.value = true
            result.completeWith(outcome)
        }
        return result.futureResult
    }

    private func activate(_ targets: [ResourceRuntime], epoch: Epoch, timeout: TimeAmount) -> EventLoopFuture<AdminResponse> {
        guard !isShuttingDown else { return loop.makeSucceededFuture(failure("netmgrd is shutting down")) }
        var waits: [EventLoopFuture<Void>] = []
        for runtime in targets {
            do {
                let actions = try runtime.machine.activate(epoch: epoch)
                if runtime.machine.state != .active {
                    let promise = loop.makePromise(of: Void.self)
                    runtime.activationWaiters.append(promise)
                    waits.append(promise.futureResult)
                }
                perform(actions, on: runtime)
            } catch {
                return loop.makeSucceededFuture(failure("\(runtime.name): \(error)"))
            }
        }
        return settle(waits, timeout: timeout, targets: targets, what: "activate")
    }

    /// Starts deactivating `runtimes`; the futures complete as each reaches standby.
    func deactivate(_ runtimes: [ResourceRuntime]) -> [EventLoopFuture<Void>] {
        var waits: [EventLoopFuture<Void>] = []
        for runtime in runtimes {
            let actions = runtime.machine.deactivate()
            if runtime.machine.state != .standby {
                let promise = loop.makePromise(of: Void.self)
                runtime.deactivationWaiters.append(promise)
                waits.append(promise.futureResult)
            }
            perform(actions, on: runtime)
        }
        return waits
    }

    private func settle(_ waits: [EventLoopFuture<Void>], timeout: TimeAmount, targets: [ResourceRuntime], what: String) -> EventLoopFuture<AdminResponse> {
        let all = EventLoopFuture.andAllSucceed(waits, on: loop)
        let deadline = loop.makePromise(of: Void.self)
        let timer = loop.scheduleTask(in: timeout) {
            deadline.fail(AdminFailure("\(what) did not finish within \(timeout.nanoseconds / 1_000_000) ms"))
        }
        all.cascade(to: deadline)
        return deadline.futureResult.assumeIsolated().map {
            timer.cancel()
            return self.status(of: targets)
        }.flatMapErrorThrowing { error in
            timer.cancel()
            var response = self.status(of: targets)
            response.ok = false
            response.error = "\(error)"
            return response
        }.nonisolated()
    }

    private func failure(_ text: String) -> AdminResponse {
        AdminResponse(ok: false, error: text, node: node.name)
    }

    /// An LU whose oldest message waits this long shows in brief status.
    static let stalledLUAge: TimeAmount = .milliseconds(AdminResponse.LUStatus.stalledAfterMilliseconds)

    static func milliseconds(_ amount: TimeAmount) -> Int64 { amount.nanoseconds / 1_000_000 }

    func status(of targets: [ResourceRuntime], brief: Bool = false) -> AdminResponse {
        let now = NIODeadline.now()
        let resources = targets.map { runtime in
            AdminResponse.ResourceStatus(
                name: runtime.name, group: runtime.group,
                procedure: definitions.line(named: runtime.resource.line)?.procedure.rawValue ?? "?",
                state: runtime.machine.state.description, epoch: runtime.machine.epoch.value,
                hostAddress: runtime.attachment?.hostVisibleAddress ?? "",
                lus: runtime.luOrder.compactMap { name in
                    let lu = runtime.lus[name]!
                    let delivery = runtime.attachment?.luStatus(name, now: now)
                    // Brief status names only the LUs that need an operator: refused, or stalled.
                    if brief, delivery?.rejection == nil, (delivery?.oldestUnacked ?? .zero) < Self.stalledLUAge { return nil }
                    var state = lu.hostState.description
                    // Refused until the host takes input, even while a new session is negotiated.
                    if delivery?.rejection != nil {
                        state = "rejected"
                    } else if lu.hostState == .bound, delivery?.keyboardLocked == true {
                        state += delivery?.queryOutstanding == true ? " (query outstanding)" : " (keyboard locked)"
                    }
                    return AdminResponse.LUStatus(name: name, address: Int(lu.lu.address), state: state,
                                                  detail: lu.hostDetail, owner: lu.owner?.connection.clientName,
                                                  unacked: delivery?.unacked, oldestUnackedMilliseconds: delivery?.oldestUnacked.map(Self.milliseconds),
                                                  timeToBindMilliseconds: delivery?.timeToBind.map(Self.milliseconds),
                                                  hostScreen: delivery?.hostScreen, rejection: delivery?.rejection)
                },
                luCount: runtime.luOrder.count, boundCount: metrics.boundCount(runtime.name))
        }
        var response = AdminResponse(ok: true, node: node.name, resources: resources)
        response.clients = clientsStatus
        return response
    }
}
