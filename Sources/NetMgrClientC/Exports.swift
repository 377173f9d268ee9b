import CNetMgrClient
import Foundation
import NetMgrClient

// The C entry points of libnetmgrclient.so, under the names and with the types of
// netmgr_client.h (Sources/CNetMgrClient/include), which is their reference. Each checks
// its arguments before it uses them and never traps on them: see `exported`.
// size_t arrives as Int; a value past Int.max is refused like any other bad size.

@_cdecl("netmgr_max_message_size")
public func cMaxMessageSize() -> Int {
    NetMgrClientConfiguration.maximumMessageSize
}

@_cdecl("netmgr_client_create")
public func cClientCreate(_ servers: UnsafePointer<UnsafePointer<CChar>?>?, _ serverCount: Int,
                          _ clientName: UnsafePointer<CChar>?,
                          _ caPath: UnsafePointer<CChar>?, _ certificatePath: UnsafePointer<CChar>?, _ keyPath: UnsafePointer<CChar>?,
                          _ clientOut: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    exported("netmgr_client_create") {
        guard let clientOut else { throw CFailure(NETMGR_E_INVALID, "client_out is NULL") }
        guard let servers else { throw CFailure(NETMGR_E_INVALID, "servers is NULL") }
        guard serverCount > 0, serverCount <= 1_024 else {
            throw CFailure(NETMGR_E_INVALID, "server_count is \(UInt(bitPattern: serverCount)); give 1 to 1024 servers")
        }
        var addresses: [ServerAddress] = []
        for index in 0..<serverCount {
            addresses.append(try serverAddress(try string(servers[index], "servers[\(index)]"), index: index))
        }
        var configuration = NetMgrClientConfiguration(servers: addresses)
        if clientName != nil { configuration.clientName = try string(clientName, "client_name") }
        switch (caPath, certificatePath, keyPath) {
        case (nil, nil, nil):
            break
        case (let ca?, let certificate?, let key?):
            let caPath = try string(ca, "ca_path")
            let certificatePath = try string(certificate, "certificate_path")
            let keyPath = try string(key, "key_path")
            do {
                configuration.tls = try ClientTLS(caPath: caPath, certificatePath: certificatePath, keyPath: keyPath)
            } catch {
                throw CFailure(NETMGR_E_TLS, "\(error)")
            }
        default:
            throw CFailure(NETMGR_E_INVALID, "ca_path, certificate_path and key_path: give all three (TLS) or none (plain TCP)")
        }
        let client = try ClientHandle(configuration: configuration)
        clientOut.pointee = Registry.shared.add(client)
    }
}

@_cdecl("netmgr_client_start")
public func cClientStart(_ client: OpaquePointer?) -> Int32 {
    exported("netmgr_client_start") {
        try Registry.shared.client(client).start()
    }
}

@_cdecl("netmgr_client_destroy")
public func cClientDestroy(_ client: OpaquePointer?) -> Int32 {
    exported("netmgr_client_destroy") {
        let handle = try Registry.shared.client(client)
        if handle.isDispatcherThread {
            throw CFailure(NETMGR_E_STATE, "called from the client's own event callback; destroy it from another thread")
        }
        guard Registry.shared.remove(handle) else { throw CFailure(NETMGR_E_INVALID, "client is being destroyed by another thread") }
        handle.destroy()
    }
}

@_cdecl("netmgr_wait_until_active")
public func cWaitUntilActive(_ client: OpaquePointer?, _ resource: UnsafePointer<CChar>?, _ timeoutMs: Int32,
                             _ nodeBuffer: UnsafeMutablePointer<CChar>?, _ nodeCapacity: Int) -> Int32 {
    exported("netmgr_wait_until_active") {
        let handle = try Registry.shared.client(client)
        let resource = try string(resource, "resource")
        if nodeBuffer == nil && nodeCapacity != 0 { throw CFailure(NETMGR_E_INVALID, "node_buf is NULL but node_cap is \(UInt(bitPattern: nodeCapacity))") }
        if nodeBuffer != nil && nodeCapacity <= 0 { throw CFailure(NETMGR_E_INVALID, "node_cap is \(UInt(bitPattern: nodeCapacity)); give the buffer's size") }
        let swiftClient = handle.client
        let node = try blocking(Timeout(timeoutMs), awaitOutcome: true, what: "waiting for \(resource) to be active") {
            try await swiftClient.waitUntilActive(resource)
        }
        if let nodeBuffer {
            let bytes = Array(node.utf8.prefix(nodeCapacity - 1))
            for (index, byte) in bytes.enumerated() { nodeBuffer[index] = CChar(bitPattern: byte) }
            nodeBuffer[bytes.count] = 0
        }
    }
}

@_cdecl("netmgr_client_set_event_callback")
public func cSetEventCallback(_ client: OpaquePointer?, _ callback: netmgr_event_callback_t?, _ userData: UnsafeMutableRawPointer?) -> Int32 {
    exported("netmgr_client_set_event_callback") {
        try Registry.shared.client(client).setCallback(callback, userData: userData)
    }
}

@_cdecl("netmgr_client_event_fd")
public func cClientEventFD(_ client: OpaquePointer?, _ fdOut: UnsafeMutablePointer<Int32>?) -> Int32 {
    exported("netmgr_client_event_fd") {
        let handle = try Registry.shared.client(client)
        guard let fdOut else { throw CFailure(NETMGR_E_INVALID, "fd_out is NULL") }
        fdOut.pointee = handle.eventFD
    }
}

@_cdecl("netmgr_next_event")
public func cNextEvent(_ client: OpaquePointer?, _ event: UnsafeMutablePointer<netmgr_event_t>?, _ timeoutMs: Int32) -> Int32 {
    exported("netmgr_next_event") {
        let handle = try Registry.shared.client(client)
        guard let event else { throw CFailure(NETMGR_E_INVALID, "event is NULL") }
        try handle.nextEvent(into: event, timeout: Timeout(timeoutMs))
    }
}

@_cdecl("netmgr_open_session")
public func cOpenSession(_ client: OpaquePointer?, _ resource: UnsafePointer<CChar>?, _ lu: UnsafePointer<CChar>?, _ timeoutMs: Int32,
                         _ sessionOut: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    exported("netmgr_open_session") {
        let handle = try Registry.shared.client(client)
        let resource = try string(resource, "resource"), lu = try string(lu, "lu")
        guard let sessionOut else { throw CFailure(NETMGR_E_INVALID, "session_out is NULL") }
        let swiftClient = handle.client
        let session = try blocking(Timeout(timeoutMs), awaitOutcome: true, what: "opening \(resource)/\(lu)") {
            try await swiftClient.openSession(resource: resource, lu: lu)
        }
        let sessionHandle = SessionHandle(session: session, client: handle)
        do {
            try handle.add(sessionHandle)
        } catch {
            sessionHandle.close()
            throw error
        }
        sessionOut.pointee = Registry.shared.add(sessionHandle)
    }
}

@_cdecl("netmgr_close_session")
public func cCloseSession(_ session: OpaquePointer?) -> Int32 {
    exported("netmgr_close_session") {
        let handle = try Registry.shared.session(session)
        if handle.isDataThread {
            throw CFailure(NETMGR_E_STATE, "called from the session's own data callback; close it from another thread")
        }
        guard Registry.shared.remove(handle) else { throw CFailure(NETMGR_E_INVALID, "session is being closed by another thread") }
        handle.close()
    }
}

/// The message bytes of netmgr_send / netmgr_submit, checked.
private func message(_ data: UnsafeRawPointer?, _ length: Int, session: SessionHandle) throws -> [UInt8] {
    let limit = NetMgrClientConfiguration.maximumMessageSize
    guard length >= 0, length <= limit else {
        throw CFailure(NETMGR_E_TOO_LARGE, "a message of \(UInt(bitPattern: length)) bytes for \(session.session.resource)/\(session.session.lu) is larger than the \(limit) bytes a LAN frame carries")
    }
    guard length > 0 else { return [] }
    guard let data else { throw CFailure(NETMGR_E_INVALID, "data is NULL but len is \(length)") }
    return Array(UnsafeRawBufferPointer(start: data, count: length))
}

@_cdecl("netmgr_send")
public func cSend(_ session: OpaquePointer?, _ data: UnsafeRawPointer?, _ length: Int, _ timeoutMs: Int32,
                  _ sequenceOut: UnsafeMutablePointer<UInt64>?) -> Int32 {
    exported("netmgr_send") {
        let handle = try Registry.shared.session(session)
        let bytes = try message(data, length, session: handle)
        let swiftSession = handle.session
        let sequence = try blocking(Timeout(timeoutMs), awaitOutcome: false,
                                    what: "the host's acceptance of a message on \(swiftSession.resource)/\(swiftSession.lu)") {
            try await swiftSession.send(bytes)
        }
        sequenceOut?.pointee = sequence
    }
}

@_cdecl("netmgr_submit")
public func cSubmit(_ session: OpaquePointer?, _ data: UnsafeRawPointer?, _ length: Int, _ timeoutMs: Int32,
                    _ sequenceOut: UnsafeMutablePointer<UInt64>?) -> Int32 {
    exported("netmgr_submit") {
        let handle = try Registry.shared.session(session)
        let bytes = try message(data, length, session: handle)
        let swiftSession = handle.session
        let sequence: UInt64
        if timeoutMs == 0 {
            sequence = try blocking(.unlimited, awaitOutcome: false, what: "submitting") { try await swiftSession.trySubmit(bytes) }
        } else {
            sequence = try blocking(Timeout(timeoutMs), awaitOutcome: true,
                                    what: "waiting for room in the queue of \(swiftSession.resource)/\(swiftSession.lu)") {
                try await swiftSession.submit(bytes)
            }
        }
        sequenceOut?.pointee = sequence
    }
}

@_cdecl("netmgr_unacknowledged")
public func cUnacknowledged(_ session: OpaquePointer?, _ countOut: UnsafeMutablePointer<Int>?) -> Int32 {
    exported("netmgr_unacknowledged") {
        let handle = try Registry.shared.session(session)
        guard let countOut else { throw CFailure(NETMGR_E_INVALID, "count_out is NULL") }
        let swiftSession = handle.session
        countOut.pointee = try blocking(.unlimited, awaitOutcome: false, what: "counting") { try await swiftSession.unacknowledged() }
    }
}

@_cdecl("netmgr_receive")
public func cReceive(_ session: OpaquePointer?, _ buffer: UnsafeMutableRawPointer?, _ capacity: Int,
                     _ lengthOut: UnsafeMutablePointer<Int>?, _ timeoutMs: Int32) -> Int32 {
    exported("netmgr_receive") {
        let handle = try Registry.shared.session(session)
        guard let buffer else { throw CFailure(NETMGR_E_INVALID, "buf is NULL") }
        guard capacity > 0 else { throw CFailure(NETMGR_E_INVALID, "cap is \(UInt(bitPattern: capacity)); give the buffer's size") }
        guard let lengthOut else { throw CFailure(NETMGR_E_INVALID, "len_out is NULL") }
        try handle.receive(into: buffer, capacity: capacity, length: lengthOut, timeout: Timeout(timeoutMs))
    }
}

@_cdecl("netmgr_session_set_data_callback")
public func cSetDataCallback(_ session: OpaquePointer?, _ callback: netmgr_data_callback_t?, _ userData: UnsafeMutableRawPointer?) -> Int32 {
    exported("netmgr_session_set_data_callback") {
        try Registry.shared.session(session).setCallback(callback, userData: userData)
    }
}

@_cdecl("netmgr_session_resource")
public func cSessionResource(_ session: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = try? Registry.shared.session(session) else { return nil }
    return UnsafePointer(handle.resourceC)
}

@_cdecl("netmgr_session_lu")
public func cSessionLU(_ session: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = try? Registry.shared.session(session) else { return nil }
    return UnsafePointer(handle.luC)
}
