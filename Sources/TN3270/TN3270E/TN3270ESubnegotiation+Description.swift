extension TN3270ESubnegotiation: CustomStringConvertible {
    /// RFC 2355 notation, e.g. "DEVICE-TYPE REQUEST IBM-3278-2 CONNECT LU0001".
    public var description: String {
        switch self {
        case .sendDeviceType:
            return "SEND DEVICE-TYPE"
        case .deviceTypeRequest(let deviceType, let target):
            switch target {
            case .any: return "DEVICE-TYPE REQUEST \(deviceType)"
            case .connect(let name): return "DEVICE-TYPE REQUEST \(deviceType) CONNECT \(name)"
            case .associate(let name): return "DEVICE-TYPE REQUEST \(deviceType) ASSOCIATE \(name)"
            }
        case .deviceTypeIs(let deviceType, let name):
            return "DEVICE-TYPE IS \(deviceType) CONNECT \(name)"
        case .deviceTypeReject(let reason):
            return "DEVICE-TYPE REJECT REASON \(reason)"
        case .functionsRequest(let list):
            return (["FUNCTIONS REQUEST"] + list.map(\.description)).joined(separator: " ")
        case .functionsIs(let list):
            return (["FUNCTIONS IS"] + list.map(\.description)).joined(separator: " ")
        }
    }
}
