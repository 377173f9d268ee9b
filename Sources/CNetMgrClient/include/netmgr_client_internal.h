// Not installed: helpers the Swift side of libnetmgrclient uses (hidden from the .so's exports).
#ifndef NETMGR_CLIENT_INTERNAL_H
#define NETMGR_CLIENT_INTERNAL_H
#include <stdint.h>

// A non-blocking, close-on-exec eventfd (counter 0); -1 with errno on failure.
__attribute__((visibility("hidden"))) int netmgr_internal_eventfd(void);
// Adds 1 to the eventfd's counter (it becomes readable).
__attribute__((visibility("hidden"))) void netmgr_internal_eventfd_signal(int fd);
// Resets the counter to 0 (it stops being readable).
__attribute__((visibility("hidden"))) void netmgr_internal_eventfd_drain(int fd);
// Sets the calling thread's message for netmgr_last_error_message (truncated to 1,023 bytes).
__attribute__((visibility("hidden"))) void netmgr_internal_set_last_error(const char *message);

#endif
