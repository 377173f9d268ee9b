/// The capture verifier behind `netmgr verify`: terminal facts from TN3270(E) and SDLC
/// traffic, failover boundaries, and the ○/△ promises checked against them.
public enum NetMgrVerify {}
