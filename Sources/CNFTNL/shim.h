// CNFTNL: libnftnl plus the nf_tables UAPI headers routed's nftables builder needs.
// The glibc headers come first and linux/if.h is never included (see NOTES-linux.md);
// libmnl comes from CMNL, which this module includes the same way.
#ifndef ROUTED_CNFTNL_SHIM_H
#define ROUTED_CNFTNL_SHIM_H
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/common.h>
#include <libnftnl/batch.h>
#include <libnftnl/table.h>
#include <libnftnl/chain.h>
#include <libnftnl/set.h>
#include <libnftnl/rule.h>
#include <libnftnl/expr.h>
#include <libnftnl/udata.h>
#endif
