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

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "natgw needs Linux 6.1 or newer"
#endif

/*
 * extack messages: NL_SET_ERR_MSG_FMT_MOD() only exists from 6.2 on, and on
 * 6.1 an extack message must be a string with static storage.  natgw
 * therefore uses fixed messages everywhere and points at the attribute at
 * fault with NL_SET_ERR_MSG_ATTR(); natctl names the word that carried it.
 */

#endif /* _NATGW_COMPAT_H */
