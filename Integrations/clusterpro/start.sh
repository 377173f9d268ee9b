#!/bin/sh
# CLUSTERPRO start script for a netmgr failover group (register as the group's start.sh).
# CLUSTERPRO sets CLP_EVENT (START, FAILOVER, RECOVER) and CLP_SERVER (HOME, OTHER);
# older releases set ARMS_EVENT/ARMS_SERVER. netmgr cluster-event reads either: START and
# FAILOVER activate the group on this server, RECOVER does nothing (the resources keep
# running), as the seed's sample scripts do.
NETMGR="${NETMGR:-/usr/local/bin/netmgr}"
GROUP="${NETMGR_GROUP:-hostlink}"
SOCKET="${NETMGR_SOCKET:-/run/netmgr/$(hostname -s).sock}"
exec "$NETMGR" cluster-event start "$GROUP" --socket "$SOCKET"
