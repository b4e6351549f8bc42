/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allocation through kshim.c, which can fail on demand (kshim_fail_alloc)
 * and treats a sleeping allocation under a spinlock as a bug.
 */
#ifndef _KSHIM_LINUX_SLAB_H
#define _KSHIM_LINUX_SLAB_H

#include <linux/types.h>

#define __GFP_ZERO	0x100u
#define __GFP_DIRECT_RECLAIM 0x400u	/* may sleep */
#define GFP_ATOMIC	0x20u
#define GFP_KERNEL	(0x10u | __GFP_DIRECT_RECLAIM)
#define __GFP_ACCOUNT	0x400000u	/* charge the caller's memory cgroup */
#define GFP_KERNEL_ACCOUNT (GFP_KERNEL | __GFP_ACCOUNT)

void *kshim_alloc(size_t size, gfp_t gfp);
void kshim_free(const void *p);

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	return kshim_alloc(size, gfp);
}

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	return kshim_alloc(size, gfp | __GFP_ZERO);
}

static inline void kfree(const void *p)
{
	kshim_free(p);
}

static inline void *kvmalloc(size_t size, gfp_t gfp)
{
	return kshim_alloc(size, gfp);
}

static inline void *kvzalloc(size_t size, gfp_t gfp)
{
	return kshim_alloc(size, gfp | __GFP_ZERO);
}

static inline void kvfree(const void *p)
{
	kshim_free(p);
}

#endif /* _KSHIM_LINUX_SLAB_H */
