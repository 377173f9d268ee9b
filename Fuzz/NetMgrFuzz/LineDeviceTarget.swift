import LineTransport

/// Line device strings (`tcp:`, `xot:`, `tty:PATH@SPEED,rtscts`, `hdlc:IFNAME`, bare paths),
/// one per input line, through `LineDevice.parse(device:)`.
enum LineDeviceTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        let text = String(decoding: data, as: UTF8.self)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            do {
                let device = try LineDevice.parse(device: String(line))
                // What is accepted prints as a device string that parses back to it.
                let printed = device.description
                check((try? LineDevice.parse(device: printed)) == device, "\(device) prints as \(printed), which does not parse back")
                if case .hdlc(let name) = device { check(name.utf8.count <= LineDevice.maximumInterfaceNameLength, "interface name \(name) too long") }
                if case .tty(_, let speed, _) = device { check(LineDevice.ttySpeeds.contains(speed), "speed \(speed) accepted") }
            } catch {
                check(!error.description.isEmpty, "an empty message")
            }
        }
    }
}
