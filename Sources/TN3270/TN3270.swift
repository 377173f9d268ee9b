// TN3270: telnet (RFC 854/855/860/1091), TN3270 (RFC 1576, RFC 1646) and
// TN3270E (RFC 2355) without sockets.
//
//   Telnet/     TelnetDecoder (NIOSingleStepByteToMessageDecoder), encoders,
//               the RFC 1143 option table
//   TN3270E/    typed sub-negotiations, the 5-byte header, record framing
//   DataStream/ the 3270 keyboard-restore check basic TN3270 relies on
//   Machines/   TN3270ClientStateMachine (netmgrd's host connector) and
//               TN3270ServerStateMachine (the host simulator): feed bytes,
//               act on the returned actions
//   Observer/   TN3270CaptureObserver for the capture verifier
//
// TnETOS itself is proprietary; this is its open counterpart (DESIGN.md §1).
