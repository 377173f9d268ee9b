import Dialup
import NIOCore

/// Seeds for HayesResponses and V25bis: the dialogues the emulator answers, as the tests use them.
enum DialupSeeds {
    static var all: [(target: String, name: String, bytes: [UInt8])] {
        let hayesOut = "ATZ\r\r\nOK\r\nATE0V1&D2\r\r\nOK\r\n\r\nCONNECT 9600\r\n\u{7E}\u{C1}\u{BF}\u{7E}\r\nNO CARRIER\r\n"
        let hayesIn = "\r\nOK\r\n\r\nOK\r\n\r\nOK\r\n0\r\r\nRING\r\n\r\nDATE = 1202\r\n\r\nTIME = 1633\r\n\r\nNMBR = 0312340001\r\n\r\nCONNECT\r\n"
        let commands = "ATZ\rATE0V1&D2\rAT+VCID=1\rATS0=2\rATS0?\rATDT0300001111\rATA\r+++ATH\rATO\r"
        var v25bisOut = ByteBuffer(), v25bisIn = ByteBuffer()
        for text in ["CRN0300001111", "VAL", "CFIET", "VAL", "CNX", "INV", "CFIAB"] { V25bisFrame.encode(text, into: &v25bisOut) }
        for text in ["INC0312340001", "CIC", "VAL", "DIC", "CNX"] { V25bisFrame.encode(text, into: &v25bisIn) }
        return [
            ("HayesResponses", "call-out", [0xFF, 0x00] + Array(hayesOut.utf8)),
            ("HayesResponses", "call-in-split", [0x02, 0x09] + Array(hayesIn.utf8)),
            ("HayesResponses", "commands", [0x05, 0x00] + Array(commands.utf8)),
            ("V25bis", "call-out", [0xFF, 0x00] + Array(v25bisOut.readableBytesView)),
            ("V25bis", "call-in-split", [0x03, 0x01] + Array(v25bisIn.readableBytesView)),
        ]
    }
}
