import Dialup
import NIOCore
import Testing

@Suite("Dialup: Hayes line assembler and result parser")
struct HayesParsingTests {
    @Test("lines end at CR, LF or CRLF; empty lines are skipped; a partial line waits for its end")
    func lineEnds() {
        var assembler = HayesLineAssembler()
        #expect(assembler.lines(in: buffer("\r\nOK\r\n\r\nRING\rBUSY\nNO ")) == ["OK", "RING", "BUSY"])
        #expect(assembler.lines(in: buffer("CARR")) == [])
        #expect(assembler.lines(in: buffer("IER\r\n")) == ["NO CARRIER"])
    }

    @Test("an overlong line is dropped whole and counted; the next line is read")
    func overlong() {
        var assembler = HayesLineAssembler(maximumLineLength: 8)
        #expect(assembler.lines(in: buffer("123456789")) == [])
        #expect(assembler.lines(in: buffer("ABCDEFGHIJ\r\nOK\r\n")) == ["OK"])
        #expect(assembler.droppedLines == 1)
        #expect(assembler.lines(in: buffer("12345678\r")) == ["12345678"])
        #expect(assembler.droppedLines == 1)
    }

    @Test("nextLine leaves the bytes after a line (and its LF) in the buffer")
    func leavesRest() {
        var assembler = HayesLineAssembler()
        var input = buffer("CONNECT 9600\r\n\u{7E}\u{01}")
        #expect(assembler.nextLine(from: &input) == "CONNECT 9600")
        #expect(bytes(input) == [0x7E, 0x01])
    }

    @Test("every result code, verbose and numeric", arguments: [
        ("OK", "0", ModemResult.ok), ("CONNECT", "1", .connect(speed: nil)), ("RING", "2", .ring),
        ("NO CARRIER", "3", .noCarrier), ("ERROR", "4", .error), ("NO DIALTONE", "6", .noDialtone),
        ("BUSY", "7", .busy), ("NO ANSWER", "8", .noAnswer),
    ])
    func results(verbose: String, numeric: String, result: ModemResult) {
        #expect(ModemResult.hayesLine(verbose) == .result(result))
        #expect(ModemResult.hayesLine(numeric) == .result(result))
        #expect(ModemResult.hayesLine(verbose.lowercased()) == .result(result))
        #expect(result.hayesVerbose == verbose)
        #expect(result.hayesNumeric.map(String.init) == numeric)
    }

    @Test("CONNECT with a speed, caller id, echo and date/time lines")
    func otherLines() {
        #expect(ModemResult.hayesLine("CONNECT 9600") == .result(.connect(speed: 9600)))
        #expect(ModemResult.hayesLine("CONNECT 14400/ARQ") == .result(.connect(speed: 14400)))
        #expect(ModemResult.hayesLine("CONNECT 99999999999999999999") == .result(.connect(speed: nil)))
        #expect(ModemResult.hayesLine("NMBR = 0312340001") == .result(.callerNumber("0312340001")))
        #expect(ModemResult.hayesLine("NMBR=0300001111") == .result(.callerNumber("0300001111")))
        #expect(ModemResult.hayesLine("ATDT0300001111") == .echo)
        #expect(ModemResult.hayesLine("atz") == .echo)
        #expect(ModemResult.hayesLine("DATE = 1202") == .ignored)
        #expect(ModemResult.hayesLine("TIME = 1633") == .ignored)
        #expect(ModemResult.hayesLine("5") == .ignored)
        #expect(ModemResult.hayesLine("NO DIAL TONE") == .result(.noDialtone))
    }

    @Test("log names carry the modem's own code")
    func logNames() {
        #expect(ModemResult.busy.logName == "BUSY (7)")
        #expect(ModemResult.v25bisCallFailure("ET").logName == "CFIET (engaged tone, busy)")
        #expect(ModemResult.v25bisCallFailure("ET").hayesEquivalent == .busy)
        #expect(ModemResult.v25bisCallFailure("NT").hayesEquivalent == .noAnswer)
        #expect(ModemResult.v25bisCallFailure("NS").hayesEquivalent == .noDialtone)
        #expect(ModemResult.v25bisCallFailure("AB").hayesEquivalent == .noCarrier)
    }
}

@Suite("Dialup: carrier loss scanner")
struct CarrierLossScannerTests {
    @Test("finds NO CARRIER in one chunk and across every split point")
    func acrossChunks() {
        let stream = Array("\u{7E}\u{C1}\u{93}xx\r\nNO CARRIER\r\n".utf8)
        for split in 0...stream.count {
            var scanner = CarrierLossScanner()
            let first = scanner.scan(buffer(Array(stream[..<split])))
            let second = scanner.scan(buffer(Array(stream[split...])))
            #expect(first != second, "split at \(split)")
            #expect(first == (split == stream.count))
        }
        var bytewise = CarrierLossScanner()
        let hits = stream.map { bytewise.scan(buffer([$0])) }
        #expect(hits.filter { $0 }.count == 1)
        #expect(hits.last == true)
    }

    @Test("a near miss and repeated prefixes do not match; a later full pattern does")
    func nearMiss() {
        var scanner = CarrierLossScanner()
        let nearMiss = scanner.scan(buffer("\r\nNO CARRIE\r\n\r\n\r\nNO CARRIER"))
        let completed = scanner.scan(buffer("\r\n"))
        let afterwards = scanner.scan(buffer("xNO CARRIER\r\n"))
        #expect(!nearMiss)
        #expect(completed)
        #expect(!afterwards)
    }

    @Test("V.25bis: the framed CFIAB the simulated modem sends")
    func v25bis() {
        var scanner = CarrierLossScanner(protocol: .v25bis)
        #expect(scanner.pattern == V25bisVectors.cfiAB)
        let partial = scanner.scan(buffer(Array(V25bisVectors.cfiAB.dropLast())))
        let closed = scanner.scan(buffer([0x7E]))
        #expect(!partial)
        #expect(closed)
    }
}
