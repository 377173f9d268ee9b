// Non-variadic wrappers for the serial-port and packet-socket calls Swift cannot make
// directly (ioctl is variadic) or that need kernel headers Glibc does not show to Swift.
// Every function returns 0 (or a descriptor) on success and -errno on failure.
#ifndef CNETMGRSERIAL_H
#define CNETMGRSERIAL_H

#include <stdint.h>

/// Modem-line bits (TIOCM_*), for nm_serial_modem_bits / set / clear.
extern const int NM_SERIAL_DTR;
extern const int NM_SERIAL_RTS;
extern const int NM_SERIAL_CD;
extern const int NM_SERIAL_CTS;
extern const int NM_SERIAL_DSR;

/// Whether `speed` (bits per second) is one of the termios speeds (B50 ... B4000000).
int nm_serial_speed_supported(int speed);

/// Opens `path` O_RDWR|O_NOCTTY|O_NONBLOCK|O_CLOEXEC and puts it in raw mode (cfmakeraw):
/// 8 data bits, no parity, the given speed both ways, CREAD, CLOCAL (modem status lines are
/// read by the caller, so that a carrier drop never hangs the descriptor up), HUPCL (closing
/// drops DTR), CRTSCTS when `rtscts` is nonzero. Returns the descriptor or -errno.
int nm_serial_open_raw(const char *path, int speed, int rtscts);

/// TIOCMGET into *bits.
int nm_serial_modem_bits(int fd, int *bits);
/// TIOCMBIS (set) the given bits.
int nm_serial_modem_set(int fd, int bits);
/// TIOCMBIC (clear) the given bits.
int nm_serial_modem_clear(int fd, int bits);

/// What nm_packet_open found out about the interface.
typedef struct {
    int ifindex;
    /// ARPHRD_* of the interface (1 Ethernet, 513 HDLC, 518 raw HDLC, ...).
    int hardware_type;
    uint8_t address[6];
} nm_packet_interface;

/// Opens an AF_PACKET/SOCK_RAW socket bound to interface `name`, non-blocking and close-on-exec,
/// bound to every protocol (ETH_P_ALL) with PACKET_IGNORE_OUTGOING set (its own frames are
/// not read back). Fills *info. Returns the descriptor or -errno.
int nm_packet_open(const char *name, nm_packet_interface *info);

#endif
