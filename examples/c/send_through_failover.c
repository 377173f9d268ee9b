/*
 * send_through_failover: opens one LU through netmgr and sends numbered messages, each
 * waiting until the host accepted it, while printing what the client reports (servers
 * lost, the resource moving to the other node, the session resuming there). Kill the
 * active node while it runs and activate the other one: every message still arrives.
 *
 *   send_through_failover --server 127.0.0.11:7301 --server 127.0.0.12:7301 \
 *       --ca pki/ca.pem --cert app.pem --key app-key.pem \
 *       --resource TNVIP --lu VIPLU01 --count 100 --interval-ms 20
 *
 * Message i reads "<LU> message <i>". Exits 0 when the host accepted all of them, 1 on an
 * error (printed with netmgr_strerror and netmgr_last_error_message), 2 on bad usage.
 *
 * Build: cc -o send_through_failover send_through_failover.c $(pkg-config --cflags --libs netmgrclient)
 */
#include <netmgr_client.h>

#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SERVERS 16

static int moved, resumed;
static const char *watched_resource; /* moves of other resources are not printed */

static void print_event(const netmgr_event_t *event) {
#define S(x) ((x) ? (x) : "-")
    switch (event->type) {
    case NETMGR_EVENT_SERVER_CONNECTED:
        printf("event: server %s connected (node %s)\n", S(event->server), S(event->node));
        break;
    case NETMGR_EVENT_SERVER_LOST:
        printf("event: server %s lost: %s\n", S(event->server), S(event->detail));
        break;
    case NETMGR_EVENT_RESOURCE_MOVED:
        if (event->resource == NULL || strcmp(event->resource, watched_resource) != 0) break;
        moved++;
        printf("event: resource %s moved from %s to %s (epoch %" PRIu64 ")\n", S(event->resource),
               S(event->previous_node), S(event->node), event->epoch);
        break;
    case NETMGR_EVENT_SESSION_OPENED:
        printf("event: session %s opened on %s, host sees %s\n", S(event->lu), S(event->node), S(event->host_address));
        break;
    case NETMGR_EVENT_SESSION_RESUMED:
        resumed++;
        printf("event: session %s resumed on %s, host sees %s, messages sent again: %" PRIu64 "\n", S(event->lu),
               S(event->node), S(event->host_address), event->count);
        break;
    case NETMGR_EVENT_MESSAGE_FAILED:
        printf("event: message %" PRIu64 " on %s failed: %s (%s)\n", event->sequence, S(event->lu),
               S(event->detail), netmgr_strerror(event->error));
        break;
    case NETMGR_EVENT_SESSION_REFUSED:
        printf("event: session %s refused, retrying: %s\n", S(event->lu), S(event->detail));
        break;
    case NETMGR_EVENT_EVENTS_DROPPED:
        printf("event: %" PRIu64 " events dropped\n", event->count);
        break;
    default:
        break; /* acks of netmgr_send's messages, LU state changes */
    }
#undef S
    fflush(stdout);
}

/* Prints every event already queued: the event fd says whether there are any. */
static void drain_events(netmgr_client_t *client, int event_fd) {
    struct pollfd ready = {.fd = event_fd, .events = POLLIN};
    if (poll(&ready, 1, 0) <= 0) return;
    netmgr_event_t event;
    while (netmgr_next_event(client, &event, 0) == NETMGR_OK) print_event(&event);
}

static int fail(const char *what, int code) {
    fprintf(stderr, "send_through_failover: %s: %s: %s\n", what, netmgr_strerror(code), netmgr_last_error_message());
    return 1;
}

static int usage(void) {
    fprintf(stderr, "usage: send_through_failover --server HOST:PORT [--server HOST:PORT ...]\n"
                    "       [--ca CA.pem --cert CERT.pem --key KEY.pem] [--name CLIENT-NAME]\n"
                    "       --resource RESOURCE --lu LU [--count N] [--interval-ms MS] [--timeout-ms MS]\n");
    return 2;
}

int main(int argc, char **argv) {
    const char *servers[MAX_SERVERS];
    size_t server_count = 0;
    const char *ca = NULL, *cert = NULL, *key = NULL, *name = NULL, *resource = NULL, *lu = NULL;
    long count = 100, interval_ms = 20, timeout_ms = 30000;

    for (int i = 1; i < argc; i++) {
        const char *option = argv[i];
        if (i + 1 >= argc) return usage();
        const char *value = argv[++i];
        if (strcmp(option, "--server") == 0) {
            if (server_count == MAX_SERVERS) return usage();
            servers[server_count++] = value;
        } else if (strcmp(option, "--ca") == 0) ca = value;
        else if (strcmp(option, "--cert") == 0) cert = value;
        else if (strcmp(option, "--key") == 0) key = value;
        else if (strcmp(option, "--name") == 0) name = value;
        else if (strcmp(option, "--resource") == 0) resource = value;
        else if (strcmp(option, "--lu") == 0) lu = value;
        else if (strcmp(option, "--count") == 0) count = strtol(value, NULL, 10);
        else if (strcmp(option, "--interval-ms") == 0) interval_ms = strtol(value, NULL, 10);
        else if (strcmp(option, "--timeout-ms") == 0) timeout_ms = strtol(value, NULL, 10);
        else return usage();
    }
    if (server_count == 0 || resource == NULL || lu == NULL || count < 1 || interval_ms < 0 || timeout_ms < 1)
        return usage();

    watched_resource = resource;
    netmgr_client_t *client = NULL;
    int rc = netmgr_client_create(servers, server_count, name, ca, cert, key, &client);
    if (rc != NETMGR_OK) return fail("creating the client", rc);
    int event_fd = -1;
    netmgr_client_event_fd(client, &event_fd);
    if ((rc = netmgr_client_start(client)) != NETMGR_OK) return fail("starting the client", rc);

    netmgr_session_t *session = NULL;
    if ((rc = netmgr_open_session(client, resource, lu, (int)timeout_ms, &session)) != NETMGR_OK) {
        fail("opening the session", rc);
        netmgr_client_destroy(client);
        return 1;
    }
    drain_events(client, event_fd);

    for (long i = 1; i <= count; i++) {
        char message[256];
        int length = snprintf(message, sizeof message, "%s message %ld", lu, i);
        uint64_t sequence = 0;
        rc = netmgr_send(session, message, (size_t)length, (int)timeout_ms, &sequence);
        if (rc != NETMGR_OK) {
            fail("sending", rc);
            netmgr_client_destroy(client);
            return 1;
        }
        if (i % 25 == 0 || i == count) {
            printf("accepted: %ld of %ld (sequence %" PRIu64 ")\n", i, count, sequence);
            fflush(stdout);
        }
        drain_events(client, event_fd);
        if (interval_ms > 0) {
            struct timespec pause = {.tv_sec = interval_ms / 1000, .tv_nsec = (interval_ms % 1000) * 1000000L};
            nanosleep(&pause, NULL);
        }
    }
    drain_events(client, event_fd);
    printf("done: the host accepted all %ld messages; resource moved %d times, session resumed %d times\n",
           count, moved, resumed);
    netmgr_close_session(session);
    netmgr_client_destroy(client);
    return 0;
}
