/// Helpers the test targets share: locating built products, running them, temp dirs.
public enum NetMgrTestSupport {}
