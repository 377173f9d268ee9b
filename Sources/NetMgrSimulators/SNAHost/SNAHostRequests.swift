import NIOCore
import SDLC

/// RUs the simulated SSCP and PLU send. Plausible images of a VTAM host's; the PU checks
/// only request codes.
public enum SNAHostRequests {
    /// ACTPU: format 0 / cold activation, FM profile 0 / TS profile 1, 6-byte SSCP id.
    public static let activatePhysicalUnit: [UInt8] = [0x11, 0x01, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x01]
    /// ACTLU: cold activation, FM profile 0 / TS profile 1.
    public static let activateLogicalUnit: [UInt8] = [0x0D, 0x01, 0x01]
    /// BIND for an LU type 2 (3270 display) session: non-negotiable, FM profile 3,
    /// TS profile 3, primary/secondary FM usage, common protocols, no pacing, 1024-byte RUs,
    /// PS profile LU type 2.
    public static let bindLogicalUnitType2: [UInt8] = [
        0x31, 0x01, 0x03, 0x03, 0xB1, 0x90, 0x30, 0x80, 0x00, 0x00, 0x87, 0x87, 0x00, 0x00, 0x02,
    ]
    public static let startDataTraffic: [UInt8] = [0xA0]
    /// UNBIND, type 1: normal end of session.
    public static let unbind: [UInt8] = [0x32, 0x01]
    public static let deactivateLogicalUnit: [UInt8] = [0x0E, 0x01]
    public static let deactivatePhysicalUnit: [UInt8] = [0x12, 0x01]
}
