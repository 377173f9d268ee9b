import PacketCapture

/// A capture file the test writes packet by packet: IPv4 datagrams wrapped in the chosen
/// link layer, or raw SDLC frames. Times are milliseconds from a fixed origin.
final class SyntheticCapture {
    enum Link {
        case ethernet
        case sll
        case sll2
        case raw
        case null
        case sdlc
        /// LINKTYPE_SITA: a `SITAHeader`, then a LAPB frame (X.25 lines).
        case sita

        var linkType: LinkType {
            switch self {
            case .ethernet: return .ethernet
            case .sll: return .linuxSLL
            case .sll2: return .linuxSLL2
            case .raw: return .raw
            case .null: return .null
            case .sdlc: return .sdlc
            case .sita: return .sita
            }
        }
    }

    static let origin = CaptureTime(seconds: 1_700_000_000)

    let path: String
    let link: Link
    private let writer: CaptureWriter?
    /// Switched captures: a pcapng with the signalling interface (USER1 dialogue or
    /// LINUX_LAPD D channel) as interface 0 and the SDLC frames as interface 1.
    private let switchedWriter: PcapNGWriter?

    init(path: String, link: Link) throws {
        self.path = path
        self.link = link
        writer = try CaptureWriter(path: path, linkType: link.linkType)
        switchedWriter = nil
    }

    init(path: String, signalling: LinkType) throws {
        self.path = path
        link = .sdlc
        writer = nil
        let w = try PcapNGWriter(path: path)
        try w.addInterface(signalling, name: signalling == .linuxLAPD ? "host BRI D" : "host modem dialogue")
        try w.addInterface(.sdlc, name: "host line SDLC")
        switchedWriter = w
    }

    /// A record on the signalling interface of a switched capture.
    func signalling(_ bytes: [UInt8], at milliseconds: Double) throws {
        try switchedWriter?.write(interface: 0, time: Self.time(milliseconds), bytes: bytes)
    }

    static func time(_ milliseconds: Double) -> CaptureTime {
        origin + .nanoseconds(Int64(milliseconds * 1_000_000))
    }

    /// One IPv4 datagram at `milliseconds` after the origin.
    func ip(_ datagram: [UInt8], at milliseconds: Double) throws {
        let frame: [UInt8]
        switch link {
        case .ethernet:
            frame = [0x02, 0, 0, 0, 0, 0x0B, 0x02, 0, 0, 0, 0, 0x0A, 0x08, 0x00] + datagram
        case .sll:
            frame = [0, 4, 0, 1, 0, 6, 0x02, 0, 0, 0, 0, 0x0A, 0, 0, 0x08, 0x00] + datagram
        case .sll2:
            frame = [0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 0x02, 0, 0, 0, 0, 0x0A, 0, 0] + datagram
        case .raw:
            frame = datagram
        case .null:
            frame = [2, 0, 0, 0] + datagram  // AF_INET, little-endian
        case .sdlc, .sita:
            fatalError("an SDLC or SITA capture holds frames, not IP")
        }
        try writer?.write(frame, timestamp: Self.time(milliseconds))
    }

    /// One SDLC frame (address, control, information), or a whole SITA record.
    func frame(_ bytes: [UInt8], at milliseconds: Double) throws {
        if let switchedWriter {
            try switchedWriter.write(interface: 1, time: Self.time(milliseconds), bytes: bytes)
        } else {
            try writer?.write(bytes, timestamp: Self.time(milliseconds))
        }
    }

    func close() throws {
        try writer?.close()
        try switchedWriter?.close()
    }
}
