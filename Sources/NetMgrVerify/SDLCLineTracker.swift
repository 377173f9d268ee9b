import PacketCapture
import SDLC

/// Follows the stations on a LINKTYPE_SDLC capture (address, control, PIU; no direction
/// is recorded, so commands and responses are told apart by their codes and by DAF'/OAF'):
/// XID node ids, SNRM/UA link establishment, link loss (DISC, DM, re-contact, silence),
/// ACTPU, ACTLU and BIND per LU local address, and LU-LU data times.
struct SDLCLineTracker {
    /// No frame at all for a station for this long ends its link (nil: never).
    let silence: Duration?
    private var stations: [SDLCStationState] = []
    private(set) var links: [SDLCLinkFacts] = []
    private var nextIndex = 1
    private(set) var frames = 0
    /// Records shorter than address + control.
    private(set) var shortFrames = 0

    /// For progress: stations that had a link so far.
    var terminalsSeen: Int { Set(links.map(\.stationAddress) + stations.filter { $0.link != nil }.map { Int($0.address) }).count }

    init(silence: Duration?) {
        self.silence = silence
    }

    mutating func frame(_ bytes: UnsafeRawBufferPointer, at time: CaptureTime) {
        frames += 1
        guard bytes.count >= 2 else {
            shortFrames += 1
            return
        }
        let address = bytes[0]
        let i: Int
        if let found = stations.firstIndex(where: { $0.address == address }) {
            i = found
        } else {
            stations.append(SDLCStationState(address: address, at: time))
            i = stations.count - 1
        }
        if let silence, stations[i].link != nil, time - stations[i].lastFrame > silence {
            finish(i, at: stations[i].lastFrame, reason: .silence)
        }
        stations[i].lastFrame = time
        let information = UnsafeRawBufferPointer(rebasing: bytes[2...])

        switch SDLCControl(byte: bytes[1]) {
        case .unnumbered(let function, _):
            unnumbered(function, information, station: i, at: time)
        case .information:
            if stations[i].link == nil { open(i, established: nil) }  // up before the capture began
            stations[i].link!.informationFrames += 1
            piu(information, station: i, at: time)
        case .supervisory:
            break
        }
        stations[i].link?.frames += 1
    }

    mutating func finish(at time: CaptureTime) {
        for i in stations.indices where stations[i].link != nil {
            if let silence, time - stations[i].lastFrame > silence {
                finish(i, at: stations[i].lastFrame, reason: .silence)
            } else {
                finish(i, at: time, reason: .captureEnd)
            }
        }
        links.sort { $0.index < $1.index }
    }

    // MARK: Link level

    private mutating func unnumbered(_ function: SDLCUnnumberedFunction, _ information: UnsafeRawBufferPointer, station i: Int, at time: CaptureTime) {
        switch function {
        case .xid:
            if let link = stations[i].link {
                if link.informationFrames == 0 && link.nodeID == nil {
                    // XID exchanged in NRM before any PIU: still this link's identification.
                    stations[i].noteXID(information)
                    stations[i].link!.nodeID = stations[i].nodeID.map(SDLCStationState.nodeIDText)
                    stations[i].nodeID = nil
                    return
                }
                finish(i, at: time, reason: .recontacted)
            }
            if stations[i].contactStarted == nil { stations[i].contactStarted = time }
            stations[i].noteXID(information)
        case .snrm:
            if stations[i].link != nil { finish(i, at: time, reason: .recontacted) }
            if stations[i].contactStarted == nil { stations[i].contactStarted = time }
            stations[i].pending = .setMode
        case .ua:
            switch stations[i].pending {
            case .setMode: open(i, established: time)
            case .disconnect: finish(i, at: time, reason: .disconnected)
            case .none: break
            }
            stations[i].pending = .none
        case .disc:
            // DISC as a command; the same code is RD as a response, which also ends it.
            if stations[i].pending == .disconnect {
                finish(i, at: time, reason: .disconnected)
                stations[i].pending = .none
            } else {
                stations[i].pending = .disconnect
            }
        case .dm:
            if stations[i].link != nil { finish(i, at: time, reason: .disconnectedMode) }
            stations[i].pending = .none
        case .frmr:
            stations[i].link?.frameRejects += 1
        default:
            break
        }
    }

    private mutating func open(_ i: Int, established: CaptureTime?) {
        stations[i].open(at: established, index: nextIndex)
        nextIndex += 1
    }

    private mutating func finish(_ i: Int, at time: CaptureTime, reason: LinkEnd) {
        guard var facts = stations[i].close(at: time, reason: reason) else { return }
        facts.lus.sort { $0.address < $1.address }
        links.append(facts)
    }

    // MARK: PIUs

    /// The PIU facts are the same on every carrier: SNASessionObserver reads them.
    private mutating func piu(_ information: UnsafeRawBufferPointer, station i: Int, at time: CaptureTime) {
        stations[i].session.piu(information, at: ReportTime(time))
    }
}
