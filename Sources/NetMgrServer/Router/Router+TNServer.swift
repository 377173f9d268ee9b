import NIOCore
import NetMgrCore

/// Issue 15 part 3: the router knows the TN server's keep-lu. An LU that an emulator of this
/// node's TN server holds, or that is kept for the address of the emulator that last held it
/// (for `keep-lu` seconds), is refused to a NetMgrClient application with lu-in-use, so the
/// returning emulator gets its LU back. The answer says nothing about the other client; the
/// log says whom it is kept for.
extension Router {
    /// Why `connection` (not the TN server's own) may not OPEN `lu` now, as the client reads it; nil when it may.
    func keptByTNServer(_ lu: String, of resource: String, for connection: ClientConnection) -> String? {
        guard connection.identity != .tnServer, let tnServer else { return nil }
        let why: String
        if let holder = tnServer.assigner.held[lu] {
            why = "held by the emulator at \(holder)"
        } else if let kept = tnServer.assigner.reserved[lu], kept.until > loop.now {
            let seconds = max(0, (kept.until - loop.now).nanoseconds / 1_000_000_000)
            why = "kept for the emulator at \(kept.client) for \(seconds) s more (cluster.tn-server.keep-lu)"
        } else {
            return nil
        }
        logger.info("LU \(lu) of \(resource): OPEN by \(describe(connection)) refused: \(why)")
        return "LU \(lu) is held by another client session"
    }
}
