/// # Dialup: the modem dialogue on a switched (public telephone network) line
///
/// Value-type machines fed bytes and time (NIOCore only, plus the SDLC module's HDLC framing):
/// - `ModemDialer`: the DTE side (netmgrd, the host simulator) that drives a modem with Hayes AT
///   commands or V.25bis frames until the call is up (`.connected`) or failed (`.failed`).
/// - `ModemEmulator`: the DCE side (the modem at the exchange simulator).
/// - `CarrierLossScanner`: finds the modem's in-band "the call is gone" signal in a data-mode stream.
/// - `RedialPolicy`: redial limit and doubling, capped back-off.
///
/// ## Hayes dialogue (DTE → modem, modem → DTE)
/// Call-out: `ATZ\r` → `OK`, `ATE0V1&D2\r` (echo off, verbose results, DTR drop hangs up) → `OK`,
/// `ATDT<number>\r` → `CONNECT [speed]` (data mode) or `BUSY`/`NO ANSWER`/`NO CARRIER`/
/// `NO DIALTONE`/`ERROR`. Call-in: `ATZ\r`, `ATE0V1&D2\r`, `AT+VCID=1\r` (an `ERROR` to it is
/// tolerated: a modem without caller id), `ATS0=<n>\r` → `OK`, then `RING` (+ `DATE =`, `TIME =`,
/// `NMBR =` after the first), `CONNECT`. With n = 0 the dialer answers the first RING with `ATA\r`.
/// Results are accepted verbose (`\r\nOK\r\n`) and numeric (`0\r`); echoed `AT…` lines and
/// `DATE`/`TIME` lines are ignored.
///
/// ## V.25bis dialogue (each message one HDLC frame: 0x7E, 0xFF, 0x13, IA5 text, CRC-16/X.25, 0x7E)
/// Call-out: DTE `CRN<digits>` → DCE `VAL` (command valid), then `CNX` (call connecting: the
/// circuit is in data mode from the frame after it) or `CFI<xx>` (call failure, V.25bis codes:
/// `ET` engaged tone, `NT` answer tone not detected, `RT` ring tone/no answer, `NS` number not
/// stored, `AB` call aborted, `CB` local DCE busy, `FC` forbidden call; which one the simulated
/// modem sends for which failure is `ModemResult.v25bisCallFailureCode`). `INV` answers an invalid command.
/// Call-in: DCE `INC[<calling digits>]` (repeated per ring), DTE `CIC` → `VAL`, `CNX`; `DIC`
/// disregards the call (`VAL`). `CNX` is the "call connecting" indication of V.25bis modems
/// (Paradyne, USR); on a real tty circuit 109 (DCD) is the true data-mode signal. In the simulated
/// world (TCP, no DCD) the modem reports a call cleared in data mode with a `CFIAB` frame, and
/// the digits after `INC` carry the calling number (a simulation extension; real modems send `INC`).
public enum DialProtocol: String, Sendable, CaseIterable {
    case hayes
    case v25bis
}

/// Whether the DTE places the call (dials) or answers the other party's call.
public enum DialDirection: String, Sendable, CaseIterable {
    case callOut = "out"
    case callIn = "in"
}
