import NIOCore
import NetMgrCore
import TN3270

/// Printer LUs of the TN server (issue 15 part 3): pr3287 by name, generic, or by ASSOCIATE
/// with a display LU (the choice is `TNLUAssigner`'s). Host records for a printer keep the
/// TN3270E data type the host gave them (SCS-DATA or 3270-DATA), so pr3287 formats them right.
extension TNServer {
    /// The printer LUs of the definitions (the assigner checks a request's device type against them).
    static func printerLUs(in definitions: Definitions) -> Set<String> {
        Set(definitions.lus.filter { $0.kind == .printer }.map(\.name))
    }

    func isPrinter(_ lu: String) -> Bool { assigner.printerLUs.contains(lu) }

    /// The data type of the host record `lu` is delivering now: the host side's record type for a
    /// printer on a TN3270 resource (SCS-DATA or 3270-DATA), 3270-DATA otherwise.
    func hostDataType(of lu: String) -> TN3270EDataType {
        guard isPrinter(lu), let place = place(of: lu), let attachment = place.runtime.attachment as? TN3270Attachment else { return .data3270 }
        switch attachment.hostDataType(of: lu) {
        case .scsData?: return .scsData
        default: return .data3270
        }
    }
}
