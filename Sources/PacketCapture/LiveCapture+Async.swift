import Foundation

extension LiveCapture {
    /// Opens the capture on a thread of its own and returns once it is active (so traffic
    /// sent afterwards is captured), or throws what opening it threw. Packets go to
    /// `path` (a pcap file, through `CaptureWriter`) and/or `onPacket` on that thread.
    public static func start(
        _ configuration: Configuration, writeTo path: String? = nil, writerOptions: CaptureWriter.Options = .init(),
        onPacket: (@Sendable (CapturedPacket) -> Void)? = nil
    ) async throws(CaptureError) -> RunningLiveCapture {
        let stopHandle = LiveCaptureStopHandle()
        let opened = OneShot<Result<LinkType, CaptureError>>()
        let finished = OneShot<Result<Statistics, CaptureError>>()
        let thread = Thread {
            let capture: LiveCapture
            let writer: CaptureWriter?
            do throws(CaptureError) {
                capture = try LiveCapture(configuration, stopHandle: stopHandle)
                if let path {
                    writer = try CaptureWriter(
                        path: path, linkType: capture.linkType, snapshotLength: configuration.snapshotLength, options: writerOptions)
                } else {
                    writer = nil
                }
            } catch {
                opened.resolve(.failure(error))
                finished.resolve(.failure(error))
                return
            }
            opened.resolve(.success(capture.linkType))
            do throws(CaptureError) {
                let stats = try capture.run(writer: writer) { packet in onPacket?(packet) }
                try writer?.close()
                finished.resolve(.success(stats))
            } catch {
                try? writer?.close()
                finished.resolve(.failure(error))
            }
        }
        thread.name = "netmgr-capture-\(configuration.interface)"
        thread.start()
        let linkType = try await opened.value.get()
        return RunningLiveCapture(linkType: linkType, stopHandle: stopHandle, finished: finished)
    }
}

/// A live capture running on its own thread. `stop()` from anywhere (a signal handler
/// task on SIGINT/SIGTERM, a test); `statistics()` waits for the end.
public final class RunningLiveCapture: Sendable {
    public let linkType: LinkType
    public let stopHandle: LiveCaptureStopHandle
    private let finished: OneShot<Result<LiveCapture.Statistics, CaptureError>>

    init(linkType: LinkType, stopHandle: LiveCaptureStopHandle, finished: OneShot<Result<LiveCapture.Statistics, CaptureError>>) {
        self.linkType = linkType
        self.stopHandle = stopHandle
        self.finished = finished
    }

    public func stop() { stopHandle.stop() }

    /// Waits for the capture to end (stop, packet limit or duration); cancelling the
    /// waiting task stops the capture.
    public func statistics() async throws(CaptureError) -> LiveCapture.Statistics {
        let result = await withTaskCancellationHandler {
            await finished.value
        } onCancel: {
            stopHandle.stop()
        }
        return try result.get()
    }
}
