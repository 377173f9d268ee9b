import Dialup
import NIOCore
import Testing

@Suite("Dialup: modem emulator (the exchange's DCE)")
struct ModemEmulatorTests {
    static let fast = ModemEmulator.Configuration(ringInterval: .milliseconds(100), escapeGuardTime: .milliseconds(50))

    @Test("echo after ATZ, OK; ATE0 turns echo off; several commands on one line")
    func echoAndCommands() {
        var modem = ModemEmulator(protocol: .hayes)
        #expect(modem.fromDTE(buffer("ATZ\r"), now: t0) == [.toDTE(buffer("ATZ\r\r\nOK\r\n"))])
        #expect(modem.fromDTE(buffer("ATE0V1&D2\r"), now: t0).toDTEText == "ATE0V1&D2\r\r\nOK\r\n")
        #expect(modem.fromDTE(buffer("ATS0=2 X4 L1 M0\r"), now: t0).toDTEText == "\r\nOK\r\n")
        #expect(modem.fromDTE(buffer("ATS0?\r"), now: t0).toDTEText == "\r\n002\r\n\r\nOK\r\n")
        #expect(modem.fromDTE(buffer("ATV0\r"), now: t0).toDTEText == "0\r")
        #expect(modem.fromDTE(buffer("ATQ\r"), now: t0).toDTEText == "0\r")
        #expect(modem.fromDTE(buffer("ATV1E1\r"), now: t0).toDTEText == "\r\nOK\r\n")
        #expect(modem.fromDTE(buffer("AT\r"), now: t0).toDTEText == "AT\r\r\nOK\r\n")
    }

    @Test("unknown commands, bad values and overlong lines answer ERROR; lines without AT are ignored")
    func errors() {
        var modem = ModemEmulator(protocol: .hayes)
        _ = modem.fromDTE(buffer("ATE0\r"), now: t0)
        #expect(modem.fromDTE(buffer("ATJ\r"), now: t0).toDTEText == "\r\nERROR\r\n")
        #expect(modem.fromDTE(buffer("ATE2\r"), now: t0).toDTEText == "\r\nERROR\r\n")
        #expect(modem.fromDTE(buffer("ATS0=999\r"), now: t0).toDTEText == "\r\nERROR\r\n")
        #expect(modem.fromDTE(buffer("AT+FOO=1\r"), now: t0).toDTEText == "\r\nERROR\r\n")
        #expect(modem.fromDTE(buffer("ATD\r"), now: t0).toDTEText == "\r\nERROR\r\n")
        #expect(modem.fromDTE(buffer("AT" + String(repeating: "E", count: 300) + "\r"), now: t0).toDTEText == "\r\nERROR\r\n")
        #expect(modem.fromDTE(buffer("hello\r\n"), now: t0) == [])
        #expect(modem.fromDTE(buffer("ATX\u{8}E0\r"), now: t0).toDTEText == "\r\nOK\r\n")
    }

    @Test("dial: ATDT gives .dial; CONNECT 9600 enters data mode; every failure result back to command mode", arguments: [
        (ModemResult.connect(speed: nil), "\r\nCONNECT 9600\r\n"), (.busy, "\r\nBUSY\r\n"), (.noAnswer, "\r\nNO ANSWER\r\n"),
        (.noDialtone, "\r\nNO DIALTONE\r\n"), (.noCarrier, "\r\nNO CARRIER\r\n"), (.error, "\r\nERROR\r\n"),
    ])
    func dial(result: ModemResult, text: String) {
        var modem = ModemEmulator(protocol: .hayes)
        _ = modem.fromDTE(buffer("ATZ\r"), now: t0)
        #expect(modem.fromDTE(buffer("ATE0\rATDT 0300-001111\r"), now: t0)
            == [.toDTE(buffer("ATE0\r\r\nOK\r\n")), .dial(number: "0300001111")])
        #expect(!modem.isIdle)
        #expect(modem.callProgress(result, now: t0).toDTEText == text)
        #expect(modem.isDataMode == (result == .connect(speed: nil)))
        #expect(modem.isIdle == !modem.isDataMode)
    }

    @Test("numeric results after ATV0")
    func numeric() {
        var modem = ModemEmulator(protocol: .hayes)
        _ = modem.fromDTE(buffer("ATE0V0\r"), now: t0)
        _ = modem.fromDTE(buffer("ATD0300001111\r"), now: t0)
        #expect(modem.callProgress(.busy, now: t0).toDTEText == "7\r")
    }

    @Test("any character while dialling aborts: hang up, NO CARRIER")
    func abortDial() {
        var modem = ModemEmulator(protocol: .hayes)
        _ = modem.fromDTE(buffer("ATE0\r"), now: t0)
        _ = modem.fromDTE(buffer("ATD0300001111\r"), now: t0)
        #expect(modem.fromDTE(buffer("x"), now: t0) == [.hangUp, .toDTE(buffer("\r\nNO CARRIER\r\n"))])
        #expect(modem.isIdle)
    }

    @Test("incoming call with caller id: RING, DATE, TIME, NMBR once; RING at the cadence; auto-answer after S0 rings")
    func incomingAutoAnswer() {
        var modem = ModemEmulator(protocol: .hayes, configuration: Self.fast)
        _ = modem.fromDTE(buffer("ATE0V1&D2\rAT+VCID=1\rATS0=2\r"), now: t0)
        let first = modem.incomingCall(from: "0312340001", now: t0)
        #expect(first == [.toDTE(buffer("\r\nRING\r\n\r\nDATE = 0101\r\n\r\nTIME = 0000\r\n\r\nNMBR = 0312340001\r\n")), .setTimer(t0 + .milliseconds(100))])
        #expect(modem.incomingCall(from: "0399999999", now: t0) == [])  // busy: the exchange sees !isIdle
        #expect(modem.tick(now: t0 + .milliseconds(99)) == [])
        #expect(modem.tick(now: t0 + .milliseconds(100)) == [.toDTE(buffer("\r\nRING\r\n")), .answer])
        #expect(modem.callProgress(.connect(speed: 14400), now: t0) == [.toDTE(buffer("\r\nCONNECT 14400\r\n"))])
        #expect(modem.isDataMode)
        #expect(modem.remoteHungUp(now: t0) == [.toDTE(buffer("\r\nNO CARRIER\r\n"))])
        #expect(modem.isIdle)
    }

    @Test("S0=0: RING repeats until ATA answers; without +VCID no caller id; ATA when not ringing is NO CARRIER")
    func manualAnswer() {
        var modem = ModemEmulator(protocol: .hayes, configuration: Self.fast)
        _ = modem.fromDTE(buffer("ATE0\r"), now: t0)
        #expect(modem.fromDTE(buffer("ATA\r"), now: t0).toDTEText == "\r\nNO CARRIER\r\n")
        #expect(modem.incomingCall(from: "0312340001", now: t0).toDTEText == "\r\nRING\r\n")
        for ring in Int64(1)...5 {
            #expect(modem.tick(now: t0 + .milliseconds(100 * ring)).toDTEText == "\r\nRING\r\n")
        }
        #expect(modem.rings == 6)
        #expect(modem.fromDTE(buffer("ATA\r"), now: t0 + .seconds(1)) == [.answer])
        #expect(modem.tick(now: t0 + .seconds(2)) == [])
        #expect(modem.callProgress(.noCarrier, now: t0).toDTEText == "\r\nNO CARRIER\r\n")
    }

    @Test("a caller giving up stops the ringing silently")
    func ringingStops() {
        var modem = ModemEmulator(protocol: .hayes, configuration: Self.fast)
        _ = modem.incomingCall(from: nil, now: t0)
        #expect(modem.remoteHungUp(now: t0) == [])
        #expect(modem.isIdle)
        #expect(modem.nextDeadline == nil)
    }

    @Test("+++ with guard times: OK, online command mode; ATO returns, ATH hangs up")
    func escape() {
        var modem = ModemEmulator(protocol: .hayes, configuration: Self.fast)
        _ = modem.fromDTE(buffer("ATE0\rATD0300001111\r"), now: t0)
        _ = modem.callProgress(.connect(speed: nil), now: t0)
        // No guard time before: ignored.
        #expect(modem.fromDTEInDataMode(buffer("+++"), now: t0 + .milliseconds(10)) == [])
        // Data right before: ignored; pluses inside data: ignored.
        #expect(modem.fromDTEInDataMode(buffer("ab+++"), now: t0 + .milliseconds(100)) == [])
        // Guard time, +++, guard time → OK.
        let armed = modem.fromDTEInDataMode(buffer("+++"), now: t0 + .milliseconds(200))
        #expect(armed == [.setTimer(t0 + .milliseconds(250))])
        #expect(modem.tick(now: t0 + .milliseconds(250)) == [.toDTE(buffer("\r\nOK\r\n"))])
        #expect(!modem.isDataMode)
        #expect(modem.isInCall)
        #expect(modem.fromDTE(buffer("ATO\r"), now: t0 + .seconds(1)) == [.toDTE(buffer("\r\nCONNECT 9600\r\n"))])
        #expect(modem.isDataMode)
        // Pluses split over chunks, then data within the guard time: cancelled.
        #expect(modem.fromDTEInDataMode(buffer("+"), now: t0 + .seconds(2)) == [])
        #expect(modem.fromDTEInDataMode(buffer("++"), now: t0 + .seconds(2) + .milliseconds(10)) == [.setTimer(t0 + .seconds(2) + .milliseconds(60))])
        #expect(modem.fromDTEInDataMode(buffer("x"), now: t0 + .seconds(2) + .milliseconds(20)) == [])
        #expect(modem.tick(now: t0 + .seconds(3)) == [])
        #expect(modem.isDataMode)
        // A successful escape, then ATH.
        _ = modem.fromDTEInDataMode(buffer("+++"), now: t0 + .seconds(4))
        _ = modem.tick(now: t0 + .seconds(5))
        #expect(modem.fromDTE(buffer("ATH\r"), now: t0 + .seconds(5)) == [.hangUp, .toDTE(buffer("\r\nOK\r\n"))])
        #expect(modem.isIdle)
    }

    @Test("DTR drop hangs up a call; ATZ in online command mode hangs up too")
    func dtrDrop() {
        var modem = ModemEmulator(protocol: .hayes)
        _ = modem.fromDTE(buffer("ATD0300001111\r"), now: t0)
        _ = modem.callProgress(.connect(speed: nil), now: t0)
        #expect(modem.dtrDropped(now: t0) == [.hangUp])
        #expect(modem.isIdle)
        #expect(modem.dtrDropped(now: t0) == [])
    }

    @Test("bytes left over from data mode (an SDLC frame after the call dropped) are discarded until AT starts a line: ATZ answers OK")
    func garbageBeforeAT() {
        var modem = ModemEmulator(protocol: .hayes)
        _ = modem.fromDTE(buffer("ATD0300001111\r"), now: t0)
        _ = modem.callProgress(.connect(speed: nil), now: t0)
        #expect(modem.remoteHungUp(now: t0).toDTEText == "\r\nNO CARRIER\r\n")
        // An HDLC-framed SDLC I-frame (contains 'A' 0x41 not followed by 'T', and a CR 0x0D), then ATZ.
        let frame: [UInt8] = [0x7E, 0xC1, 0x10, 0x41, 0x0D, 0x2D, 0x61, 0x00, 0x41, 0x41, 0x9F, 0x7E]
        #expect(modem.fromDTE(buffer(frame), now: t0) == [])
        #expect(modem.fromDTE(buffer("ATZ\r"), now: t0) == [.toDTE(buffer("ATZ\r\r\nOK\r\n"))])
        // The same in one segment, and "A" directly before "AT": the prefix starts at the last A.
        #expect(modem.fromDTE(buffer(frame + Array("AATZ\r".utf8)), now: t0).toDTEBytes == Array("ATZ\r\r\nOK\r\n".utf8))
        // More garbage than a command line may hold does not overflow into ERROR.
        let long = [UInt8](repeating: 0x55, count: 3 * ModemEmulator.maximumCommandLine)
        #expect(modem.fromDTE(buffer(long + Array("at\r".utf8)), now: t0).toDTEBytes == Array("at\r\r\nOK\r\n".utf8))
    }

    @Test("the remote hanging up forgets a half-typed command line")
    func hangUpClearsCommandLine() {
        var modem = ModemEmulator(protocol: .hayes)
        _ = modem.fromDTE(buffer("ATE0\r"), now: t0)
        _ = modem.fromDTE(buffer("ATD0300001111\r"), now: t0)
        _ = modem.callProgress(.connect(speed: nil), now: t0)
        #expect(modem.isDataMode)
        #expect(modem.remoteHungUp(now: t0).toDTEText == "\r\nNO CARRIER\r\n")
        #expect(modem.fromDTE(buffer("ATS0="), now: t0) == [])
        _ = modem.incomingCall(from: nil, now: t0)
        _ = modem.remoteHungUp(now: t0)
        #expect(modem.fromDTE(buffer("1\rATZ\r"), now: t0).toDTEText == "\r\nOK\r\n")
    }

    @Test("V.25bis: CRN → VAL + dial; CNX; CFI codes; INC, CIC, DIC; INV for nonsense")
    func v25bis() {
        var modem = ModemEmulator(protocol: .v25bis, configuration: Self.fast)
        #expect(modem.fromDTE(buffer(V25bisVectors.crn0300001111), now: t0) == [.toDTE(buffer(V25bisVectors.val)), .dial(number: "0300001111")])
        #expect(modem.callProgress(.busy, now: t0) == [.toDTE(buffer(V25bisVectors.cfiET))])
        _ = modem.fromDTE(buffer(V25bisVectors.crn0300001111), now: t0)
        #expect(modem.callProgress(.connect(speed: nil), now: t0) == [.toDTE(buffer(V25bisVectors.cnx))])
        #expect(modem.isDataMode)
        #expect(modem.remoteHungUp(now: t0) == [.toDTE(buffer(V25bisVectors.cfiAB))])
        #expect(modem.fromDTE(buffer(V25bisVectors.cic), now: t0) == [.toDTE(V25bisFrame.encoded("INV"))])
        #expect(modem.incomingCall(from: "0312340001", now: t0) == [.toDTE(buffer(V25bisVectors.inc0312340001)), .setTimer(t0 + .milliseconds(100))])
        #expect(modem.tick(now: t0 + .milliseconds(100)) == [.toDTE(buffer(V25bisVectors.inc0312340001)), .setTimer(t0 + .milliseconds(200))])
        #expect(modem.fromDTE(buffer(V25bisVectors.cic), now: t0) == [.toDTE(buffer(V25bisVectors.val)), .answer])
        #expect(modem.callProgress(.connect(speed: nil), now: t0) == [.toDTE(buffer(V25bisVectors.cnx))])
        _ = modem.dtrDropped(now: t0)
        _ = modem.incomingCall(from: nil, now: t0)
        #expect(modem.fromDTE(V25bisFrame.encoded("DIC"), now: t0) == [.toDTE(buffer(V25bisVectors.val)), .hangUp])
        #expect(modem.fromDTE(V25bisFrame.encoded("CRN"), now: t0) == [.toDTE(V25bisFrame.encoded("INV"))])
        #expect(modem.fromDTE(V25bisFrame.encoded("HELLO"), now: t0) == [.toDTE(V25bisFrame.encoded("INV"))])
    }
}
