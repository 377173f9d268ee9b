import NIOCore

@testable import TN3270

/// A client and a server machine wired back to back in memory. Every byte
/// each side sends is delivered to the other (and kept in a transcript for
/// the observer tests); non-send actions are collected per side.
struct Conversation {
    enum Decision {
        case grant(String)
        case reject(TN3270ERejectReason)
    }

    var client: TN3270ClientStateMachine
    var server: TN3270ServerStateMachine
    /// How the server's owner answers LU requests; nil leaves them pending.
    var decide: ((TN3270LURequest) -> Decision)?

    var clientReports: [TN3270ClientStateMachine.Action] = []
    var serverReports: [TN3270ServerStateMachine.Action] = []
    /// Everything on the wire, per direction, in order.
    var fromClient: [UInt8] = []
    var fromServer: [UInt8] = []
    /// Each direction's bytes as separate writes (for chunked replays).
    var clientWrites: [[UInt8]] = []
    var serverWrites: [[UInt8]] = []

    private var toClient: [ByteBuffer] = []
    private var toServer: [ByteBuffer] = []

    init(
        client: TN3270ClientConfiguration,
        server: TN3270ServerConfiguration = TN3270ServerConfiguration(),
        decide: ((TN3270LURequest) -> Decision)? = { .grant($0.luName ?? "POOL0001") }
    ) {
        self.client = TN3270ClientStateMachine(configuration: client)
        self.server = TN3270ServerStateMachine(configuration: server)
        self.decide = decide
    }

    mutating func start() {
        self.absorb(server: self.server.start())
        self.run()
    }

    /// Delivers queued bytes until both sides are quiet.
    mutating func run() {
        while !self.toClient.isEmpty || !self.toServer.isEmpty {
            if !self.toServer.isEmpty {
                let bytes = self.toServer.removeFirst()
                self.absorb(server: self.server.receive(bytes))
            }
            if !self.toClient.isEmpty {
                let bytes = self.toClient.removeFirst()
                self.absorb(client: self.client.receive(bytes))
            }
        }
    }

    mutating func absorb(client actions: [TN3270ClientStateMachine.Action]) {
        for action in actions {
            if case .send(let bytes) = action {
                self.fromClient += bytes.bytes
                self.clientWrites.append(bytes.bytes)
                self.toServer.append(bytes)
            } else {
                self.clientReports.append(action)
            }
        }
    }

    mutating func absorb(server actions: [TN3270ServerStateMachine.Action]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                self.fromServer += bytes.bytes
                self.serverWrites.append(bytes.bytes)
                self.toClient.append(bytes)
            case .luRequested(let request):
                self.serverReports.append(action)
                guard let decide = self.decide else { continue }
                switch decide(request) {
                case .grant(let name): self.absorb(server: try! self.server.grant(luName: name))
                case .reject(let reason): self.absorb(server: try! self.server.reject(reason))
                }
            default:
                self.serverReports.append(action)
            }
        }
    }

    /// The client writes raw bytes (e.g. an outbound record).
    mutating func clientSends(_ bytes: ByteBuffer) {
        self.absorb(client: [.send(bytes)])
        self.run()
    }

    mutating func serverSends(_ bytes: ByteBuffer) {
        self.absorb(server: [.send(bytes)])
        self.run()
    }

    var clientBinding: TN3270Binding? {
        for case .bound(let binding) in self.clientReports { return binding }
        return nil
    }

    var serverBinding: TN3270Binding? {
        for case .bound(let binding) in self.serverReports { return binding }
        return nil
    }

    mutating func takeClientReports() -> [TN3270ClientStateMachine.Action] {
        defer { self.clientReports = [] }
        return self.clientReports
    }

    mutating func takeServerReports() -> [TN3270ServerStateMachine.Action] {
        defer { self.serverReports = [] }
        return self.serverReports
    }
}
