#define _GNU_SOURCE
#include "CLibpriPeer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <libpri.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define QUEUE_LINES 64
#define LINE_LENGTH 256

struct line_queue {
    char lines[QUEUE_LINES][LINE_LENGTH];
    int head, count;
};

struct libpri_peer {
    int fd;
    int wake[2]; /* self-pipe: a command or stop is waiting */
    int debug;
    int stopping;
    pthread_t thread;
    pthread_mutex_t lock;
    struct line_queue commands, events;
    struct pri *pri;
    q931_call *call;
    int channel;
};

static int queue_push(struct line_queue *queue, const char *line) {
    if (queue->count >= QUEUE_LINES) return -1;
    int index = (queue->head + queue->count) % QUEUE_LINES;
    snprintf(queue->lines[index], LINE_LENGTH, "%s", line);
    queue->count++;
    return 0;
}

static int queue_pop(struct line_queue *queue, char *out, int length) {
    if (queue->count == 0 || length <= 0) return 0;
    snprintf(out, (size_t)length, "%s", queue->lines[queue->head]);
    queue->head = (queue->head + 1) % QUEUE_LINES;
    queue->count--;
    return (int)strlen(out);
}

static void report(struct libpri_peer *peer, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void report(struct libpri_peer *peer, const char *format, ...) {
    char line[LINE_LENGTH];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(line, sizeof line, format, arguments);
    va_end(arguments);
    pthread_mutex_lock(&peer->lock);
    queue_push(&peer->events, line);
    pthread_mutex_unlock(&peer->lock);
}

/* libpri reads frames that end in a 2-byte FCS: add two bytes to what the socket gives. */
static int peer_read(struct pri *pri, void *buffer, int length) {
    struct libpri_peer *peer = pri_get_userdata(pri);
    if (length < 3) return -1;
    ssize_t got = recv(peer->fd, buffer, (size_t)length - 2, MSG_DONTWAIT);
    if (got <= 0) return -1;
    memset((char *)buffer + got, 0, 2);
    return (int)got + 2;
}

/* libpri writes frames with 2 trailing FCS bytes: the socket carries the frame without them. */
static int peer_write(struct pri *pri, void *buffer, int length) {
    struct libpri_peer *peer = pri_get_userdata(pri);
    if (length < 2) return -1;
    ssize_t sent = send(peer->fd, buffer, (size_t)length - 2, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) return -1;
    return length;
}

static void handle_event(struct libpri_peer *peer, pri_event *event) {
    if (!event) return;
    switch (event->e) {
    case PRI_EVENT_DCHAN_UP: report(peer, "up"); break;
    case PRI_EVENT_DCHAN_DOWN: report(peer, "down"); break;
    case PRI_EVENT_RING:
        peer->call = event->ring.call;
        peer->channel = event->ring.channel > 0 ? (event->ring.channel & 0xFF) : 1;
        if (peer->channel <= 0 || peer->channel > 2) peer->channel = 1;
        report(peer, "ring calling=%s called=%s channel=%d", event->ring.callingnum, event->ring.callednum, peer->channel);
        break;
    case PRI_EVENT_PROCEEDING: report(peer, "proceeding"); break;
    case PRI_EVENT_RINGING: report(peer, "ringing"); break;
    case PRI_EVENT_ANSWER:
        report(peer, "answer");
        /* With connect-ack reporting enabled, libpri leaves CONNECT ACKNOWLEDGE to us. */
        if (event->answer.call) pri_connect_ack(peer->pri, event->answer.call, peer->channel);
        break;
    case PRI_EVENT_CONNECT_ACK: report(peer, "connect_ack"); break;
    case PRI_EVENT_HANGUP_REQ:
        report(peer, "hangup_req cause=%d", event->hangup.cause);
        /* The peer sent DISCONNECT: release with the same cause. */
        if (event->hangup.call) pri_hangup(peer->pri, event->hangup.call, event->hangup.cause);
        break;
    case PRI_EVENT_HANGUP:
        report(peer, "hangup cause=%d", event->hangup.cause);
        if (event->hangup.call) pri_hangup(peer->pri, event->hangup.call, event->hangup.cause);
        if (event->hangup.call == peer->call) peer->call = NULL;
        break;
    case PRI_EVENT_HANGUP_ACK:
        report(peer, "hangup_ack");
        if (event->hangup.call == peer->call) peer->call = NULL;
        break;
    case PRI_EVENT_CONFIG_ERR: report(peer, "error %s", event->err.err); break;
    default: report(peer, "event %d", event->e); break;
    }
}

static void run_command(struct libpri_peer *peer, const char *command) {
    int cause = 0;
    char called[64], calling[64];
    if (strcmp(command, "proceeding") == 0 && peer->call) {
        pri_proceeding(peer->pri, peer->call, peer->channel, 0);
    } else if (strcmp(command, "alerting") == 0 && peer->call) {
        pri_acknowledge(peer->pri, peer->call, peer->channel, 0);
    } else if (strcmp(command, "answer") == 0 && peer->call) {
        pri_answer(peer->pri, peer->call, peer->channel, 0);
    } else if (sscanf(command, "hangup %d", &cause) == 1 && peer->call) {
        pri_hangup(peer->pri, peer->call, cause);
    } else if (sscanf(command, "call %63s %63s", called, calling) == 2) {
        q931_call *call = pri_new_call(peer->pri);
        struct pri_sr *request = pri_sr_new();
        if (!call || !request) {
            report(peer, "error cannot make a call");
            if (request) pri_sr_free(request);
            return;
        }
        pri_sr_set_channel(request, 1, 1, 0);
        pri_sr_set_bearer(request, PRI_TRANS_CAP_DIGITAL, 0);
        pri_sr_set_called(request, called, PRI_UNKNOWN, 1);
        pri_sr_set_caller(request, calling, NULL, PRI_UNKNOWN, PRES_ALLOWED_USER_NUMBER_NOT_SCREENED);
        if (pri_setup(peer->pri, call, request) != 0) report(peer, "error pri_setup failed");
        pri_sr_free(request);
        peer->call = call;
        peer->channel = 1;
    } else {
        report(peer, "error cannot %s", command);
    }
}

static void *peer_thread(void *argument) {
    struct libpri_peer *peer = argument;
    for (;;) {
        pthread_mutex_lock(&peer->lock);
        int stopping = peer->stopping;
        pthread_mutex_unlock(&peer->lock);
        if (stopping) break;

        int timeout = 1000;
        struct timeval *next = pri_schedule_next(peer->pri);
        if (next) {
            struct timeval now;
            gettimeofday(&now, NULL);
            long milliseconds = (next->tv_sec - now.tv_sec) * 1000 + (next->tv_usec - now.tv_usec) / 1000;
            timeout = milliseconds < 0 ? 0 : (milliseconds > 1000 ? 1000 : (int)milliseconds);
        }
        struct pollfd fds[2] = {{.fd = peer->fd, .events = POLLIN}, {.fd = peer->wake[0], .events = POLLIN}};
        int ready = poll(fds, 2, timeout);
        if (ready < 0 && errno != EINTR) break;
        if (ready > 0 && (fds[1].revents & POLLIN)) {
            char drain[64];
            while (read(peer->wake[0], drain, sizeof drain) > 0) {}
            char command[LINE_LENGTH];
            for (;;) {
                pthread_mutex_lock(&peer->lock);
                int length = queue_pop(&peer->commands, command, sizeof command);
                pthread_mutex_unlock(&peer->lock);
                if (length == 0) break;
                run_command(peer, command);
            }
        }
        if (ready > 0 && (fds[0].revents & POLLIN)) {
            handle_event(peer, pri_check_event(peer->pri));
        } else if (ready > 0 && (fds[0].revents & (POLLHUP | POLLERR))) {
            report(peer, "closed");
            break;
        }
        handle_event(peer, pri_schedule_run(peer->pri));
    }
    return NULL;
}

static void no_messages(struct pri *pri, char *text) {
    (void)pri;
    (void)text;
}

static void stderr_messages(struct pri *pri, char *text) {
    (void)pri;
    fputs(text, stderr);
}

libpri_peer *libpri_peer_start(int fd, int debug) {
    struct libpri_peer *peer = calloc(1, sizeof *peer);
    if (!peer) return NULL;
    peer->fd = fd;
    peer->debug = debug;
    pthread_mutex_init(&peer->lock, NULL);
    if (pipe2(peer->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        free(peer);
        return NULL;
    }
    pri_set_message(debug ? stderr_messages : no_messages);
    pri_set_error(debug ? stderr_messages : no_messages);
    peer->pri = pri_new_bri_cb(fd, 1, PRI_NETWORK, PRI_SWITCH_EUROISDN_E1, peer_read, peer_write, peer);
    if (!peer->pri) {
        close(peer->wake[0]);
        close(peer->wake[1]);
        free(peer);
        return NULL;
    }
    /* Report CONNECT ACKNOWLEDGE (PRI_EVENT_CONNECT_ACK) when we answered a call. */
    pri_connect_ack_enable(peer->pri, 1);
    if (debug) pri_set_debug(peer->pri, PRI_DEBUG_Q921_RAW | PRI_DEBUG_Q921_STATE | PRI_DEBUG_Q931_DUMP | PRI_DEBUG_Q931_STATE);
    if (pthread_create(&peer->thread, NULL, peer_thread, peer) != 0) {
        close(peer->wake[0]);
        close(peer->wake[1]);
        free(peer);
        return NULL;
    }
    return peer;
}

int libpri_peer_command(libpri_peer *peer, const char *command) {
    pthread_mutex_lock(&peer->lock);
    int result = peer->stopping ? -1 : queue_push(&peer->commands, command);
    pthread_mutex_unlock(&peer->lock);
    if (result == 0) (void)!write(peer->wake[1], "c", 1);
    return result;
}

int libpri_peer_next_event(libpri_peer *peer, char *buffer, int length) {
    pthread_mutex_lock(&peer->lock);
    int result = queue_pop(&peer->events, buffer, length);
    pthread_mutex_unlock(&peer->lock);
    return result;
}

void libpri_peer_stop(libpri_peer *peer) {
    if (!peer) return;
    pthread_mutex_lock(&peer->lock);
    peer->stopping = 1;
    pthread_mutex_unlock(&peer->lock);
    (void)!write(peer->wake[1], "s", 1);
    pthread_join(peer->thread, NULL);
    close(peer->fd);
    close(peer->wake[0]);
    close(peer->wake[1]);
    pthread_mutex_destroy(&peer->lock);
    /* libpri 1.6 has no pri_destroy in its public header on every build: the struct pri is
     * leaked deliberately (a few kB per test). */
    free(peer);
}
