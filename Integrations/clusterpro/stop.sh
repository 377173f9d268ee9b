#!/bin/sh
# CLUSTERPRO stop script for a netmgr failover group (register as the group's stop.sh).
# START and FAILOVER deactivate the group on this server (host sessions close cleanly,
# clients move); RECOVER does nothing.
NETMGR="${NETMGR:-/usr/local/bin/netmgr}"
GROUP="${NETMGR_GROUP:-hostlink}"
SOCKET="${NETMGR_SOCKET:-/run/netmgr/$(hostname -s).sock}"
exec "$NETMGR" cluster-event stop "$GROUP" --socket "$SOCKET"
