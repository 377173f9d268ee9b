import NIOCore

extension Router {
    /// The host bound an SNA LU: keep its BIND RU for the TN server, which shows it to an
    /// emulator that agreed BIND-IMAGE (and to the next one, while the session lasts).
    func attachment(_ attachment: HostAttachment, lu name: String, bind: ByteBuffer) {
        guard let runtime = resources[attachment.resourceName], runtime.attachment === attachment, let lu = runtime.lus[name] else { return }
        lu.bindImage = bind
    }
}
