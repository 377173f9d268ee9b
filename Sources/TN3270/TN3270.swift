/// Telnet (RFC 854/1091), TN3270 (RFC 1576, 1646) and TN3270E (RFC 2355):
/// codecs and client/server negotiation state machines, free of sockets.
public enum TN3270 {}
