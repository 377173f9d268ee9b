// The seeded generator of the property tests lives beside the testbed's schedule, which uses it too.
@_exported import struct NetMgrHarness.SplitMix64Generator

/// Helpers the test targets share: temporary directories, running a program with a
/// deadline, acting as another user for file-permission tests.
public enum NetMgrTestSupport {}
