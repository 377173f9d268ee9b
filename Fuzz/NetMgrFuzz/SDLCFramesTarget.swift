import NIOCore
import SDLC

/// SDLC frames as the line carries them (no flags, no FCS; each preceded by a length
/// byte) through the frame, FRMR, XID and SNA TH/RH/RU parsers, and into a secondary station
/// (netmgrd's side), a primary station (the host simulator's) and a PU 2.
enum SDLCFramesTarget {
    static let address: UInt8 = 0xC1

    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        var secondary = SDLCSecondaryStation(configuration: .init(address: address, nodeID: XIDNodeID(rawValue: 0x05D0_0001)))
        var primary = SDLCPrimaryStation(configuration: .init(address: address))
        var physicalUnit = PU2StateMachine(configuration: .init(localAddresses: [2, 3]))
        var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        _ = primary.start(now: now)
        while !input.isAtEnd {
            let length = Int(input.byte())
            let bytes = input.piece(length)
            now = now + .milliseconds(Int64(length))
            guard let frame = try? SDLCFrame(parsing: bytes) else { continue }
            parseInformation(of: frame)
            for action in secondary.receive(frame, now: now) {
                if case .deliver(let piu) = action {
                    for reply in physicalUnit.receive(piu) { _ = reply }
                }
            }
            _ = secondary.answerPoll()
            _ = secondary.tick(now: now)
            _ = primary.receive(frame, now: now)
            _ = primary.tick(now: now)
            _ = try? physicalUnit.send(ByteBuffer(bytes: [0xF5, 0xC3]), lu: 2)
        }
        _ = secondary.disconnect()
        _ = primary.disconnect(now: now)
        _ = physicalUnit.reset()
    }

    /// Every parser that may look at a frame's information field.
    static func parseInformation(of frame: SDLCFrame) {
        _ = frame.description
        check(frame.bytes == SDLCFrame(address: frame.address, control: SDLCControl(byte: frame.control.byte), information: frame.information).bytes,
              "\(frame): control byte does not survive parse/encode")
        let information = frame.information
        guard information.readableBytes > 0 else { return }
        _ = try? SDLCFrameReject(parsing: information)
        _ = try? SNAXID(parsing: information)
        if let piu = try? SNAPathInformationUnit(parsing: information) {
            _ = piu.description
            _ = piu.senseCode
            _ = piu.requestCode
            _ = piu.payload
            // Semantic, not byte, equality: TH byte 1 is reserved and written as 0.
            check((try? SNAPathInformationUnit(parsing: piu.bytes)) == piu, "\(piu) does not survive encode/parse")
            if !piu.isResponse { _ = piu.response(sense: .resourceNotAvailable) }
        }
    }
}
