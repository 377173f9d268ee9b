import PacketCapture
import SDLC

/// Switched-line captures as the exchange records the host's side: a dialogue (USER1) or D
/// channel (LINUX_LAPD) interface next to the line's SDLC frames, in one pcapng.
enum SwitchedScenarios {
    // MARK: Bytes

    static func modem(_ text: String) -> [UInt8] { DialogueRecord.encode(toDTE: true, Array(text.utf8)) }
    static func dte(_ text: String) -> [UInt8] { DialogueRecord.encode(toDTE: false, Array(text.utf8)) }

    /// One V.25bis command or indication as an HDLC frame: flag, 0xFF 0x13, IA5, FCS, flag.
    static func v25bis(_ text: String, toDTE: Bool) -> [UInt8] {
        let content = [0xFF, 0x13] + Array(text.utf8)
        let fcs = CRC16X25.checksum(content)
        var framed: [UInt8] = [0x7E]
        for b in content + [UInt8(fcs & 0xFF), UInt8(fcs >> 8)] {
            if b == 0x7E || b == 0x7D { framed += [0x7D, b ^ 0x20] } else { framed.append(b) }
        }
        framed.append(0x7E)
        return DialogueRecord.encode(toDTE: toDTE, framed)
    }

    /// A party number IE: type unknown, plan ISDN/telephony (octet 3 with its extension bit), digits.
    static func number(_ id: UInt8, _ digits: String) -> [UInt8] {
        [id, UInt8(1 + digits.utf8.count), 0x81] + Array(digits.utf8)
    }

    /// One Q.931 message in a LAPD I frame behind the LINUX_LAPD header. The network sends
    /// commands with C/R 1, the user side with C/R 0 (Q.921). `sent` is the frame's N(S):
    /// each side numbers its I frames 0, 1, 2… (a repeated N(S) is a retransmission).
    static func q931(fromNetwork: Bool, reference: UInt8, flag: Bool, type: UInt8, elements: [UInt8] = [], sent: UInt8 = 0) -> [UInt8] {
        let lapd: [UInt8] = [fromNetwork ? 0x02 : 0x00, 0x01, (sent & 0x7F) << 1, 0x00]
        let q931: [UInt8] = [0x08, 0x01, (flag ? 0x80 : 0) | reference, type] + elements
        return LinuxLAPDHeader.encode(fromNetwork: fromNetwork) + lapd + q931
    }

    static func cause(_ value: UInt8) -> [UInt8] { [0x08, 0x02, 0x82, 0x80 | value] }

    // MARK: Scenarios

    struct ISDNCall {
        var calling: String
        var nodeID: UInt32
        var lus: [UInt8] = [2, 3]
        var clearCause: UInt8? = 41
    }

    /// Calls from the node to the host's BRI (0300002222), each with SDLC on its B channel; every
    /// call but the last cleared by the network with `clearCause` (the dead node's line went).
    static func isdn(_ path: String, calls: [ISDNCall], called: String = "0300002222") throws -> String {
        let capture = try SyntheticCapture(path: path, signalling: .linuxLAPD)
        var t = 0.0
        var sent: [Bool: UInt8] = [true: 0, false: 0]
        func q931(fromNetwork: Bool, reference: UInt8, flag: Bool, type: UInt8, elements: [UInt8] = []) -> [UInt8] {
            defer { sent[fromNetwork] = (sent[fromNetwork, default: 0] &+ 1) & 0x7F }
            return Self.q931(fromNetwork: fromNetwork, reference: reference, flag: flag, type: type, elements: elements, sent: sent[fromNetwork, default: 0])
        }
        for (n, call) in calls.enumerated() {
            let ref = UInt8(n + 1)
            try capture.signalling(q931(fromNetwork: true, reference: ref, flag: false, type: 0x05,
                                        elements: [0x04, 0x02, 0x88, 0x90, 0x18, 0x01, 0x89] + number(0x6C, call.calling) + number(0x70, called)), at: t)
            try capture.signalling(q931(fromNetwork: false, reference: ref, flag: true, type: 0x07), at: t + 20)
            try capture.signalling(q931(fromNetwork: true, reference: ref, flag: false, type: 0x0F), at: t + 21)
            var line = SDLCTrace(capture, station: 0xC1)
            t = try line.contact(nodeID: call.nodeID, at: t + 30)
            t = try line.activate(lus: call.lus, at: t + 1)
            for lu in call.lus { t = try line.data(lu: lu, at: t + 5) }
            if n < calls.count - 1, let cause = call.clearCause {
                try capture.signalling(q931(fromNetwork: true, reference: ref, flag: false, type: 0x45, elements: Self.cause(cause)), at: t + 300)
                try capture.signalling(q931(fromNetwork: false, reference: ref, flag: true, type: 0x4D), at: t + 301)
                try capture.signalling(q931(fromNetwork: true, reference: ref, flag: false, type: 0x5A), at: t + 302)
            }
            t += 400
        }
        try capture.close()
        return path
    }

    struct DialupCall {
        var calling: String?
        var nodeID: UInt32
        var lus: [UInt8] = [2, 3]
    }

    /// Hayes, call-out from the node: the host's modem rings with caller id, the host answers
    /// with ATA, CONNECT, SDLC; NO CARRIER when the node's side drops the line.
    static func dialupHayes(_ path: String, calls: [DialupCall]) throws -> String {
        let capture = try SyntheticCapture(path: path, signalling: .user1)
        try capture.signalling(dte("ATZ\r"), at: 0)
        try capture.signalling(modem("ATZ\r\r\nOK\r\n"), at: 1)
        try capture.signalling(dte("AT+VCID=1\r"), at: 2)
        try capture.signalling(modem("AT+VCID=1\r\r\nOK\r\n"), at: 3)
        var t = 10.0
        for (n, call) in calls.enumerated() {
            try capture.signalling(modem("\r\nRING\r\n"), at: t)
            if let calling = call.calling {
                try capture.signalling(modem("\r\nDATE = 1202\r\n\r\nTIME = 1602\r\n\r\nNMBR = \(calling)\r\n"), at: t + 1)
            }
            try capture.signalling(dte("ATA\r"), at: t + 2)
            try capture.signalling(modem("ATA\r\r\nCONNECT 9600\r\n"), at: t + 30)
            var line = SDLCTrace(capture, station: 0xC1)
            t = try line.contact(nodeID: call.nodeID, at: t + 40)
            t = try line.activate(lus: call.lus, at: t + 1)
            for lu in call.lus { t = try line.data(lu: lu, at: t + 5) }
            if n < calls.count - 1 { try capture.signalling(modem("\r\nNO CARRIER\r\n"), at: t + 300) }
            t += 400
        }
        try capture.close()
        return path
    }
}
