import Logging
import NIOCore
import PacketCapture

// Placeholder until the proof branch's PcapNGWriter lands.
final class ExchangeCaptureRecorder {
    init(configuration: ExchangeCaptureConfiguration, logger: Logger) throws(CaptureError) {}
    func dialogue(line: String, bytes: ByteBuffer, fromDTE: Bool) {}
    func dataMode(line: String, bytes: ByteBuffer, fromDTE: Bool) {}
    func dChannel(line: String, frame: ByteBuffer, fromNetwork: Bool) {}
    func bChannel(line: String, frame: ByteBuffer) {}
    func close() {}
}
