/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KSHIM_LINUX_MATH_H
#define _KSHIM_LINUX_MATH_H

#include <linux/types.h>

/* Scale a 32-bit value to [0, ep_ro) with a multiply, as the kernel does */
static inline u32 reciprocal_scale(u32 val, u32 ep_ro)
{
	return (u32)(((u64)val * ep_ro) >> 32);
}

#endif /* _KSHIM_LINUX_MATH_H */
