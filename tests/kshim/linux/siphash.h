/* SPDX-License-Identifier: GPL-2.0 */
/* The key type, for headers that embed one (no hashing) */
#ifndef _KSHIM_LINUX_SIPHASH_H
#define _KSHIM_LINUX_SIPHASH_H

#include <linux/types.h>

typedef struct {
	u64 key[2];
} siphash_key_t;

#endif /* _KSHIM_LINUX_SIPHASH_H */
