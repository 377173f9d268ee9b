// SDLC re-exports NetMgrAddresses (XIDNodeID, X121Address); X25 passes both on.
@_exported import NetMgrAddresses
@_exported import SDLC

/// Two uppercase hex digits, for descriptions.
func hex2(_ value: UInt8) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return digits.count == 1 ? "0" + digits : digits
}
