import NIOCore

/// A host simulator's driver of one line or link: started and stopped on the service's loop.
protocol HostLineDriver: AnyObject, SendableMetatype {
    func start()
    func stop()
}

extension SDLCHostLinkDriver: HostLineDriver {}
extension X25HostLinkDriver: HostLineDriver {}
extension SwitchedHostLineDriver: HostLineDriver {}

/// The line drivers of a host simulator's service (SDLC, X.25, switched), made and started
/// one by one on the service's event loop and stopped there: what each service's `run` did alike.
struct HostLineDrivers<Driver: HostLineDriver>: Sendable {
    let loop: any EventLoop
    let drivers: NIOLoopBound<[Driver]>

    /// Makes a driver per item with `make` (which also sets its callbacks) and starts it.
    static func start<Item: Sendable>(
        _ items: [Item], on loop: any EventLoop, make: @escaping @Sendable (Item) -> Driver
    ) async throws -> Self {
        let drivers = try await loop.submit {
            let drivers = items.map { item in
                let driver = make(item)
                driver.start()
                return driver
            }
            return NIOLoopBound(drivers, eventLoop: loop)
        }.get()
        return Self(loop: loop, drivers: drivers)
    }

    /// Stops every driver (on the loop); waits until they were told.
    func stop() async {
        try? await loop.submit { [drivers] in drivers.value.forEach { $0.stop() } }.get()
    }
}
