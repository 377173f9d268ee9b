import Dialup

// The line attachments' one-line hooks for netmgr_host_connects_total, …_rejects_total and
// …_retries_total (issue 18): what each line procedure counts is in docs/METRICS.md.
extension HostAttachment {
    /// The host side connected (a link set up, a call connected).
    func countConnect() { delegate?.attachment(self, counted: HostEventCounts(connects: 1)) }
    /// The host refused (a call cleared or a block refused before it was taken, a link it ended unused).
    func countReject() { delegate?.attachment(self, counted: HostEventCounts(rejects: 1)) }
    /// A new attempt after a failure was scheduled (a line reopened, a call placed again).
    func countRetry() { delegate?.attachment(self, counted: HostEventCounts(retries: 1)) }
}

extension ModemResult {
    /// The modem's word that the call to (or from) the host did not happen: BUSY, NO ANSWER,
    /// NO CARRIER, NO DIALTONE, or V.25bis CFI (call failure). ERROR and INV are the modem
    /// refusing a command, not the host refusing a call.
    var isCallRefusal: Bool {
        switch self {
        case .busy, .noAnswer, .noCarrier, .noDialtone, .v25bisCallFailure: return true
        case .ok, .connect, .ring, .error, .callerNumber, .v25bisValid, .v25bisInvalid, .v25bisIncoming: return false
        }
    }
}
