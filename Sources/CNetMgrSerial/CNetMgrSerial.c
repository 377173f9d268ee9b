#define _GNU_SOURCE
#include "CNetMgrSerial.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

const int NM_SERIAL_DTR = TIOCM_DTR;
const int NM_SERIAL_RTS = TIOCM_RTS;
const int NM_SERIAL_CD = TIOCM_CD;
const int NM_SERIAL_CTS = TIOCM_CTS;
const int NM_SERIAL_DSR = TIOCM_DSR;

static speed_t speed_constant(int speed) {
    switch (speed) {
    case 50: return B50;
    case 75: return B75;
    case 110: return B110;
    case 134: return B134;
    case 150: return B150;
    case 200: return B200;
    case 300: return B300;
    case 600: return B600;
    case 1200: return B1200;
    case 1800: return B1800;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 500000: return B500000;
    case 576000: return B576000;
    case 921600: return B921600;
    case 1000000: return B1000000;
    case 1152000: return B1152000;
    case 1500000: return B1500000;
    case 2000000: return B2000000;
    case 2500000: return B2500000;
    case 3000000: return B3000000;
    case 3500000: return B3500000;
    case 4000000: return B4000000;
    default: return B0;
    }
}

int nm_serial_speed_supported(int speed) { return speed_constant(speed) != B0; }

int nm_serial_open_raw(const char *path, int speed, int rtscts) {
    speed_t constant = speed_constant(speed);
    if (constant == B0) return -EINVAL;
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct termios settings;
    if (tcgetattr(fd, &settings) != 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    cfmakeraw(&settings);
    settings.c_cflag |= CREAD | CLOCAL | HUPCL;
    if (rtscts) settings.c_cflag |= CRTSCTS; else settings.c_cflag &= ~CRTSCTS;
    settings.c_cc[VMIN] = 1;
    settings.c_cc[VTIME] = 0;
    if (cfsetispeed(&settings, constant) != 0 || cfsetospeed(&settings, constant) != 0
        || tcsetattr(fd, TCSANOW, &settings) != 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    tcflush(fd, TCIOFLUSH);
    return fd;
}

int nm_serial_modem_bits(int fd, int *bits) { return ioctl(fd, TIOCMGET, bits) == 0 ? 0 : -errno; }
int nm_serial_modem_set(int fd, int bits) { return ioctl(fd, TIOCMBIS, &bits) == 0 ? 0 : -errno; }
int nm_serial_modem_clear(int fd, int bits) { return ioctl(fd, TIOCMBIC, &bits) == 0 ? 0 : -errno; }

int nm_packet_open(const char *name, nm_packet_interface *info) {
    if (strlen(name) >= IFNAMSIZ) return -ENAMETOOLONG;
    // Protocol 0: nothing is queued until bind names the interface and the protocol.
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFINDEX, &request) != 0) goto fail;
    info->ifindex = request.ifr_ifindex;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFHWADDR, &request) != 0) goto fail;
    info->hardware_type = request.ifr_hwaddr.sa_family;
    memcpy(info->address, request.ifr_hwaddr.sa_data, 6);
    int one = 1;
    // Our own transmissions are not received back (Linux 4.20+; older kernels refuse it, and
    // then an Ethernet-type line would see its own frames: fail rather than echo).
    if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) != 0) goto fail;
    struct sockaddr_ll address;
    memset(&address, 0, sizeof address);
    address.sll_family = AF_PACKET;
    address.sll_ifindex = info->ifindex;
    // Every protocol, also on Ethernet: a type field below 0x0600 (ETH_P_HDLC is 0x0019) is an
    // 802.3 length to the kernel, which then files the frame as ETH_P_802_2, so binding to
    // 0x0019 would receive nothing. The caller picks its frames by the header.
    address.sll_protocol = htons(ETH_P_ALL);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0) goto fail;
    return fd;
fail:;
    int error = errno;
    close(fd);
    return -error;
}
