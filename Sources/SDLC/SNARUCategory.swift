/// RU category (RH byte 0 bits 1–2).
public enum SNARUCategory: UInt8, Hashable, Sendable, CustomStringConvertible {
    case functionManagementData = 0
    case networkControl = 1
    case dataFlowControl = 2
    case sessionControl = 3

    public var description: String {
        switch self {
        case .functionManagementData: return "FMD"
        case .networkControl: return "NC"
        case .dataFlowControl: return "DFC"
        case .sessionControl: return "SC"
        }
    }
}
