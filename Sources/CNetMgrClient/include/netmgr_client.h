/*
 * netmgr_client.h — the C API of NetMgrClient (libnetmgrclient.so).
 *
 * NetMgrClient keeps an application's LU sessions to the host alive across a failover of
 * the netmgr cluster: give it every server (netmgrd) of the cluster; it finds the one on
 * which each resource is active, opens the sessions there, and when that server fails or
 * the resource moves, it moves the sessions by itself and sends again every message the
 * host has not accepted yet, in order. The application never restarts.
 *
 * Build and link:  cc app.c $(pkg-config --cflags --libs netmgrclient)
 *
 * ---------------------------------------------------------------------------------------
 * Handles
 *   netmgr_client_t   one client (its connections to every server, its events).
 *   netmgr_session_t  one LU session; belongs to the client that opened it.
 *   Handles are opaque. The library checks every handle it is given against the handles
 *   it made: an unknown, closed or destroyed handle gives NETMGR_E_INVALID, never a crash.
 *
 * Errors
 *   Every function that can fail returns an int: NETMGR_OK (0) or one of NETMGR_E_*.
 *   netmgr_strerror(code) names the code (a static string); netmgr_last_error_message()
 *   says what failed, and where, for the last failing call made by the calling thread.
 *   No function aborts on bad input: NULL pointers, strings that are not UTF-8, zero
 *   sizes, unknown handles give NETMGR_E_INVALID.
 *
 * Timeouts
 *   timeout_ms < 0 waits without limit, 0 does not wait at all, > 0 waits at most that
 *   many milliseconds. A call that times out returns NETMGR_E_TIMEOUT.
 *
 * Threads
 *   - Every function may be called from any thread, including threads the library did not
 *     create, and several threads may use one client (and one session) at once. Blocking
 *     calls block only the calling thread; the library's own threads keep running (the
 *     calls hand the work to them and wait), so they never deadlock with it.
 *   - The event callback runs on one internal thread of the client ("netmgr-events"), a
 *     session's data callback on one internal thread of that session ("netmgr-data"),
 *     one event after the other. It may call any function of this API, blocking ones
 *     included (events then wait until it returns), except netmgr_client_destroy on its
 *     own client (and, from a data callback, netmgr_close_session on its own session).
 *   - netmgr_next_event's strings belong to the client: read them from one thread, and
 *     only until that client's next netmgr_next_event call (see netmgr_event_t).
 *   - netmgr_client_destroy and netmgr_close_session must not race with calls that start
 *     on the same handle; calls already blocked on it return NETMGR_E_SHUT_DOWN or
 *     NETMGR_E_SESSION_CLOSED.
 *
 * Signals
 *   The library installs no signal handler, but its networking (SwiftNIO) sets SIGPIPE to
 *   SIG_IGN for the whole process when it opens its first socket (Linux has no per-socket
 *   way): a write to a closed pipe or socket then fails with EPIPE instead of killing.
 * ---------------------------------------------------------------------------------------
 */
#ifndef NETMGR_CLIENT_H
#define NETMGR_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The API version this header describes; netmgr_api_version() returns the library's. */
#define NETMGR_API_VERSION 1

typedef struct netmgr_client netmgr_client_t;
typedef struct netmgr_session netmgr_session_t;

/* Error codes. One per NetMgrClientError case, and the API's own (invalid argument, timeout,
 * buffer too small, state, TLS material). Values are stable. */
enum netmgr_error {
    NETMGR_OK = 0,
    /* A NULL pointer, an unknown handle, a string that is not UTF-8, a zero size, a bad
     * "host:port", TLS paths given only in part, ... */
    NETMGR_E_INVALID = 1,
    /* The call did not complete within its timeout. See each function for what is left. */
    NETMGR_E_TIMEOUT = 2,
    /* netmgr_receive: the next message is larger than the buffer; *len_out says its size and
     * the message stays queued. */
    NETMGR_E_BUFFER_TOO_SMALL = 3,
    /* The call does not fit the handle's state (start twice, next_event with a callback). */
    NETMGR_E_STATE = 4,
    /* The TLS files could not be read or are not usable (the message names the file). */
    NETMGR_E_TLS = 5,
    /* The host refused the message for good; the client dropped it and goes on with the next. */
    NETMGR_E_HOST_REJECTED = 10,
    /* The server refused the message: the LU has too many messages waiting for the host. */
    NETMGR_E_SERVER_QUEUE_FULL = 11,
    /* The session was closed before the call completed (or is closed). */
    NETMGR_E_SESSION_CLOSED = 12,
    /* The session already holds as many unaccepted messages as it may (submit with timeout 0). */
    NETMGR_E_QUEUE_FULL = 13,
    /* The message is larger than a LAN frame carries (netmgr_max_message_size()). */
    NETMGR_E_TOO_LARGE = 14,
    /* No server defines the resource. */
    NETMGR_E_UNKNOWN_RESOURCE = 15,
    /* The resource has no such LU. */
    NETMGR_E_UNKNOWN_LU = 16,
    /* The resource is not active on the server asked (events only: the client retries). */
    NETMGR_E_NOT_ACTIVE = 17,
    /* Another client's session holds the LU on that server (events only: the client retries). */
    NETMGR_E_LU_IN_USE = 18,
    /* The server is shutting down (events only: the client retries). */
    NETMGR_E_SERVER_SHUTTING_DOWN = 19,
    /* This client's identity (its certificate) may not open the resource or LU. */
    NETMGR_E_NOT_AUTHORISED = 20,
    /* The server already serves as many clients as its licence allows. */
    NETMGR_E_LICENCE_EXHAUSTED = 21,
    /* The client was destroyed (or is being destroyed) while the call waited. */
    NETMGR_E_SHUT_DOWN = 22,
    /* A server found a frame it could not take. */
    NETMGR_E_PROTOCOL = 23,
    /* A failure inside the library (the message says what); please report it. */
    NETMGR_E_INTERNAL = 99
};

/* Event types. */
enum netmgr_event_type {
    /* server, node: a connection to a server is up. */
    NETMGR_EVENT_SERVER_CONNECTED = 1,
    /* server, detail (the reason): a server was lost; the client reconnects by itself. */
    NETMGR_EVENT_SERVER_LOST = 2,
    /* resource, previous_node (NULL: none had it), node (NULL: none has it now), epoch. */
    NETMGR_EVENT_RESOURCE_MOVED = 3,
    /* lu, node, host_address: a session opened on node; the host sees host_address. */
    NETMGR_EVENT_SESSION_OPENED = 4,
    /* lu, node, host_address, count (messages sent again): a session moved to node. */
    NETMGR_EVENT_SESSION_RESUMED = 5,
    /* lu, state, detail: the LU's host-side state changed on its server. */
    NETMGR_EVENT_SESSION_STATE = 6,
    /* lu, sequence: the host accepted message `sequence` (from netmgr_submit or netmgr_send). */
    NETMGR_EVENT_MESSAGE_ACKED = 7,
    /* lu, sequence, detail (the reason), error: the host refused message `sequence` for good. */
    NETMGR_EVENT_MESSAGE_FAILED = 8,
    /* lu, error, detail: a server refused to open or keep the session; the client retries. */
    NETMGR_EVENT_SESSION_REFUSED = 9,
    /* count: that many events were dropped because nobody read them (the queue holds 65,536). */
    NETMGR_EVENT_EVENTS_DROPPED = 10
};

/* One event. Fields a type does not use are NULL or 0 (see enum netmgr_event_type).
 * Strings are UTF-8 and NUL-terminated. They stay valid:
 *   - from netmgr_next_event: until the next netmgr_next_event call on the same client, or
 *     netmgr_client_destroy;
 *   - in the callback: until the callback returns.
 * Copy what you keep. */
typedef struct netmgr_event {
    int type;                   /* enum netmgr_event_type */
    int error;                  /* enum netmgr_error: MESSAGE_FAILED, SESSION_REFUSED */
    const char *resource;       /* RESOURCE_MOVED */
    const char *lu;             /* session and message events: the LU name */
    const char *node;           /* the node (netmgrd name) concerned; RESOURCE_MOVED: the new one */
    const char *previous_node;  /* RESOURCE_MOVED: the node that had it */
    const char *server;         /* SERVER_*: "host:port" as given to netmgr_client_create */
    const char *host_address;   /* SESSION_OPENED/RESUMED: the address the host sees */
    const char *state;          /* SESSION_STATE */
    const char *detail;         /* reasons, details, error messages */
    uint64_t sequence;          /* MESSAGE_*: the message's sequence number */
    uint64_t epoch;             /* RESOURCE_MOVED: the activation epoch */
    uint64_t count;             /* SESSION_RESUMED: messages replayed; EVENTS_DROPPED: events lost */
} netmgr_event_t;

/* Called on the client's internal event thread, once per event (see Threads above). */
typedef void (*netmgr_event_callback_t)(const netmgr_event_t *event, void *user_data);

/* Called on the session's internal data thread with each message the host sent to the LU,
 * in order. data is valid until the callback returns. */
typedef void (*netmgr_data_callback_t)(netmgr_session_t *session, const void *data, size_t len, void *user_data);

/* ---- library ------------------------------------------------------------------------ */

/* NETMGR_API_VERSION of the library. */
int netmgr_api_version(void);

/* A static, never-NULL name for an error code ("invalid argument", ...), also for unknown codes. */
const char *netmgr_strerror(int code);

/* What the last failing call of the calling thread said, naming what and where (e.g.
 * "netmgr_open_session: unknown resource TNX: ..."); "" if none failed yet. Valid until the
 * thread's next failing call. Successful calls leave it alone. */
const char *netmgr_last_error_message(void);

/* The largest message netmgr_send and netmgr_submit take, in bytes. */
size_t netmgr_max_message_size(void);

/* ---- client ------------------------------------------------------------------------- */

/* Makes a client; nothing is connected before netmgr_client_start.
 *   servers, server_count: every netmgrd of the cluster, as "host:port" ("[v6]:port" for IPv6).
 *   client_name: identifies this application instance to the servers; unique per process.
 *                NULL: "<hostname> pid <pid> <random>".
 *   ca_path, certificate_path, key_path: PEM files — the cluster CA, this application's
 *                certificate (chain) and its private key (mode 0600 or stricter). All three,
 *                or all NULL for plain TCP (a cluster with `tls: off` only; TLS servers,
 *                the default, refuse it). Read now: NETMGR_E_TLS names a file that is wrong.
 *   client_out:  receives the handle.
 * Errors: NETMGR_E_INVALID, NETMGR_E_TLS. */
int netmgr_client_create(const char *const *servers, size_t server_count, const char *client_name,
                         const char *ca_path, const char *certificate_path, const char *key_path,
                         netmgr_client_t **client_out);

/* Starts connecting to every server; reconnects by itself until destroyed. Register an event
 * callback before this call if you want every event. Errors: NETMGR_E_INVALID, NETMGR_E_STATE
 * (started already). */
int netmgr_client_start(netmgr_client_t *client);

/* Shuts the client down and frees it: closes every connection and every session still
 * open (their handles become invalid), fails calls blocked on them (NETMGR_E_SHUT_DOWN),
 * stops the event thread (waiting for a running callback to return) and closes the event fd.
 * Messages the host has not accepted yet are not delivered. Waits at most a few seconds.
 * Must not be called from the client's own event callback (NETMGR_E_STATE). */
int netmgr_client_destroy(netmgr_client_t *client);

/* Waits until some server reports `resource` active; copies that node's name into node_buf
 * (NUL-terminated, truncated to node_cap - 1 bytes; node_buf may be NULL with node_cap 0).
 * Errors: NETMGR_E_INVALID, NETMGR_E_TIMEOUT, NETMGR_E_UNKNOWN_RESOURCE, NETMGR_E_SHUT_DOWN. */
int netmgr_wait_until_active(netmgr_client_t *client, const char *resource, int timeout_ms,
                             char *node_buf, size_t node_cap);

/* ---- events ------------------------------------------------------------------------- */

/* Delivers every event to `callback` on the client's event thread instead of the queue
 * (callback NULL: back to the queue). Events queued before are delivered to it first.
 * Errors: NETMGR_E_INVALID. */
int netmgr_client_set_event_callback(netmgr_client_t *client, netmgr_event_callback_t callback, void *user_data);

/* A file descriptor (an eventfd) that is readable while events wait in the queue: for
 * poll/select/epoll loops; then call netmgr_next_event(client, &event, 0) until it returns
 * NETMGR_E_TIMEOUT. Do not read, write or close it; it lives until netmgr_client_destroy.
 * Errors: NETMGR_E_INVALID. */
int netmgr_client_event_fd(netmgr_client_t *client, int *fd_out);

/* Takes the oldest queued event into *event, waiting at most timeout_ms for one. The queue
 * holds at most 65,536 events (acks of every message included): past that the oldest are
 * dropped and NETMGR_EVENT_EVENTS_DROPPED says how many, so a client nobody reads stays small.
 * Errors: NETMGR_E_INVALID, NETMGR_E_TIMEOUT (no event), NETMGR_E_STATE (a callback is
 * registered), NETMGR_E_SHUT_DOWN. */
int netmgr_next_event(netmgr_client_t *client, netmgr_event_t *event, int timeout_ms);

/* ---- sessions ----------------------------------------------------------------------- */

/* Opens an LU session and waits until a server has opened it (at most timeout_ms). The
 * session then follows the resource wherever it is active. On NETMGR_E_TIMEOUT nothing is
 * left open. Errors: NETMGR_E_INVALID, NETMGR_E_TIMEOUT, NETMGR_E_UNKNOWN_RESOURCE,
 * NETMGR_E_UNKNOWN_LU, NETMGR_E_NOT_AUTHORISED, NETMGR_E_SHUT_DOWN. */
int netmgr_open_session(netmgr_client_t *client, const char *resource, const char *lu, int timeout_ms,
                        netmgr_session_t **session_out);

/* Closes the session and frees its handle. Messages the host has not accepted yet are
 * dropped; calls blocked on the session return NETMGR_E_SESSION_CLOSED.
 * Errors: NETMGR_E_INVALID, NETMGR_E_STATE (called from the session's own data callback). */
int netmgr_close_session(netmgr_session_t *session);

/* Sends a message and waits until the host has accepted it (across failovers), at most
 * timeout_ms. *sequence_out (may be NULL) gets its sequence number.
 * NETMGR_E_TIMEOUT: if the session's queue was full all along the message was withdrawn;
 * otherwise it stays queued, the client still delivers it, and its acceptance arrives as a
 * NETMGR_EVENT_MESSAGE_ACKED event. Use netmgr_unacknowledged to see what is left.
 * data may be NULL only when len is 0.
 * Errors: NETMGR_E_INVALID, NETMGR_E_TIMEOUT, NETMGR_E_TOO_LARGE, NETMGR_E_HOST_REJECTED,
 * NETMGR_E_SERVER_QUEUE_FULL, NETMGR_E_SESSION_CLOSED, NETMGR_E_SHUT_DOWN. */
int netmgr_send(netmgr_session_t *session, const void *data, size_t len, int timeout_ms, uint64_t *sequence_out);

/* Queues a message for the host and returns its sequence number in *sequence_out (may be
 * NULL) without waiting for the host. While the session's queue is full it waits for room
 * at most timeout_ms (0: fails at once with NETMGR_E_QUEUE_FULL; on NETMGR_E_TIMEOUT
 * nothing was queued). The host's acceptance arrives as NETMGR_EVENT_MESSAGE_ACKED, a
 * refusal as NETMGR_EVENT_MESSAGE_FAILED, with the same sequence number and LU.
 * Errors: NETMGR_E_INVALID, NETMGR_E_TIMEOUT, NETMGR_E_QUEUE_FULL, NETMGR_E_TOO_LARGE,
 * NETMGR_E_SESSION_CLOSED, NETMGR_E_SHUT_DOWN. */
int netmgr_submit(netmgr_session_t *session, const void *data, size_t len, int timeout_ms, uint64_t *sequence_out);

/* How many messages of the session the host has not accepted yet.
 * Errors: NETMGR_E_INVALID, NETMGR_E_SESSION_CLOSED. */
int netmgr_unacknowledged(netmgr_session_t *session, size_t *count_out);

/* Takes the next message the host sent to this LU into buf, waiting at most timeout_ms;
 * *len_out gets its length. Messages keep their order and boundaries.
 * NETMGR_E_BUFFER_TOO_SMALL: the next message has *len_out bytes, more than cap; it stays
 * queued (nothing is lost): call again with a larger buffer.
 * Errors: NETMGR_E_INVALID (NULL buf or len_out, cap 0), NETMGR_E_TIMEOUT,
 * NETMGR_E_BUFFER_TOO_SMALL, NETMGR_E_SESSION_CLOSED (closed and nothing left),
 * NETMGR_E_SHUT_DOWN, NETMGR_E_STATE (a data callback is registered). */
int netmgr_receive(netmgr_session_t *session, void *buf, size_t cap, size_t *len_out, int timeout_ms);

/* Delivers the host's messages for this session to `callback` instead of netmgr_receive
 * (callback NULL: back to netmgr_receive). Messages already queued go to it first. The
 * callback runs on an internal thread of the session ("netmgr-data"), one message at a time;
 * it may call any function of this API except netmgr_close_session on its own session.
 * netmgr_receive returns NETMGR_E_STATE while a callback is registered. Closing the session
 * (or destroying the client) waits for a running data callback to return.
 * Errors: NETMGR_E_INVALID. */
int netmgr_session_set_data_callback(netmgr_session_t *session, netmgr_data_callback_t callback, void *user_data);

/* The session's resource and LU names: static for the session's life. NULL for a bad handle. */
const char *netmgr_session_resource(netmgr_session_t *session);
const char *netmgr_session_lu(netmgr_session_t *session);

#ifdef __cplusplus
}
#endif

#endif /* NETMGR_CLIENT_H */
