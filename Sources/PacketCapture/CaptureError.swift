#if canImport(Glibc)
import Glibc
#endif

/// Everything a user can get wrong with captures: bad files, permissions, filters,
/// interfaces. Each case names the file or interface and, where it applies, the packet
/// (1-based record number, as Wireshark numbers frames) and byte offset.
public enum CaptureError: Error, Equatable, Sendable, CustomStringConvertible {
    // Reading.
    case fileNotFound(path: String)
    case permissionDenied(path: String)
    case notARegularFile(path: String)
    case cannotOpen(path: String, reason: String)
    case emptyFile(path: String)
    /// Not pcap or pcapng (a text file, a gzip, garbage). `detail` is libpcap's word.
    case notACapture(path: String, detail: String)
    /// The file ends inside the file header or the first pcapng blocks.
    case truncatedFileHeader(path: String, detail: String)
    /// The file ends inside packet record `packetNumber`.
    case truncatedFile(path: String, packetNumber: Int, byteOffset: Int64?, fileSize: Int64?, detail: String)
    /// Record `packetNumber` has an impossible length (caplen > snaplen, caplen > len...).
    case corruptRecord(path: String, packetNumber: Int, byteOffset: Int64?, detail: String)
    case unsupportedLinkType(path: String, linkType: LinkType)
    /// A pcapng whose interfaces have different link types (libpcap reads one only).
    case mixedLinkTypes(path: String, packetNumber: Int, first: LinkType, other: LinkType)
    case readFailed(path: String, packetNumber: Int, byteOffset: Int64?, detail: String)

    // Writing.
    case cannotCreate(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case writerClosed(path: String)

    // Live capture.
    case noSuchInterface(interface: String, detail: String)
    case capturePermissionDenied(interface: String, detail: String)
    case interfaceNotUp(interface: String)
    case badFilter(filter: String, interface: String, detail: String)
    case activationFailed(interface: String, detail: String)
    case captureFailed(interface: String, detail: String)

    public var description: String {
        switch self {
        case .fileNotFound(let p): return "\(p): no such file"
        case .permissionDenied(let p): return "\(p): permission denied (cannot read the capture file)"
        case .notARegularFile(let p): return "\(p): not a regular file (a directory or device?)"
        case .cannotOpen(let p, let r): return "\(p): cannot open: \(r)"
        case .emptyFile(let p): return "\(p): empty file (0 bytes), not a capture"
        case .notACapture(let p, let d): return "\(p): not a pcap or pcapng capture file (\(d))"
        case .truncatedFileHeader(let p, let d): return "\(p): capture file header is truncated (\(d))"
        case .truncatedFile(let p, let n, let off, let size, let d):
            return "\(p): file is truncated inside packet \(n)\(Self.at(off, size)) (\(d)); packets 1...\(n - 1) are intact"
        case .corruptRecord(let p, let n, let off, let d):
            return "\(p): packet \(n)\(Self.at(off, nil)): corrupt record: \(d)"
        case .unsupportedLinkType(let p, let lt): return "\(p): unsupported link type \(lt)"
        case .mixedLinkTypes(let p, let n, let a, let b):
            return "\(p): pcapng mixes link types \(a) and \(b) (at packet \(n)); split it per interface first (e.g. tshark -r FILE -Y frame.interface_id==N -w OUT)"
        case .readFailed(let p, let n, let off, let d): return "\(p): read failed at packet \(n)\(Self.at(off, nil)): \(d)"
        case .cannotCreate(let p, let r): return "\(p): cannot create capture file: \(r)"
        case .writeFailed(let p, let r): return "\(p): writing capture failed: \(r)"
        case .writerClosed(let p): return "\(p): capture writer already closed"
        case .noSuchInterface(let i, let d): return "interface \(i): no such interface (\(d))"
        case .capturePermissionDenied(let i, let d): return "interface \(i): permission denied to capture (need root or CAP_NET_RAW) (\(d))"
        case .interfaceNotUp(let i): return "interface \(i): interface is down"
        case .badFilter(let f, let i, let d): return "interface \(i): bad capture filter \"\(f)\": \(d)"
        case .activationFailed(let i, let d): return "interface \(i): cannot start capture: \(d)"
        case .captureFailed(let i, let d): return "interface \(i): capture failed: \(d)"
        }
    }

    private static func at(_ offset: Int64?, _ size: Int64?) -> String {
        guard let offset else { return "" }
        if let size { return " (byte offset \(offset) of a \(size)-byte file)" }
        return " (byte offset \(offset))"
    }
}

extension CaptureError {
    /// Why `fopen` of a capture file failed, from its errno: the pcap and the pcapng readers
    /// tell a missing file, a refused permission and anything else alike.
    static func openFailed(path: String, errno e: Int32) -> CaptureError {
        switch e {
        case ENOENT, ENOTDIR: return .fileNotFound(path: path)
        case EACCES, EPERM: return .permissionDenied(path: path)
        default: return .cannotOpen(path: path, reason: String(cString: strerror(e)))
        }
    }
}
