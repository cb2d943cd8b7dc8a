// CMNL: libmnl plus the rtnetlink UAPI headers routed's Netlink target needs.
// The glibc headers come first and linux/if.h is never included: otherwise in_addr,
// ifreq and friends are defined twice across Clang modules (see NOTES-linux.md).
#ifndef ROUTED_CMNL_SHIM_H
#define ROUTED_CMNL_SHIM_H
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include <linux/neighbour.h>
#include <linux/if_addr.h>
#endif
