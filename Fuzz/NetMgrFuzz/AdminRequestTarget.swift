import Foundation
import NetMgrProtocol

/// One admin socket line as netmgrd decodes it (and the answer as netmgr decodes it); a
/// request that decodes must survive encode/decode.
enum AdminRequestTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        let line = Data(data)
        if let request = try? JSONDecoder().decode(AdminRequest.self, from: line) {
            let again = (try? JSONEncoder().encode(request)).flatMap { try? JSONDecoder().decode(AdminRequest.self, from: $0) }
            check(again == request, "\(request) does not survive encode/decode")
        }
        _ = try? JSONDecoder().decode(AdminResponse.self, from: line)
    }
}
