import CNetMgrSerial
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SDLC

#if canImport(Glibc)
import Glibc
#endif

/// A Linux generic-HDLC network interface in raw mode (`hdlc:IFNAME`), through an AF_PACKET
/// socket bound to the interface: one frame per datagram each way. The card sends the flags
/// and the FCS and checks the FCS on receipt, so a datagram is address, control and
/// information, without FCS (unlike `tcp:` and `tty:`, where the HDLC framing is done in
/// software); each datagram received is parsed as an `SDLCFrame`.
///
/// On an interface whose hardware type is Ethernet (ARPHRD_ETHER — the veth pair the tests use
/// in place of a synchronous card) each frame goes in an Ethernet header: broadcast destination,
/// the interface's own MAC as source, type field 0x0019 (ETH_P_HDLC). The socket ignores its
/// own outgoing frames (PACKET_IGNORE_OUTGOING), and a frame is accepted only with type 0x0019
/// and addressed to broadcast or to this interface (PACKET_BROADCAST/HOST); everything else on
/// the interface is skipped. The socket is bound to every protocol (ETH_P_ALL), not to 0x0019:
/// a type below 0x0600 is an 802.3 length to the kernel, which files such frames as 802.2.
/// (For the same reason a real Ethernet NIC would pad frames under 46 bytes; the Ethernet form
/// is for veth test rigs, not for carrying SDLC across a LAN.) On any other type
/// (ARPHRD_RAWHDLC 518, ARPHRD_HDLC 513, ...) frames are sent and received raw.
///
/// The descriptor is handed to NIO with `NIOPipeBootstrap`: read and write on a packet socket
/// take whole datagrams; the receive buffer is fixed at 64 KiB so no frame is truncated, and the
/// sender flushes each frame on its own so no two frames are gathered into one datagram.
public struct PacketLineTransport: LineTransport {
    public let interface: String
    public let maximumFrameLength: Int
    let logger: Logger

    /// ETH_P_HDLC, the ethertype of frames on an Ethernet-type interface.
    public static let hdlcEthertype: UInt16 = 0x0019
    static let ethernetHeaderLength = 14
    static let receiveBufferSize = 65536

    public init(interface: String, maximumFrameLength: Int = HDLCFrameDecoder.defaultMaximumFrameLength, logger: Logger) {
        self.interface = interface
        self.maximumFrameLength = maximumFrameLength
        self.logger = logger
    }

    public var device: LineDevice { .hdlc(interface: interface) }

    public func open(on loop: any EventLoop, events: @escaping @Sendable (LineEvent) -> Void) -> EventLoopFuture<LineConnection> {
        let device = self.device
        let logger = self.logger
        let maximumFrameLength = self.maximumFrameLength
        var info = nm_packet_interface()
        let descriptor = nm_packet_open(interface, &info)
        guard descriptor >= 0 else {
            return loop.makeFailedFuture(LineOpenError(device: device, reason: String(cString: strerror(-descriptor))))
        }
        let ethernet: PacketFraming.Ethernet?
        if info.hardware_type == 1 {  // ARPHRD_ETHER
            let mac = withUnsafeBytes(of: info.address) { Array($0) }
            ethernet = PacketFraming.Ethernet(source: mac)
        } else {
            ethernet = nil
        }
        let counters = NIOLockedValueBox(LineCounters())
        return NIOPipeBootstrap(group: loop)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.receiveBufferSize))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(HDLCLineHandlers.ByteCounter(counters: counters))
                    try sync.addHandler(PacketFraming.Receiver(ethernet: ethernet, maximumFrameLength: maximumFrameLength))
                    try sync.addHandler(HDLCLineHandlers.frameReceiver(device: device, counters: counters, logger: logger, events: events))
                    try sync.addHandler(PacketFraming.Sender(ethernet: ethernet, counters: counters))
                }
            }
            .takingOwnershipOfDescriptor(inputOutput: descriptor)
            .map { LineConnection(device: device, channel: $0, counters: counters) }
            .flatMapErrorThrowing { error in throw LineOpenError(device: device, reason: "\(error)") }
    }
}

/// The datagram side of `PacketLineTransport`: one frame per datagram, with or without an
/// Ethernet header.
enum PacketFraming {
    struct Ethernet: Sendable {
        var source: [UInt8]
        static let broadcast: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]

        /// Whether a received header is ours to take: ETH_P_HDLC, to broadcast or to us.
        func accepts(destination: [UInt8], ethertype: UInt16) -> Bool {
            ethertype == PacketLineTransport.hdlcEthertype && (destination == Self.broadcast || destination == source)
        }
    }

    /// Datagram → `HDLCDecoderOutput`: the frame content (after the Ethernet header, if any),
    /// or a runt / too-long framing error. Datagrams for other ethertypes or hosts are skipped.
    final class Receiver: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = HDLCDecoderOutput
        let ethernet: Ethernet?
        let maximumFrameLength: Int
        /// Bytes of frame content seen so far, for the errors' stream offset.
        private var offset = 0

        init(ethernet: Ethernet?, maximumFrameLength: Int) {
            self.ethernet = ethernet
            self.maximumFrameLength = maximumFrameLength
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var datagram = unwrapInboundIn(data)
            if let ethernet {
                guard datagram.readableBytes >= PacketLineTransport.ethernetHeaderLength, let destination = datagram.readBytes(length: 6) else { return }
                datagram.moveReaderIndex(forwardBy: 6)  // source
                guard let ethertype = datagram.readInteger(as: UInt16.self), ethernet.accepts(destination: destination, ethertype: ethertype) else { return }
            }
            let length = datagram.readableBytes
            let start = offset
            offset = offset.addingReportingOverflow(length).partialValue
            let output: HDLCDecoderOutput
            if length < 2 {
                output = .error(HDLCFramingError(kind: .runt, streamOffset: start, length: length))
            } else if length > maximumFrameLength {
                output = .error(HDLCFramingError(kind: .tooLong(limit: maximumFrameLength), streamOffset: start, length: length))
            } else {
                output = .frame(datagram)
            }
            context.fireChannelRead(wrapInboundOut(output))
        }
    }

    /// `SDLCFrame` → one datagram, flushed on its own.
    final class Sender: ChannelOutboundHandler {
        typealias OutboundIn = SDLCFrame
        typealias OutboundOut = ByteBuffer
        let ethernet: Ethernet?
        let counters: NIOLockedValueBox<LineCounters>

        init(ethernet: Ethernet?, counters: NIOLockedValueBox<LineCounters>) {
            self.ethernet = ethernet
            self.counters = counters
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            let frame = unwrapOutboundIn(data)
            var out = context.channel.allocator.buffer(capacity: frame.information.readableBytes + 2 + PacketLineTransport.ethernetHeaderLength)
            if let ethernet {
                out.writeBytes(Ethernet.broadcast)
                out.writeBytes(ethernet.source)
                out.writeInteger(PacketLineTransport.hdlcEthertype)
            }
            frame.write(into: &out)
            counters.withLockedValue { $0.framesSent += 1 }
            context.write(wrapOutboundOut(out), promise: promise)
            // A packet socket's writev would send gathered buffers as ONE datagram.
            context.flush()
        }
    }
}
