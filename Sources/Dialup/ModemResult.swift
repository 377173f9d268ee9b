/// A result code or indication from a modem (Hayes verbose or numeric, or V.25bis).
public enum ModemResult: Hashable, Sendable {
    case ok
    /// Hayes `CONNECT [speed]` (numeric 1), or V.25bis `CNX` (speed nil).
    case connect(speed: Int?)
    case ring
    case noCarrier
    case error
    case noDialtone
    case busy
    case noAnswer
    /// Hayes caller id `NMBR = <digits>`.
    case callerNumber(String)
    /// V.25bis `VAL`.
    case v25bisValid
    /// V.25bis `INV` (with or without a reason suffix such as `INVCU`).
    case v25bisInvalid
    /// V.25bis `CFI<code>`: the two-letter code (`ET`, `NT`, `NS`, `AB`, …).
    case v25bisCallFailure(String)
    /// V.25bis `INC`.
    case v25bisIncoming
}
