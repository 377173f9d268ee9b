// The pure-C part of the C API: the names of the error codes. Everything else is Swift
// (Sources/NetMgrClientC), exported with @_cdecl under the names netmgr_client.h declares.
#include "netmgr_client.h"

const char *netmgr_strerror(int code) {
    switch (code) {
    case NETMGR_OK: return "success";
    case NETMGR_E_INVALID: return "invalid argument";
    case NETMGR_E_TIMEOUT: return "timed out";
    case NETMGR_E_BUFFER_TOO_SMALL: return "buffer too small for the next message";
    case NETMGR_E_STATE: return "not allowed in this state";
    case NETMGR_E_TLS: return "TLS material not usable";
    case NETMGR_E_HOST_REJECTED: return "the host refused the message";
    case NETMGR_E_SERVER_QUEUE_FULL: return "the server refused the message: too many wait for the host";
    case NETMGR_E_SESSION_CLOSED: return "session closed";
    case NETMGR_E_QUEUE_FULL: return "session queue full";
    case NETMGR_E_TOO_LARGE: return "message too large";
    case NETMGR_E_UNKNOWN_RESOURCE: return "unknown resource";
    case NETMGR_E_UNKNOWN_LU: return "unknown LU";
    case NETMGR_E_NOT_ACTIVE: return "resource not active there";
    case NETMGR_E_LU_IN_USE: return "LU held by another session";
    case NETMGR_E_SERVER_SHUTTING_DOWN: return "server shutting down";
    case NETMGR_E_NOT_AUTHORISED: return "not authorised";
    case NETMGR_E_LICENCE_EXHAUSTED: return "server licence exhausted";
    case NETMGR_E_SHUT_DOWN: return "client shut down";
    case NETMGR_E_PROTOCOL: return "LAN protocol error";
    case NETMGR_E_INTERNAL: return "internal error";
    default: return "unknown error code";
    }
}

int netmgr_api_version(void) { return NETMGR_API_VERSION; }
