/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Version shims.  natgw targets Linux 6.1 LTS; everything that differs on
 * other kernels is kept here so that the rest of the module reads as
 * current upstream code.
 */
#ifndef _NATGW_COMPAT_H
#define _NATGW_COMPAT_H

#include <linux/version.h>
#include <linux/netlink.h>
#include <net/genetlink.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "natgw needs Linux 6.1 or newer"
#endif

/*
 * extack messages: NL_SET_ERR_MSG_FMT_MOD() only exists from 6.2 on, and on
 * 6.1 an extack message must be a string with static storage.  natgw
 * therefore uses fixed messages everywhere and points at the attribute at
 * fault with NL_SET_ERR_MSG_ATTR(); natctl names the word that carried it.
 */

/*
 * The natlog multicast group needs CAP_NET_ADMIN (in the namespace's user
 * namespace) to join.  GENL_MCAST_CAP_NET_ADMIN came upstream at the end
 * of 2023 and was backported to 6.1.y (Debian 12's kernel has it); 6.1's
 * genl_family has no mcast_bind to do the check by hand, and without it
 * anyone could read every flow.  Refuse to build rather than leak.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#error "natgw needs GENL_MCAST_CAP_NET_ADMIN (Linux 6.1.y with the genetlink multicast permission backport)"
#endif

#endif /* _NATGW_COMPAT_H */
