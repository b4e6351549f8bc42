/* SPDX-License-Identifier: GPL-2.0 */
/* Saturating size helpers: an overflow gives SIZE_MAX, never granted */
#ifndef _KSHIM_LINUX_OVERFLOW_H
#define _KSHIM_LINUX_OVERFLOW_H

#include <stdint.h>
#include <linux/types.h>

static inline size_t kshim_size_mul(size_t a, size_t b)
{
	size_t r;

	return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}

static inline size_t kshim_size_add(size_t a, size_t b)
{
	size_t r;

	return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}

#define array_size(a, b)	kshim_size_mul(a, b)
#define struct_size(p, member, count)					\
	kshim_size_add(sizeof(*(p)),					\
		       kshim_size_mul(count, sizeof(*(p)->member)))

#endif /* _KSHIM_LINUX_OVERFLOW_H */
