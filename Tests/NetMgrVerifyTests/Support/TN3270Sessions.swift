/// Whole TN3270 conversations on a `TCPFlow`, each returning the time it finished at.
extension TCPFlow {
    /// TN3270E: DO/WILL, SEND DEVICE-TYPE, REQUEST ... CONNECT lu, IS ... CONNECT lu,
    /// FUNCTIONS REQUEST/IS RESPONSES. `granted` overrides the name the host answers
    /// (a generic request is answered with a name).
    mutating func tn3270eBind(lu: String?, granted: String? = nil, at ms: Double, type: String = "IBM-3278-2-E") throws -> Double {
        let name = granted ?? lu!
        try send(.host, TN3270Bytes.doTN3270E, at: ms)
        try send(.client, TN3270Bytes.willTN3270E, at: ms + 1)
        try send(.host, TN3270Bytes.sendDeviceType, at: ms + 2)
        try send(.client, TN3270Bytes.deviceTypeRequest(type, connect: lu), at: ms + 3)
        try send(.host, TN3270Bytes.deviceTypeIs(type, connect: name), at: ms + 4)
        try send(.client, TN3270Bytes.functionsRequest, at: ms + 5)
        try send(.host, TN3270Bytes.functionsIs, at: ms + 6)
        return ms + 7
    }

    /// TN3270E up to a DEVICE-TYPE REJECT with `reason` (1 = DEVICE-IN-USE).
    mutating func tn3270eReject(lu: String, reason: UInt8, at ms: Double, type: String = "IBM-3278-2-E") throws -> Double {
        try send(.host, TN3270Bytes.doTN3270E, at: ms)
        try send(.client, TN3270Bytes.willTN3270E, at: ms + 1)
        try send(.host, TN3270Bytes.sendDeviceType, at: ms + 2)
        try send(.client, TN3270Bytes.deviceTypeRequest(type, connect: lu), at: ms + 3)
        try send(.host, TN3270Bytes.deviceTypeReject(reason: reason), at: ms + 4)
        return ms + 5
    }

    /// Basic TN3270: DO TERMINAL-TYPE, SEND, IS `terminalType` (e.g. IBM-3278-2@LU), EOR
    /// and BINARY both ways. The LU counts as granted once records flow.
    mutating func basicNegotiate(terminalType: String, at ms: Double) throws -> Double {
        try send(.host, TN3270Bytes.doTerminalType, at: ms)
        try send(.client, TN3270Bytes.willTerminalType, at: ms + 1)
        try send(.host, TN3270Bytes.sendTerminalType, at: ms + 2)
        try send(.client, TN3270Bytes.terminalTypeIs(terminalType), at: ms + 3)
        try send(.host, TN3270Bytes.hostBasicOptions, at: ms + 4)
        try send(.client, TN3270Bytes.clientBasicOptions, at: ms + 5)
        return ms + 6
    }

    /// `pairs` host screens each answered by the terminal, `every` ms apart.
    mutating func records(_ pairs: Int, tn3270e: Bool, from ms: Double, every: Double = 10) throws -> Double {
        var t = ms
        for i in 0..<pairs {
            let sequence = UInt16(i)
            try send(.host, tn3270e ? TN3270Bytes.record3270E(sequence: sequence, TN3270Bytes.screen) : TN3270Bytes.record(TN3270Bytes.screen), at: t)
            try send(.client, tn3270e ? TN3270Bytes.record3270E(sequence: sequence, TN3270Bytes.enter) : TN3270Bytes.record(TN3270Bytes.enter), at: t + every / 2)
            t += every
        }
        return t - every / 2
    }
}
