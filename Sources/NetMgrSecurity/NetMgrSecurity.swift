// NetMgrSecurity: the cluster's PKI and TLS material, peer identities from certificates,
// and secret files. Product code: netmgrd, NetMgrClient, netmgr and the simulators use it.
