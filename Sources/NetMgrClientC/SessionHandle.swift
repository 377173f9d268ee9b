import CNetMgrClient
import Foundation
import NetMgrClient

/// What a netmgr_session_t stands for: the Swift session, and the host data it received
/// that netmgr_receive has not taken yet.
final class SessionHandle: @unchecked Sendable {
    let session: LUSession
    let client: ClientHandle
    /// The C handle's value (Registry); set once, when the handle is made.
    var token: UInt = 0
    /// netmgr_session_resource / netmgr_session_lu: C strings for the handle's life.
    let resourceC: UnsafeMutablePointer<CChar>?
    let luC: UnsafeMutablePointer<CChar>?

    private let condition = NSCondition()
    // Guarded by `condition`:
    private var data = FIFO<[UInt8]>()
    private var ended: CFailure?
    private var dataCallback: netmgr_data_callback_t?
    private var userData: UnsafeMutableRawPointer?
    /// The data thread: started with the first callback, ends when the session closes.
    private var dataThread: pthread_t?
    private var dataThreadRunning = false
    private var stopped = false
    private let dataThreadDone = DispatchSemaphore(value: 0)

    private var pump: Task<Void, Never>?

    init(session: LUSession, client: ClientHandle) {
        self.session = session
        self.client = client
        resourceC = strdup(session.resource)
        luC = strdup(session.lu)
        let hostData = session.hostData
        let name = "\(session.resource)/\(session.lu)"
        pump = Task { [weak self] in
            for await bytes in hostData {
                guard let self else { return }
                self.condition.withLock {
                    self.data.append(bytes)
                    self.condition.broadcast()
                }
            }
            self?.end(CFailure(NETMGR_E_SESSION_CLOSED, "session \(name) is closed"))
        }
    }

    deinit {
        free(resourceC)
        free(luC)
    }

    /// No more data will come: receivers get `failure` once they took what is queued.
    func end(_ failure: CFailure) {
        condition.withLock {
            if ended == nil { ended = failure }
            condition.broadcast()
        }
    }

    /// Stops taking host data: the pump and the data thread (the client is being destroyed).
    func stopPump() {
        pump?.cancel()
        stopDataThread()
    }

    func setCallback(_ callback: netmgr_data_callback_t?, userData: UnsafeMutableRawPointer?) throws {
        try condition.withLock {
            if stopped { throw ended ?? CFailure(NETMGR_E_SESSION_CLOSED, "session \(session.resource)/\(session.lu) is closed") }
            dataCallback = callback
            self.userData = userData
            condition.broadcast()
            if callback != nil && !dataThreadRunning {
                dataThreadRunning = true
                let thread = Thread { [self] in self.deliverData() }
                thread.name = "netmgr-data"
                thread.start()
            }
        }
    }

    /// The data thread: while a callback is registered, hands it every message, in order.
    private func deliverData() {
        condition.lock()
        dataThread = pthread_self()
        while !stopped {
            if let callback = dataCallback, let message = data.popFirst() {
                let userData = self.userData, handle = OpaquePointer(bitPattern: token)
                condition.unlock()
                message.withUnsafeBytes { bytes in callback(handle, bytes.baseAddress, bytes.count, userData) }
                condition.lock()
                continue
            }
            if ended != nil && data.isEmpty { break }
            condition.wait()
        }
        dataThreadRunning = false
        condition.unlock()
        dataThreadDone.signal()
    }

    var isDataThread: Bool {
        condition.withLock { dataThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    /// Stops the data thread, waiting (bounded) for a running callback unless called from it.
    private func stopDataThread() {
        let running = condition.withLock {
            stopped = true
            condition.broadcast()
            return dataThreadRunning
        }
        if running && !isDataThread { _ = dataThreadDone.wait(timeout: .now() + 10) }
    }

    func receive(into buffer: UnsafeMutableRawPointer, capacity: Int, length: UnsafeMutablePointer<Int>, timeout: Timeout) throws {
        condition.lock()
        defer { condition.unlock() }
        let deadline = timeout.deadline
        while data.isEmpty || dataCallback != nil {
            if dataCallback != nil { throw CFailure(NETMGR_E_STATE, "a data callback is registered for \(session.resource)/\(session.lu): the host's messages go to it") }
            if let ended { throw ended }
            if let deadline {
                guard condition.wait(until: deadline) else {
                    throw CFailure(NETMGR_E_TIMEOUT, "no data from the host for \(session.resource)/\(session.lu) within \(timeout.description)")
                }
            } else {
                condition.wait()
            }
        }
        let message = data.first!
        guard message.count <= capacity else {
            length.pointee = message.count
            throw CFailure(NETMGR_E_BUFFER_TOO_SMALL,
                           "the next message for \(session.resource)/\(session.lu) has \(message.count) bytes, the buffer \(capacity); it stays queued")
        }
        _ = data.popFirst()
        message.withUnsafeBytes { bytes in
            if let base = bytes.baseAddress { buffer.copyMemory(from: base, byteCount: bytes.count) }
        }
        length.pointee = message.count
    }

    /// Closes the Swift session; the registry has forgotten this handle already.
    func close() {
        client.remove(self)
        end(CFailure(NETMGR_E_SESSION_CLOSED, "session \(session.resource)/\(session.lu) was closed"))
        let session = self.session
        stopDataThread()
        _ = try? blocking(Timeout(10_000), awaitOutcome: false, what: "closing the session") { await session.close() }
        pump?.cancel()
    }
}
