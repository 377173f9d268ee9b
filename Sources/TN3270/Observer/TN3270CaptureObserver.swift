import NIOCore

/// A passive observer of one captured TN3270 connection. Feed it the
/// reassembled TCP payload of each direction in order; it never answers and
/// never fails, and after negotiation it does little more than memchr for
/// IAC and count IAC EORs.
public struct TN3270CaptureObserver: Sendable {
    public private(set) var facts = TN3270CaptureFacts()
    private var client = TelnetScanner()
    private var server = TelnetScanner()

    public init() {}

    public mutating func feed(fromClient bytes: UnsafeRawBufferPointer) {
        Self.scan(bytes, &self.client, &self.facts, .fromClient)
    }

    public mutating func feed(fromServer bytes: UnsafeRawBufferPointer) {
        Self.scan(bytes, &self.server, &self.facts, .fromServer)
    }

    public mutating func feed(fromClient bytes: ByteBuffer) {
        bytes.withUnsafeReadableBytes { self.feed(fromClient: $0) }
    }

    public mutating func feed(fromServer bytes: ByteBuffer) {
        bytes.withUnsafeReadableBytes { self.feed(fromServer: $0) }
    }

    public mutating func feed(fromClient bytes: [UInt8]) {
        bytes.withUnsafeBytes { self.feed(fromClient: $0) }
    }

    public mutating func feed(fromServer bytes: [UInt8]) {
        bytes.withUnsafeBytes { self.feed(fromServer: $0) }
    }

    public mutating func feed(_ direction: TN3270CaptureDirection, _ bytes: UnsafeRawBufferPointer) {
        switch direction {
        case .fromClient: self.feed(fromClient: bytes)
        case .fromServer: self.feed(fromServer: bytes)
        }
    }

    private static func scan(
        _ bytes: UnsafeRawBufferPointer,
        _ scanner: inout TelnetScanner,
        _ facts: inout TN3270CaptureFacts,
        _ direction: TN3270CaptureDirection
    ) {
        let count = bytes.count
        var index = 0
        while index < count {
            switch scanner.state {
            case .data:
                let end = ByteScan.firstIndex(of: TelnetByte.iac, in: bytes, from: index) ?? count
                if scanner.headerCount < TelnetScanner.capturedBytes {
                    scanner.captureHeader(bytes, from: index, to: end)
                }
                if end < count {
                    scanner.state = .iac
                    index = end + 1
                } else {
                    index = count
                }

            case .iac:
                let byte = bytes[index]
                index += 1
                scanner.state = .data
                switch byte {
                case TelnetByte.iac:
                    scanner.captureHeaderByte(TelnetByte.iac)
                case TelnetByte.eor:
                    facts.recordEnded(direction, scanner, offset: scanner.offset + index)
                    scanner.headerCount = 0
                case TelnetByte.will...TelnetByte.dont:
                    scanner.verb = byte
                    scanner.state = .verb
                case TelnetByte.sb:
                    scanner.subnegotiation.removeAll(keepingCapacity: true)
                    scanner.state = .subnegotiation
                case TelnetByte.nop...TelnetByte.ga:
                    break
                default:
                    facts.anomalies += 1  // IAC SE outside SB, or not a command
                }

            case .verb:
                let option = bytes[index]
                index += 1
                scanner.state = .data
                facts.negotiation(direction, TelnetVerb(rawValue: scanner.verb)!, TelnetOption(rawValue: option), offset: scanner.offset + index)

            case .subnegotiation:
                let end = ByteScan.firstIndex(of: TelnetByte.iac, in: bytes, from: index) ?? count
                scanner.subnegotiation.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<end]))
                if scanner.subnegotiation.count > TelnetScanner.subnegotiationLimit {
                    facts.anomalies += 1
                    scanner.state = .data
                    index = end  // rescan from the IAC (if any) as data
                } else if end < count {
                    scanner.state = .subnegotiationIAC
                    index = end + 1
                } else {
                    index = count
                }

            case .subnegotiationIAC:
                let byte = bytes[index]
                switch byte {
                case TelnetByte.iac:
                    scanner.subnegotiation.append(TelnetByte.iac)
                    scanner.state = .subnegotiation
                    index += 1
                case TelnetByte.se:
                    index += 1
                    scanner.state = .data
                    facts.subnegotiation(direction, scanner.subnegotiation, offset: scanner.offset + index)
                default:
                    // Malformed: drop the sub-negotiation and read the byte as
                    // the command after IAC.
                    facts.anomalies += 1
                    scanner.state = .iac
                }
            }
        }
        scanner.offset += count
        switch direction {
        case .fromClient: facts.fromClient.bytes += count
        case .fromServer: facts.fromServer.bytes += count
        }
    }
}
