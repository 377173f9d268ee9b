import PacketCapture

// NetMgrCore also has an `IPAddress` (a checked literal), and the PacketCapture module
// holds an enum of the same name, so `PacketCapture.IPAddress` does not resolve. Files
// that import both modules use this alias for the capture's value type.
typealias CaptureIPAddress = IPAddress
