import NIOCore

/// The X.25 packet layer (ITU-T X.25 §3–§7, modulo 8) over one link, in the DTE role
/// (netmgrd) or the DCE role (the network simulator), for switched virtual calls on a few
/// logical channels. A value-type state machine: packets, calls, data and time in; packets
/// to send and events out.
///
/// After `linkUp` it restarts (RESTART REQUEST/INDICATION, T20); then calls go up with CALL
/// REQUEST (INCOMING CALL from the DCE) and CALL ACCEPTED (CALL CONNECTED), T21. Data is
/// segmented to the negotiated packet size with the M bit and sent within window W; the
/// receiver reassembles each complete packet sequence (bounded) and delivers it with its Q
/// bit. RESET (T22) and CLEAR (T23) carry cause and diagnostic; collisions of RESTART, CLEAR,
/// RESET and calls are resolved as X.25 says. The DCE's timers T10–T13 use the same settings.
public struct X25PacketLayer: Sendable {
    public struct Settings: Hashable, Sendable {
        /// Default packet size both ways when a call carries no packet size facility, and the
        /// size this side asks for in its calls (16–4096, a power of two). Default 128.
        public var packetSize: Int
        /// Default window both ways, and the one asked for (1–7). Default 2.
        public var window: Int
        /// Logical channels for switched virtual calls (1–4095). Default 1...1.
        public var logicalChannels: ClosedRange<UInt16>
        /// Send RESTART when the link comes up (LAPB). XOT carries one call per TCP
        /// connection and no RESTART (RFC 1613): false there.
        public var restartsOnLinkUp: Bool
        /// T20 (DCE: T10), restart response. Default 180 s.
        public var t20: TimeAmount
        /// T21 (DCE: T11), call response. Default 200 s.
        public var t21: TimeAmount
        /// T22 (DCE: T12), reset response. Default 180 s.
        public var t22: TimeAmount
        /// T23 (DCE: T13), clear response. Default 180 s.
        public var t23: TimeAmount
        /// How often RESTART, RESET and CLEAR are sent in all (R20, R22, R23). Default 2.
        public var transmissions: Int
        /// Largest reassembled packet sequence; a longer one resets the call. Default 8192.
        public var maximumSequenceLength: Int
        /// Data packets queued per call at most; `send` refuses more. Default 512.
        public var maximumQueuedPackets: Int

        public init(
            packetSize: Int = 128, window: Int = 2, logicalChannels: ClosedRange<UInt16> = 1...1,
            restartsOnLinkUp: Bool = true,
            t20: TimeAmount = .seconds(180), t21: TimeAmount = .seconds(200), t22: TimeAmount = .seconds(180),
            t23: TimeAmount = .seconds(180), transmissions: Int = 2,
            maximumSequenceLength: Int = 8192, maximumQueuedPackets: Int = 512
        ) {
            self.packetSize = X25Facilities.isValidPacketSize(packetSize) ? packetSize : 128
            self.window = min(7, max(1, window))
            let low = max(1, min(4095, logicalChannels.lowerBound))
            self.logicalChannels = low...max(low, min(4095, logicalChannels.upperBound))
            self.restartsOnLinkUp = restartsOnLinkUp
            self.t20 = t20
            self.t21 = t21
            self.t22 = t22
            self.t23 = t23
            self.transmissions = max(1, transmissions)
            self.maximumSequenceLength = max(16, maximumSequenceLength)
            self.maximumQueuedPackets = max(1, maximumQueuedPackets)
        }
    }

    public enum State: Hashable, Sendable {
        /// No link: nothing is sent.
        case linkDown
        /// RESTART sent, waiting for its confirmation (or the peer's RESTART).
        case restarting
        /// Calls can be made and received.
        case ready
    }

    /// Why a call ended.
    public enum ClearOrigin: Hashable, Sendable {
        /// The peer cleared it (CLEAR INDICATION / REQUEST), or refused the call.
        case remote
        /// The owner cleared it.
        case local
        /// A timer expired (T21 call, T22 reset); the diagnostic names which.
        case timeout
        /// RESTART from either side.
        case restart
        /// The link went down.
        case linkDown
        /// The peer's call and this side's met on one channel; this side's lost.
        case collision
        /// The peer broke the procedure (bad P(S)/P(R), packet in the wrong state...); this
        /// side cleared with the diagnostic given.
        case protocolError
    }

    public struct Connection: Hashable, Sendable {
        public var channel: UInt16
        /// The call as set up: addresses of the call packet, facilities as agreed.
        public var setup: X25CallSetup
        /// Whether this side placed the call.
        public var isOutgoing: Bool
        public var sendPacketSize: Int
        public var receivePacketSize: Int
        public var sendWindow: Int
        public var receiveWindow: Int
    }

    public enum Action: Hashable, Sendable {
        case send(X25Packet)
        /// The restart completed: calls can be made.
        case ready
        /// The peer calls; answer with `accept` or `clear`.
        case incomingCall(channel: UInt16, X25CallSetup)
        case callConnected(Connection)
        /// The call ended (the channel is free again once the clear is confirmed).
        case callCleared(channel: UInt16, X25CauseDiagnostic, origin: ClearOrigin)
        /// A complete packet sequence (M bit chain) from the peer, with its Q bit.
        case deliver(channel: UInt16, data: ByteBuffer, qualifier: Bool)
        /// The call was reset (data in flight both ways is lost).
        case reset(channel: UInt16, X25CauseDiagnostic, origin: ClearOrigin)
        case interrupt(channel: UInt16, data: ByteBuffer)
        /// The restart got no answer after R20 transmissions; the owner may reset the link.
        case restartFailed
        /// A packet that could not be used (what and where); logged by the owner.
        case protocolError(String)
    }

    public enum CallError: Error, Hashable, Sendable, CustomStringConvertible {
        case notReady
        case noFreeChannel
        case userDataTooLong(Int)
        case facilitiesTooLong(Int)

        public var description: String {
            switch self {
            case .notReady: return "X.25 packet layer is not ready (no link or restart not complete)"
            case .noFreeChannel: return "X.25: no free logical channel for a call"
            case .userDataTooLong(let length): return "X.25 call user data of \(length) bytes exceeds 128"
            case .facilitiesTooLong(let length): return "X.25 facilities of \(length) bytes exceed \(X25Facilities.maximumLength)"
            }
        }
    }

    public enum SendError: Error, Hashable, Sendable, CustomStringConvertible {
        case noCall(channel: UInt16)
        case queueFull(channel: UInt16, limit: Int)

        public var description: String {
            switch self {
            case .noCall(let channel): return "X.25 logical channel \(channel) has no call in data transfer"
            case .queueFull(let channel, let limit): return "X.25 logical channel \(channel): \(limit) data packets already queued"
            }
        }
    }

    enum CallState: Hashable, Sendable {
        /// Our CALL REQUEST / INCOMING CALL is out (T21).
        case calling
        /// The peer's call waits for `accept`.
        case called
        case dataTransfer
        /// Our RESET is out (T22).
        case resetting
        /// Our CLEAR is out (T23).
        case clearing
    }

    struct Segment: Sendable {
        var payload: ByteBuffer
        var more: Bool
        var qualifier: Bool
    }

    struct VirtualCall: Sendable {
        var state: CallState
        var setup: X25CallSetup
        var isOutgoing: Bool
        var sendPacketSize = 128
        var receivePacketSize = 128
        var sendWindow = 2
        var receiveWindow = 2
        var deadline: NIODeadline?
        var transmissions = 1
        var clearInfo = X25CauseDiagnostic(cause: 0)
        var resetInfo = X25CauseDiagnostic(cause: 0)
        /// V(S): P(S) of the next data packet.
        var sendState: UInt8 = 0
        /// Lowest P(S) not yet acknowledged (the last P(R) received).
        var acknowledgedState: UInt8 = 0
        /// V(R): P(S) expected next.
        var receiveState: UInt8 = 0
        var remoteBusy = false
        var queue = CircularBuffer<Segment>()
        var reassembly: ByteBuffer?
        var reassemblyQualifier = false
        var acknowledgementPending = false

        var inFlight: Int { Int((sendState &- acknowledgedState) & 0x07) }
    }

    public let role: LAPBRole
    public let settings: Settings
    public private(set) var state: State = .linkDown
    private var calls: [UInt16: VirtualCall] = [:]
    private var restartDeadline: NIODeadline?
    private var restartTransmissions = 0

    public init(role: LAPBRole, settings: Settings = Settings()) {
        self.role = role
        self.settings = settings
    }

    /// Channels with a call in any state, ascending.
    public var channels: [UInt16] { calls.keys.sorted() }

    /// Whether `channel` has a call in data transfer.
    public func isConnected(_ channel: UInt16) -> Bool { calls[channel]?.state == .dataTransfer }

    public func connection(_ channel: UInt16) -> Connection? {
        guard let call = calls[channel], call.state == .dataTransfer || call.state == .resetting else { return nil }
        return Self.connection(channel, call)
    }

    /// Data packets queued (sent and unacknowledged, or waiting) on `channel`.
    public func queuedCount(_ channel: UInt16) -> Int { calls[channel]?.queue.count ?? 0 }

    public var nextDeadline: NIODeadline? {
        var deadlines = calls.values.compactMap(\.deadline)
        if let restartDeadline { deadlines.append(restartDeadline) }
        return deadlines.min()
    }

    /// The link (LAPB or the XOT connection) is up: restart, or be ready at once.
    public mutating func linkUp(now: NIODeadline) -> [Action] {
        calls.removeAll()
        guard settings.restartsOnLinkUp else {
            state = .ready
            return [.ready]
        }
        state = .restarting
        restartTransmissions = 1
        restartDeadline = now + settings.t20
        return [.send(restartPacket())]
    }

    /// The link went down: every call ends.
    public mutating func linkDown() -> [Action] {
        var actions: [Action] = []
        clearAll(X25CauseDiagnostic(cause: X25Cause.outOfOrder), origin: .linkDown, into: &actions)
        state = .linkDown
        restartDeadline = nil
        return actions
    }

    /// Places a call (CALL REQUEST from a DTE, INCOMING CALL from a DCE) on a free channel; a
    /// DTE takes the highest free channel, a DCE the lowest, which keeps collisions rare.
    /// Without facilities in `setup`, this side's packet size and window are asked for when
    /// they differ from the defaults 128 and 2.
    public mutating func call(_ setup: X25CallSetup, now: NIODeadline) throws(CallError) -> (channel: UInt16, actions: [Action]) {
        guard state == .ready else { throw .notReady }
        guard setup.userData.readableBytes <= X25Packet.maximumCallUserDataLength else {
            throw .userDataTooLong(setup.userData.readableBytes)
        }
        guard setup.facilities.bytes.count <= X25Facilities.maximumLength else {
            throw .facilitiesTooLong(setup.facilities.bytes.count)
        }
        let range = settings.logicalChannels
        let candidates: [UInt16] = role == .dte ? range.reversed() : Array(range)
        guard let channel = candidates.first(where: { calls[$0] == nil }) else { throw .noFreeChannel }
        var setup = setup
        setup.hasAddressBlock = true
        if setup.facilities.packetSize == nil, settings.packetSize != 128 {
            setup.facilities.packetSize = X25DirectionPair(both: settings.packetSize)
        }
        if setup.facilities.windowSize == nil, settings.window != 2 {
            setup.facilities.windowSize = X25DirectionPair(both: settings.window)
        }
        var call = VirtualCall(state: .calling, setup: setup, isOutgoing: true)
        call.deadline = now + settings.t21
        calls[channel] = call
        return (channel, [.send(X25Packet(logicalChannel: channel, body: .callRequest(setup)))])
    }

    /// Accepts the peer's call on `channel` (CALL ACCEPTED / CALL CONNECTED). Facilities
    /// asked for are agreed as asked, except that sizes above this side's settings are
    /// lowered to them.
    public mutating func accept(channel: UInt16, now: NIODeadline) -> [Action] {
        guard var call = calls[channel], call.state == .called else { return [] }
        var facilities = X25Facilities()
        if let asked = call.setup.facilities.packetSize {
            facilities.packetSize = X25DirectionPair(
                fromCalled: min(asked.fromCalled, settings.packetSize), fromCalling: min(asked.fromCalling, settings.packetSize))
        }
        if let asked = call.setup.facilities.windowSize {
            facilities.windowSize = X25DirectionPair(
                fromCalled: min(asked.fromCalled, settings.window), fromCalling: min(asked.fromCalling, settings.window))
        }
        call.setup.facilities = facilities
        applyFacilities(facilities, to: &call, outgoing: false)
        call.state = .dataTransfer
        call.deadline = nil
        calls[channel] = call
        let accepted = X25CallSetup(facilities: facilities, hasAddressBlock: !facilities.isEmpty)
        return [
            .send(X25Packet(logicalChannel: channel, body: .callAccepted(accepted))),
            .callConnected(Self.connection(channel, call)),
        ]
    }

    /// Clears the call on `channel` (CLEAR REQUEST / INDICATION), T23.
    public mutating func clear(channel: UInt16, cause: X25CauseDiagnostic, now: NIODeadline) -> [Action] {
        guard var call = calls[channel], call.state != .clearing else { return [] }
        call.state = .clearing
        call.clearInfo = cause
        call.transmissions = 1
        call.deadline = now + settings.t23
        call.queue.removeAll()
        call.reassembly = nil
        calls[channel] = call
        return [.send(X25Packet(logicalChannel: channel, body: .clearRequest(cause))), .callCleared(channel: channel, cause, origin: .local)]
    }

    /// Resets the call on `channel` (RESET REQUEST / INDICATION), T22.
    public mutating func reset(channel: UInt16, cause: X25CauseDiagnostic, now: NIODeadline) -> [Action] {
        guard var call = calls[channel], call.state == .dataTransfer else { return [] }
        resetVariables(&call)
        call.state = .resetting
        call.resetInfo = cause
        call.transmissions = 1
        call.deadline = now + settings.t22
        calls[channel] = call
        return [.send(X25Packet(logicalChannel: channel, body: .resetRequest(cause))), .reset(channel: channel, cause, origin: .local)]
    }

    /// Whether `send` would take `byteCount` bytes on `channel` now, or the error it would
    /// throw: lets an owner that must do something irreversible before sending (take an SNA
    /// sequence number) ask first, so that a refusal changes nothing.
    public func checkRoom(for byteCount: Int, channel: UInt16) -> SendError? {
        guard let call = calls[channel], call.state == .dataTransfer || call.state == .resetting else {
            return .noCall(channel: channel)
        }
        let size = call.sendPacketSize
        let segments = max(1, (byteCount + size - 1) / size)
        guard call.queue.count + segments <= settings.maximumQueuedPackets else {
            return .queueFull(channel: channel, limit: settings.maximumQueuedPackets)
        }
        return nil
    }

    /// `checkRoom` for several messages queued one after the other (an SNA chain's PIUs).
    public func checkRoom(forMessages byteCounts: [Int], channel: UInt16) -> SendError? {
        guard let call = calls[channel], call.state == .dataTransfer || call.state == .resetting else {
            return .noCall(channel: channel)
        }
        let size = call.sendPacketSize
        let segments = byteCounts.reduce(0) { $0 + max(1, ($1 + size - 1) / size) }
        guard call.queue.count + segments <= settings.maximumQueuedPackets else {
            return .queueFull(channel: channel, limit: settings.maximumQueuedPackets)
        }
        return nil
    }

    /// Queues `data` on `channel`: segments of the send packet size, M set on all but the
    /// last, Q on all of them; sends what the window allows.
    public mutating func send(_ data: ByteBuffer, channel: UInt16, qualifier: Bool = false, now: NIODeadline) throws(SendError) -> [Action] {
        if let refusal = checkRoom(for: data.readableBytes, channel: channel) { throw refusal }
        guard var call = calls[channel] else { throw .noCall(channel: channel) }
        let size = call.sendPacketSize
        let segments = max(1, (data.readableBytes + size - 1) / size)
        var rest = data
        for index in 0..<segments {
            let payload = rest.readSlice(length: min(size, rest.readableBytes)) ?? ByteBuffer()
            call.queue.append(Segment(payload: payload, more: index < segments - 1, qualifier: qualifier))
        }
        var actions: [Action] = []
        transmit(channel, &call, into: &actions)
        calls[channel] = call
        return actions
    }

    /// Time passed: T20–T23.
    public mutating func tick(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        if let deadline = restartDeadline, now >= deadline, state == .restarting {
            if restartTransmissions < settings.transmissions {
                restartTransmissions += 1
                restartDeadline = now + settings.t20
                actions.append(.send(restartPacket()))
            } else {
                restartDeadline = nil
                actions.append(.restartFailed)
            }
        }
        for channel in calls.keys.sorted() {
            guard var call = calls[channel], let deadline = call.deadline, now >= deadline else { continue }
            switch call.state {
            case .calling:
                // T21: give up with CLEAR (diagnostic 49).
                calls[channel] = call
                let info = X25CauseDiagnostic(cause: X25Cause.dteOriginated, diagnostic: X25Diagnostic.timerExpiredForCall)
                actions += startClear(channel, info, now: now)
                actions.append(.callCleared(channel: channel, info, origin: .timeout))
                continue
            case .resetting:
                if call.transmissions < settings.transmissions {
                    call.transmissions += 1
                    call.deadline = now + settings.t22
                    actions.append(.send(X25Packet(logicalChannel: channel, body: .resetRequest(call.resetInfo))))
                } else {
                    calls[channel] = call
                    let info = X25CauseDiagnostic(cause: X25Cause.dteOriginated, diagnostic: X25Diagnostic.timerExpiredForReset)
                    actions += startClear(channel, info, now: now)
                    actions.append(.callCleared(channel: channel, info, origin: .timeout))
                    continue
                }
            case .clearing:
                if call.transmissions < settings.transmissions {
                    call.transmissions += 1
                    call.deadline = now + settings.t23
                    actions.append(.send(X25Packet(logicalChannel: channel, body: .clearRequest(call.clearInfo))))
                } else {
                    // R23 exhausted: the channel is taken out of use until the next restart
                    // would be the standard's answer; with few channels, free it instead.
                    calls[channel] = nil
                    actions.append(.protocolError("X.25 channel \(channel): CLEAR not confirmed after \(call.transmissions) transmissions"))
                    continue
                }
            case .called, .dataTransfer:
                call.deadline = nil
            }
            calls[channel] = call
        }
        return actions
    }

    /// Packet bytes from the link (a LAPB I-field or an XOT packet).
    public mutating func receive(_ bytes: ByteBuffer, now: NIODeadline) -> [Action] {
        guard state != .linkDown else { return [] }
        let packet: X25Packet
        do {
            packet = try X25Packet(parsing: bytes)
        } catch {
            return receiveUndecodable(bytes, error: error, now: now)
        }
        return receive(packet, now: now)
    }

    /// A decoded packet from the link.
    public mutating func receive(_ packet: X25Packet, now: NIODeadline) -> [Action] {
        guard state != .linkDown else { return [] }
        var actions: [Action] = []
        let channel = packet.logicalChannel
        switch packet.body {
        case .restartRequest(let info):
            receiveRestart(info, now: now, into: &actions)
            return actions
        case .restartConfirmation:
            if state == .restarting {
                state = .ready
                restartDeadline = nil
                actions.append(.ready)
            }
            return actions
        case .diagnostic(let code, _):
            actions.append(.protocolError("X.25 DIAGNOSTIC \(code) from the \(role.peer)"))
            return actions
        default:
            break
        }
        guard state == .ready else { return actions }  // before the restart completes
        guard channel != 0 else {
            actions.append(.protocolError("X.25 \(packet.body.typeByte) on logical channel 0 ignored"))
            return actions
        }
        guard var call = calls[channel] else {
            receiveOnFreeChannel(packet, now: now, into: &actions)
            return actions
        }
        switch (call.state, packet.body) {
        case (.clearing, .clearConfirmation), (.clearing, .clearRequest):
            // Confirmation, or a clear collision: the channel is free, nothing more is sent.
            calls[channel] = nil
        case (.clearing, _):
            break  // everything else is discarded until the clear completes
        case (_, .clearRequest(let info)):
            calls[channel] = nil
            actions.append(.send(X25Packet(logicalChannel: channel, body: .clearConfirmation)))
            actions.append(.callCleared(channel: channel, info, origin: .remote))
        case (.calling, .callAccepted(let accepted)):
            applyFacilities(accepted.facilities.isEmpty ? call.setup.facilities : accepted.facilities, to: &call, outgoing: true)
            if !accepted.facilities.isEmpty { call.setup.facilities = accepted.facilities }
            call.state = .dataTransfer
            call.deadline = nil
            calls[channel] = call
            actions.append(.callConnected(Self.connection(channel, call)))
        case (.calling, .callRequest(let setup)):
            // Call collision on this channel.
            if role == .dte {
                // The DCE goes on with our CALL REQUEST and cancels its INCOMING CALL.
                break
            } else {
                // The DCE goes on with the DTE's call; its own offer is cancelled.
                let info = X25CauseDiagnostic(cause: X25Cause.numberBusy)
                actions.append(.callCleared(channel: channel, info, origin: .collision))
                calls[channel] = VirtualCall(state: .called, setup: setup, isOutgoing: false)
                actions.append(.incomingCall(channel: channel, setup))
            }
        case (.dataTransfer, .data), (.dataTransfer, .receiveReady), (.dataTransfer, .receiveNotReady), (.dataTransfer, .reject):
            receiveDataTransfer(packet, channel: channel, call: &call, now: now, into: &actions)
            if calls[channel] != nil { calls[channel] = call }
        case (.dataTransfer, .interrupt(let data)):
            actions.append(.send(X25Packet(logicalChannel: channel, body: .interruptConfirmation)))
            actions.append(.interrupt(channel: channel, data: data))
        case (.dataTransfer, .interruptConfirmation):
            break
        case (.dataTransfer, .resetRequest(let info)):
            resetVariables(&call)
            calls[channel] = call
            actions.append(.send(X25Packet(logicalChannel: channel, body: .resetConfirmation)))
            actions.append(.reset(channel: channel, info, origin: .remote))
        case (.resetting, .resetConfirmation), (.resetting, .resetRequest):
            // Confirmation, or a reset collision: data transfer again, nothing more is sent.
            call.state = .dataTransfer
            call.deadline = nil
            transmit(channel, &call, into: &actions)
            calls[channel] = call
        case (.resetting, _):
            break  // data and flow control are discarded until the reset completes
        case (.dataTransfer, .resetConfirmation), (.dataTransfer, .callAccepted):
            break  // late duplicates: harmless
        default:
            // A packet the call's state does not allow: clear with "invalid packet type".
            let info = X25CauseDiagnostic(cause: X25Cause.localProcedureError, diagnostic: X25Diagnostic.packetTypeInvalid)
            actions += startClear(channel, info, now: now)
            actions.append(.callCleared(channel: channel, info, origin: .protocolError))
        }
        return actions
    }
}

extension X25PacketLayer {
    private static func connection(_ channel: UInt16, _ call: VirtualCall) -> Connection {
        Connection(
            channel: channel, setup: call.setup, isOutgoing: call.isOutgoing,
            sendPacketSize: call.sendPacketSize, receivePacketSize: call.receivePacketSize,
            sendWindow: call.sendWindow, receiveWindow: call.receiveWindow)
    }

    private func restartPacket() -> X25Packet {
        // A DTE restarts with cause 0; the network says "network operational".
        let cause = role == .dte ? X25Cause.dteOriginated : X25Cause.restartNetworkOperational
        return X25Packet(logicalChannel: 0, body: .restartRequest(X25CauseDiagnostic(cause: cause, diagnostic: 0)))
    }

    /// Packet sizes and windows per direction: the calling DTE sends with the "from calling"
    /// values and receives with the "from called" ones.
    private func applyFacilities(_ facilities: X25Facilities, to call: inout VirtualCall, outgoing: Bool) {
        let sizes = facilities.packetSize ?? X25DirectionPair(both: 128)
        let windows = facilities.windowSize ?? X25DirectionPair(both: 2)
        // Without facilities both sides use the subscription defaults, which are this side's
        // settings only when they were asked for (call() adds them when not 128/2).
        call.sendPacketSize = max(16, min(4096, outgoing ? sizes.fromCalling : sizes.fromCalled))
        call.receivePacketSize = max(16, min(4096, outgoing ? sizes.fromCalled : sizes.fromCalling))
        call.sendWindow = max(1, min(7, outgoing ? windows.fromCalling : windows.fromCalled))
        call.receiveWindow = max(1, min(7, outgoing ? windows.fromCalled : windows.fromCalling))
    }

    private func resetVariables(_ call: inout VirtualCall) {
        call.sendState = 0
        call.acknowledgedState = 0
        call.receiveState = 0
        call.remoteBusy = false
        call.queue.removeAll()
        call.reassembly = nil
        call.acknowledgementPending = false
    }

    private mutating func startClear(_ channel: UInt16, _ info: X25CauseDiagnostic, now: NIODeadline) -> [Action] {
        guard var call = calls[channel] else { return [] }
        call.state = .clearing
        call.clearInfo = info
        call.transmissions = 1
        call.deadline = now + settings.t23
        call.queue.removeAll()
        call.reassembly = nil
        calls[channel] = call
        return [.send(X25Packet(logicalChannel: channel, body: .clearRequest(info)))]
    }

    private mutating func startReset(_ channel: UInt16, _ call: inout VirtualCall, _ info: X25CauseDiagnostic, now: NIODeadline, into actions: inout [Action]) {
        resetVariables(&call)
        call.state = .resetting
        call.resetInfo = info
        call.transmissions = 1
        call.deadline = now + settings.t22
        actions.append(.send(X25Packet(logicalChannel: channel, body: .resetRequest(info))))
        actions.append(.reset(channel: channel, info, origin: .protocolError))
    }

    private mutating func clearAll(_ info: X25CauseDiagnostic, origin: ClearOrigin, into actions: inout [Action]) {
        for channel in calls.keys.sorted() {
            guard let call = calls[channel] else { continue }
            if call.state != .clearing {
                actions.append(.callCleared(channel: channel, info, origin: origin))
            }
        }
        calls.removeAll()
    }

    private mutating func receiveRestart(_ info: X25CauseDiagnostic, now: NIODeadline, into actions: inout [Action]) {
        if state == .restarting {
            // Restart collision: done, nothing more is sent.
            clearAll(info, origin: .restart, into: &actions)
        } else {
            clearAll(info, origin: .restart, into: &actions)
            actions.append(.send(X25Packet(logicalChannel: 0, body: .restartConfirmation)))
        }
        state = .ready
        restartDeadline = nil
        actions.append(.ready)
    }

    private mutating func receiveOnFreeChannel(_ packet: X25Packet, now: NIODeadline, into actions: inout [Action]) {
        let channel = packet.logicalChannel
        switch packet.body {
        case .callRequest(let setup):
            calls[channel] = VirtualCall(state: .called, setup: setup, isOutgoing: false)
            actions.append(.incomingCall(channel: channel, setup))
        case .clearRequest:
            actions.append(.send(X25Packet(logicalChannel: channel, body: .clearConfirmation)))
        case .clearConfirmation:
            break
        default:
            // X.25 state p1: anything else is answered with CLEAR (diagnostic 36, "packet on
            // unassigned logical channel"), which also stops a peer that kept a stale call.
            let info = X25CauseDiagnostic(cause: X25Cause.localProcedureError, diagnostic: 36)
            calls[channel] = VirtualCall(state: .called, setup: X25CallSetup(), isOutgoing: false)
            actions += startClear(channel, info, now: now)
        }
    }

    private mutating func receiveUndecodable(_ bytes: ByteBuffer, error: X25PacketError, now: NIODeadline) -> [Action] {
        var actions: [Action] = [.protocolError("\(error)")]
        guard state == .ready,
            let gfi = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self),
            let lcn = bytes.getInteger(at: bytes.readerIndex + 1, as: UInt8.self)
        else { return actions }
        let channel = UInt16(gfi & 0x0F) << 8 | UInt16(lcn)
        guard var call = calls[channel] else { return actions }
        let info = X25CauseDiagnostic(cause: X25Cause.localProcedureError, diagnostic: error.diagnostic)
        switch call.state {
        case .dataTransfer:
            let resetInfo = X25CauseDiagnostic(cause: X25Cause.resetLocalProcedureError, diagnostic: error.diagnostic)
            startReset(channel, &call, resetInfo, now: now, into: &actions)
            calls[channel] = call
        case .calling, .called:
            actions += startClear(channel, info, now: now)
            actions.append(.callCleared(channel: channel, info, origin: .protocolError))
        case .resetting, .clearing:
            break
        }
        return actions
    }

    private mutating func receiveDataTransfer(
        _ packet: X25Packet, channel: UInt16, call: inout VirtualCall, now: NIODeadline, into actions: inout [Action]
    ) {
        let pr: UInt8
        switch packet.body {
        case .data(_, let p, _, _), .receiveReady(let p), .receiveNotReady(let p), .reject(let p): pr = p
        default: return
        }
        // P(R) must lie between the last P(R) received and the next P(S) to send.
        guard (pr &- call.acknowledgedState) & 0x07 <= (call.sendState &- call.acknowledgedState) & 0x07 else {
            let info = X25CauseDiagnostic(cause: X25Cause.resetLocalProcedureError, diagnostic: X25Diagnostic.invalidPR)
            return startReset(channel, &call, info, now: now, into: &actions)
        }
        let acknowledged = Int((pr &- call.acknowledgedState) & 0x07)
        if acknowledged > 0 {
            call.queue.removeFirst(min(acknowledged, call.queue.count))
            call.acknowledgedState = pr
        }
        switch packet.body {
        case .data(let ps, _, let more, let payload):
            // In sequence and inside the window this side gave (the last P(R) sent is V(R)).
            guard ps == call.receiveState else {
                let info = X25CauseDiagnostic(cause: X25Cause.resetLocalProcedureError, diagnostic: X25Diagnostic.invalidPS)
                return startReset(channel, &call, info, now: now, into: &actions)
            }
            call.receiveState = (call.receiveState &+ 1) & 0x07
            call.acknowledgementPending = true
            var sequence = call.reassembly ?? ByteBuffer()
            if call.reassembly == nil { call.reassemblyQualifier = packet.qualifier }
            guard sequence.readableBytes + payload.readableBytes <= settings.maximumSequenceLength else {
                let info = X25CauseDiagnostic(cause: X25Cause.resetLocalProcedureError, diagnostic: X25Diagnostic.packetTooLong)
                return startReset(channel, &call, info, now: now, into: &actions)
            }
            var payload = payload
            if more {
                sequence.writeBuffer(&payload)
                call.reassembly = sequence
            } else {
                if call.reassembly == nil {
                    sequence = payload  // the common single packet: no copy
                } else {
                    sequence.writeBuffer(&payload)
                }
                call.reassembly = nil
                actions.append(.deliver(channel: channel, data: sequence, qualifier: call.reassemblyQualifier))
            }
        case .receiveNotReady:
            call.remoteBusy = true
        case .reject:
            // Only with the optional packet retransmission facility: unsupported, reset.
            let info = X25CauseDiagnostic(cause: X25Cause.resetLocalProcedureError, diagnostic: X25Diagnostic.packetTypeInvalid)
            return startReset(channel, &call, info, now: now, into: &actions)
        default:
            call.remoteBusy = false
        }
        transmit(channel, &call, into: &actions)
    }

    /// Sends data packets the window allows (each carries P(R)), else RR for data received.
    private func transmit(_ channel: UInt16, _ call: inout VirtualCall, into actions: inout [Action]) {
        guard call.state == .dataTransfer else { return }
        while !call.remoteBusy, call.inFlight < call.sendWindow, call.inFlight < call.queue.count {
            let segment = call.queue[call.queue.index(call.queue.startIndex, offsetBy: call.inFlight)]
            let body = X25PacketBody.data(ps: call.sendState, pr: call.receiveState, more: segment.more, payload: segment.payload)
            actions.append(.send(X25Packet(logicalChannel: channel, body: body, qualifier: segment.qualifier)))
            call.sendState = (call.sendState &+ 1) & 0x07
            call.acknowledgementPending = false
        }
        if call.acknowledgementPending {
            call.acknowledgementPending = false
            actions.append(.send(X25Packet(logicalChannel: channel, body: .receiveReady(pr: call.receiveState))))
        }
    }
}
