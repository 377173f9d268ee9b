#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "netmgr_client.h"
#include "netmgr_client_internal.h"

int netmgr_internal_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

void netmgr_internal_eventfd_signal(int fd) {
    uint64_t one = 1;
    while (write(fd, &one, sizeof one) < 0 && errno == EINTR) {}
}

void netmgr_internal_eventfd_drain(int fd) {
    uint64_t value;
    while (read(fd, &value, sizeof value) < 0 && errno == EINTR) {}
}

// Per thread, like errno: a fixed buffer, so a thread that ends leaks nothing.
static __thread char last_error[1024];

void netmgr_internal_set_last_error(const char *message) {
    if (message == NULL) message = "";
    size_t length = strlen(message);
    if (length >= sizeof last_error) {
        length = sizeof last_error - 1;
        // Not in the middle of a UTF-8 sequence.
        while (length > 0 && ((unsigned char)message[length] & 0xC0) == 0x80) length--;
    }
    memcpy(last_error, message, length);
    last_error[length] = '\0';
}

const char *netmgr_last_error_message(void) { return last_error; }
