#ifndef NETMGR_CPCAP_SHIM_H
#define NETMGR_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
