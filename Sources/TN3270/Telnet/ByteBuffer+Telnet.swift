import NIOCore

extension ByteBuffer {
    /// Writes `bytes` as telnet data: every 0xFF doubled (RFC 854).
    @discardableResult
    public mutating func writeTelnetEscaped(_ bytes: ByteBuffer) -> Int {
        bytes.withUnsafeReadableBytes { self.writeTelnetEscaped(rawBytes: $0) }
    }

    /// Writes `bytes` as telnet data: every 0xFF doubled (RFC 854).
    @discardableResult
    public mutating func writeTelnetEscaped(_ bytes: some Sequence<UInt8>) -> Int {
        let written = bytes.withContiguousStorageIfAvailable {
            self.writeTelnetEscaped(rawBytes: UnsafeRawBufferPointer($0))
        }
        if let written { return written }
        return self.writeTelnetEscaped(Array(bytes))
    }

    @discardableResult
    mutating func writeTelnetEscaped(rawBytes: UnsafeRawBufferPointer) -> Int {
        var written = 0
        var start = 0
        while start < rawBytes.count {
            guard let iac = ByteScan.firstIndex(of: TelnetByte.iac, in: rawBytes, from: start) else {
                written += self.writeBytes(UnsafeRawBufferPointer(rebasing: rawBytes[start...]))
                break
            }
            // Write up to and including the IAC, then the doubling IAC.
            written += self.writeBytes(UnsafeRawBufferPointer(rebasing: rawBytes[start...iac]))
            written += self.writeInteger(TelnetByte.iac)
            start = iac + 1
        }
        return written
    }

    /// IAC WILL/WONT/DO/DONT option.
    @discardableResult
    public mutating func writeTelnetNegotiation(_ verb: TelnetVerb, _ option: TelnetOption) -> Int {
        self.writeBytes([TelnetByte.iac, verb.rawValue, option.rawValue])
    }

    /// IAC command, e.g. IAC NOP or IAC EOR.
    @discardableResult
    public mutating func writeTelnetCommand(_ command: TelnetCommand) -> Int {
        self.writeBytes([TelnetByte.iac, command.rawValue])
    }

    /// IAC SB option payload IAC SE, doubling 0xFF inside the payload (RFC 855).
    @discardableResult
    public mutating func writeTelnetSubnegotiation(_ option: TelnetOption, payload: ByteBuffer) -> Int {
        var written = self.writeBytes([TelnetByte.iac, TelnetByte.sb])
        written += self.writeTelnetEscaped(CollectionOfOne(option.rawValue))
        written += self.writeTelnetEscaped(payload)
        written += self.writeBytes([TelnetByte.iac, TelnetByte.se])
        return written
    }

    /// Writes one event the way `TelnetDecoder` would read it back.
    @discardableResult
    public mutating func writeTelnetEvent(_ event: TelnetEvent) -> Int {
        switch event {
        case .data(let bytes): self.writeTelnetEscaped(bytes)
        case .command(let command): self.writeTelnetCommand(command)
        case .negotiation(let verb, let option): self.writeTelnetNegotiation(verb, option)
        case .subnegotiation(let option, let payload): self.writeTelnetSubnegotiation(option, payload: payload)
        }
    }
}
