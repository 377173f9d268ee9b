/// Helpers the test targets share: temporary directories, running a program with a
/// deadline, acting as another user for file-permission tests.
public enum NetMgrTestSupport {}
