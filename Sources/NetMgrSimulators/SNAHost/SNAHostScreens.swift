import NIOCore
import TN3270

/// The screen the simulated SNA host's LU 2 application writes (`writesScreens`): an
/// Erase/Write with keyboard restore, in SNA command codes, with the LU's local address on
/// row 1 and an input field on row 3, like a VTAM application's first panel.
enum SNAHostScreens {
    static func lu2Screen(lu: UInt8) -> ByteBuffer {
        TN3270HostScreens.panel(title: "NETMGR HOST SIMULATOR  SNA LU 2  LOCAL ADDRESS \(lu)")
    }
}
