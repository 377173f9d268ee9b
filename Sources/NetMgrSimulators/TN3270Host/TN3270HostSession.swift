import NIOCore
import TN3270

/// What the host knows about one connection, for the journal and the logs.
struct TN3270HostSession {
    var client: String
    var port: Int
    /// Set once the LU is bound.
    var binding: TN3270Binding?
    /// The pool chose the LU (the client named none).
    var generic = false
    /// Records received since the bind: the sequence of basic TN3270 messages and the
    /// count `rejectEvery` goes by.
    var recordsReceived = 0
    /// Records the host sent since the bind: the sequence of basic TN3270 `sent` entries.
    var recordsSent = 0
    var printLines = 0
    /// The host sent a Read Partition Query and takes the next inbound record as its reply.
    var awaitingQueryReply = false
    /// The host painted a rejection screen and closes soon; input is ignored.
    var refused = false
    /// The LU asked for is busy: negotiate anyway, then refuse at screen level and close this
    /// long after (`heldScreenRejectAfter`).
    var heldRefusalAfter: TimeAmount?

    var lu: String? { binding?.luName }

    var dialectName: String? {
        binding.map { $0.dialect == .tn3270e ? "tn3270e" : "tn3270" }
    }
}
