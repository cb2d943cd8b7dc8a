#define _GNU_SOURCE
#include <sched.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>
#include "CNetlinkShim.h"

int routed_setns_net(int fd) { return setns(fd, CLONE_NEWNET); }
int routed_unshare_net(void) { return unshare(CLONE_NEWNET); }
int routed_gettid(void) { return (int)syscall(SYS_gettid); }
long routed_mnl_socket_buffer_size(void) { return (long)MNL_SOCKET_BUFFER_SIZE; }
uint16_t routed_nla_type_mask(void) { return (uint16_t)NLA_TYPE_MASK; }
