// CNetlinkShim: the few things Swift cannot import from glibc/libmnl directly
// (functions behind _GNU_SOURCE and expression macros). Only stdint here, so this
// module never competes with CMNL for the ownership of kernel types.
#ifndef ROUTED_CNETLINKSHIM_H
#define ROUTED_CNETLINKSHIM_H
#include <stdint.h>

/// setns(fd, CLONE_NEWNET) on the calling thread only. Returns 0 or -1 with errno set.
int routed_setns_net(int fd);
/// unshare(CLONE_NEWNET) on the calling thread only. Returns 0 or -1 with errno set.
int routed_unshare_net(void);
/// The kernel thread id (gettid) of the calling thread.
int routed_gettid(void);
/// libmnl's MNL_SOCKET_BUFFER_SIZE (an expression macro: min(page size, 8192)).
long routed_mnl_socket_buffer_size(void);
/// NLA_TYPE_MASK: attribute type bits without NLA_F_NESTED / NLA_F_NET_BYTEORDER.
uint16_t routed_nla_type_mask(void);
#endif
