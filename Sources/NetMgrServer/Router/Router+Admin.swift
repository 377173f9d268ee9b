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
        let timeout = TimeAmount.milliseconds(Int64((request.timeoutSeconds ?? 30) * 1000))

        switch request.command {
        case .status:
            return loop.makeSucceededFuture(status(of: targets, brief: request.brief ?? false))
        case .metrics:
            let now = NIODeadline.now()
            for runtime in resources.values {
                for name in runtime.luOrder {
                    guard let delivery = runtime.attachment?.luStatus(name, now: now) else { continue }
                    metrics.luDelivery(runtime.name, lu: name, delivery)
                }
            }
            return loop.makeSucceededFuture(AdminResponse(ok: true, node: node.name, metrics: metricsText()))
        case .activate:
            guard !isShuttingDown else { return loop.makeSucceededFuture(failure("netmgrd is shutting down")) }
            let epoch: UInt64
            do {
                if let given = request.epoch {
                    try epochs?.observe(given)
                    epoch = given
                } else {
                    // Above every epoch seen, and at least the time in milliseconds: nodes
                    // that share no state directory still hand out ever larger epochs.
                    let seen = (targets.map(\.machine.newestSeenEpoch).max() ?? 0) + 1
                    let floor = max(seen, UInt64(Date().timeIntervalSince1970 * 1000))
                    epoch = try epochs?.next(atLeast: floor) ?? floor
                }
            } catch {
                return loop.makeSucceededFuture(failure("\(error)"))
            }
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
        case .deactivate:
            return settle(deactivate(targets), timeout: timeout, targets: targets, what: "deactivate")
        }
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
    static let stalledLUAge: TimeAmount = .seconds(30)

    static func milliseconds(_ amount: TimeAmount) -> Int64 { amount.nanoseconds / 1_000_000 }

    func status(of targets: [ResourceRuntime], brief: Bool = false) -> AdminResponse {
        let now = NIODeadline.now()
        let resources = targets.map { runtime in
            AdminResponse.ResourceStatus(
                name: runtime.name, group: runtime.group,
                procedure: definitions.line(named: runtime.resource.line)?.procedure.rawValue ?? "?",
                state: runtime.machine.state.description, epoch: runtime.machine.epoch,
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
        return AdminResponse(ok: true, node: node.name, resources: resources)
    }
}
