/// Test equipment for netmgr: a host simulator and a line switch device simulator.
/// Product modules never import this module (DESIGN.md §3).
public enum NetMgrSimulators {}
