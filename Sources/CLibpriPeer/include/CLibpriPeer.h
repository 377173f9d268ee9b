#ifndef CLIBPRIPEER_H
#define CLIBPRIPEER_H

/* A libpri (Debian libpri-dev) instance as the NETWORK side of an ISDN basic-rate interface
 * (point-to-point, EuroISDN), on one end of a socketpair(AF_UNIX, SOCK_SEQPACKET) that
 * carries bare LAPD frames. It runs in its own pthread; the test talks to it with text
 * lines: commands in, events out. Test equipment only: the products never link libpri. */

typedef struct libpri_peer libpri_peer;

/* Starts the thread on `fd` (the harness owns it from now on and closes it on stop).
 * NULL on failure. `debug` != 0 prints libpri's Q.921/Q.931 debug output to stderr. */
libpri_peer *libpri_peer_start(int fd, int debug);

/* Queues a command for the thread:
 *   "proceeding"             CALL PROCEEDING for the current incoming call
 *   "alerting"               ALERTING for it
 *   "answer"                 CONNECT for it
 *   "hangup CAUSE"           clears the current call with a Q.850 cause
 *   "call CALLED CALLING"    places a call (SETUP, unrestricted digital, B1 exclusive)
 * Returns 0, or -1 when the command queue is full or the peer is stopping. */
int libpri_peer_command(libpri_peer *peer, const char *command);

/* Copies the next event line (NUL-terminated) into `buffer` and returns its length, or 0
 * when there is none yet. Event lines:
 *   "up", "down", "ring calling=N called=N channel=C", "proceeding", "ringing",
 *   "answer", "connect_ack", "hangup_req cause=C", "hangup cause=C", "hangup_ack",
 *   "error TEXT", "event N" (any other libpri event). */
int libpri_peer_next_event(libpri_peer *peer, char *buffer, int length);

/* Stops and joins the thread, closes the fd, frees everything. */
void libpri_peer_stop(libpri_peer *peer);

#endif
