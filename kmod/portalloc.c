// SPDX-License-Identifier: GPL-2.0
/*
 * Public port allocator for SNAT; the design and its invariants are in
 * portalloc.h.
 */

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/types.h>

#include "portalloc.h"

static u32 nports(const struct natgw_portalloc *pa)
{
	return (u32)pa->hi - pa->lo + 1;
}

/* Put offset @off, which has no session and is not reserved, on the list */
static void free_list_add(struct natgw_portalloc *pa, u32 off)
{
	pa->slot[off].pos = pa->nfree;
	pa->free[pa->nfree] = off;
	WRITE_ONCE(pa->nfree, pa->nfree + 1);
}

/* Take @off off the list: the last entry moves into its place */
static void free_list_del(struct natgw_portalloc *pa, u32 off)
{
	u32 idx = pa->slot[off].pos;
	u32 last = pa->free[pa->nfree - 1];

	pa->free[idx] = last;
	pa->slot[last].pos = idx;
	pa->slot[off].pos = NATGW_PORTALLOC_UNLISTED;
	WRITE_ONCE(pa->nfree, pa->nfree - 1);
}

static bool usable(const struct natgw_portalloc *pa, u32 off)
{
	return pa->slot[off].cnt != U16_MAX && !test_bit(off, pa->reserved);
}

/* Take one count on a usable offset */
static void take(struct natgw_portalloc *pa, u32 off)
{
	if (!pa->slot[off].cnt++)
		free_list_del(pa, off);
}

/**
 * natgw_portalloc_init() - set up an allocator with every port free
 * @pa: the allocator.
 * @lo: first port, at least 1.
 * @hi: last port, at least @lo.
 *
 * Context: process; allocates with GFP_KERNEL_ACCOUNT (charged to the
 * memory cgroup of the caller, who adds the EIP).
 * Return: 0, -EINVAL for a bad range or -ENOMEM.
 */
int natgw_portalloc_init(struct natgw_portalloc *pa, u16 lo, u16 hi)
{
	size_t bmap, slots;
	u32 n, i;

	if (!lo || lo > hi)
		return -EINVAL;
	pa->lo = lo;
	pa->hi = hi;
	n = nports(pa);

	/* One allocation, laid out as bitmap, slots, free list */
	bmap = BITS_TO_LONGS(n) * sizeof(unsigned long);
	slots = n * sizeof(*pa->slot);
	/*
	 * Not zeroed by the allocator: every byte is written below, once.
	 * An EIP has three allocators of up to 384 KiB, and zeroing them
	 * first was most of the time it took to add an EIP.
	 */
	pa->reserved = kvmalloc(bmap + slots + n * sizeof(*pa->free),
				GFP_KERNEL_ACCOUNT);
	if (!pa->reserved)
		return -ENOMEM;
	pa->slot = (void *)pa->reserved + bmap;
	pa->free = (void *)pa->slot + slots;

	memset(pa->reserved, 0, bmap);
	for (i = 0; i < n; i++) {
		pa->slot[i].cnt = 0;
		pa->slot[i].pos = i;
		pa->free[i] = i;
	}
	pa->nfree = n;
	spin_lock_init(&pa->lock);
	return 0;
}

/**
 * natgw_portalloc_uninit() - free an allocator's memory
 * @pa: the allocator, which nobody may use any more; counts still held are
 *	forgotten.
 */
void natgw_portalloc_uninit(struct natgw_portalloc *pa)
{
	kvfree(pa->reserved);
	pa->reserved = NULL;
	pa->slot = NULL;
	pa->free = NULL;
	pa->nfree = 0;
}

/*
 * Step (c): visit offsets from @start, wrapping around, until taken() has
 * been asked NATGW_PORTALLOC_PROBES times or every offset has been visited
 * once (@seen counts them).  Reserved runs are skipped a bitmap word at a
 * time and cost no probe, nor do saturated ports.  Returns the offset found
 * or N.
 */
static u32 probe(struct natgw_portalloc *pa,
		 bool (*taken)(const void *ctx, u16 port), const void *ctx,
		 u32 start)
{
	u32 n = nports(pa), seen = 0, off = start, next;
	unsigned int budget = NATGW_PORTALLOC_PROBES;

	while (seen < n && budget) {
		if (test_bit(off, pa->reserved)) {
			next = find_next_zero_bit(pa->reserved, n, off);
			seen += next - off;
			off = next == n ? 0 : next;
			continue;
		}
		seen++;
		if (pa->slot[off].cnt != U16_MAX) {
			budget--;
			if (!taken(ctx, pa->lo + off))
				return off;
		}
		if (++off == n)
			off = 0;
	}
	return n;
}

/*
 * A hint is worth a taken() call only if some session already holds it:
 * a port with no session is free toward every destination.
 */
static bool hint_ok(struct natgw_portalloc *pa, u16 port,
		    bool (*taken)(const void *ctx, u16 port), const void *ctx)
{
	u32 off = port - pa->lo;

	if (port < pa->lo || port > pa->hi || !usable(pa, off))
		return false;
	return !pa->slot[off].cnt || !taken(ctx, port);
}

/**
 * natgw_portalloc_alloc() - choose a public port for a new session
 * @pa: the allocator of the session's EIP and protocol.
 * @hints: ports to try first, in order; may be NULL if @nhints is 0.
 * @nhints: number of @hints.
 * @taken: whether a session toward the new session's remote endpoint
 *	already uses @port on this EIP and protocol; called under the
 *	allocator's spinlock, must not sleep.
 * @ctx: passed to @taken.
 * @rnd: a fresh random value (get_random_u32()).
 *
 * Context: any; takes the allocator's lock with spin_lock_bh.  At most
 * @nhints + NATGW_PORTALLOC_PROBES calls to @taken.
 * Return: the port, with one count taken on it, or 0 if none was found.
 */
u16 natgw_portalloc_alloc(struct natgw_portalloc *pa, const u16 *hints,
			  unsigned int nhints,
			  bool (*taken)(const void *ctx, u16 port),
			  const void *ctx, u32 rnd)
{
	u32 n = nports(pa), off;
	unsigned int i;

	spin_lock_bh(&pa->lock);
	for (i = 0; i < nhints; i++) {
		if (hint_ok(pa, hints[i], taken, ctx)) {
			off = hints[i] - pa->lo;
			goto found;
		}
	}
	if (pa->nfree) {
		off = pa->free[reciprocal_scale(rnd, pa->nfree)];
		goto found;
	}
	off = probe(pa, taken, ctx, reciprocal_scale(rnd, n));
	if (off == n) {
		spin_unlock_bh(&pa->lock);
		return 0;
	}
found:
	take(pa, off);
	spin_unlock_bh(&pa->lock);
	return pa->lo + off;
}

/**
 * natgw_portalloc_get() - take a count on a given port
 * @pa: the allocator.
 * @port: the port.
 *
 * Unlike alloc, does not ask whether the 5-tuple is free: the caller knows,
 * for instance because it re-takes a port its session already uses.
 *
 * Return: false if @port is out of range, reserved or saturated.
 */
bool natgw_portalloc_get(struct natgw_portalloc *pa, u16 port)
{
	u32 off = port - pa->lo;
	bool ok;

	if (port < pa->lo || port > pa->hi)
		return false;
	spin_lock_bh(&pa->lock);
	ok = usable(pa, off);
	if (ok)
		take(pa, off);
	spin_unlock_bh(&pa->lock);
	return ok;
}

/**
 * natgw_portalloc_put() - drop one count taken by alloc or get
 * @pa: the allocator.
 * @port: the port.
 *
 * The port returns to the free list when its last count goes, unless it is
 * reserved.
 */
void natgw_portalloc_put(struct natgw_portalloc *pa, u16 port)
{
	u32 off = port - pa->lo;

	if (WARN_ON_ONCE(port < pa->lo || port > pa->hi))
		return;
	spin_lock_bh(&pa->lock);
	if (!WARN_ON_ONCE(!pa->slot[off].cnt) && !--pa->slot[off].cnt &&
	    !test_bit(off, pa->reserved))
		free_list_add(pa, off);
	spin_unlock_bh(&pa->lock);
}

/* Clamp [*lo, *hi] to the allocator's range as offsets; false if empty */
static bool clamp_offsets(const struct natgw_portalloc *pa, u16 *lo, u16 *hi)
{
	if (*lo > *hi || *hi < pa->lo || *lo > pa->hi)
		return false;
	*lo = max(*lo, pa->lo) - pa->lo;
	*hi = min(*hi, pa->hi) - pa->lo;
	return true;
}

/**
 * natgw_portalloc_reserve() - take ports out of SNAT use
 * @pa: the allocator.
 * @lo: first port.
 * @hi: last port; the range is clamped to the allocator's.
 *
 * Sessions holding these ports keep their counts; the caller ends them.
 * Context: process; up to N iterations under the lock.
 * Return: how many of the ports some session holds (0: nothing to end).
 */
u32 natgw_portalloc_reserve(struct natgw_portalloc *pa, u16 lo, u16 hi)
{
	u32 off, held = 0;

	if (!clamp_offsets(pa, &lo, &hi))
		return 0;
	spin_lock_bh(&pa->lock);
	for (off = lo; off <= hi; off++) {
		if (pa->slot[off].cnt)
			held++;
		if (!__test_and_set_bit(off, pa->reserved) &&
		    !pa->slot[off].cnt)
			free_list_del(pa, off);
	}
	spin_unlock_bh(&pa->lock);
	return held;
}

/**
 * natgw_portalloc_unreserve() - give ports back to SNAT
 * @pa: the allocator.
 * @lo: first port.
 * @hi: last port; the range is clamped to the allocator's.
 *
 * Context: process; up to N iterations under the lock.
 */
void natgw_portalloc_unreserve(struct natgw_portalloc *pa, u16 lo, u16 hi)
{
	u32 off;

	if (!clamp_offsets(pa, &lo, &hi))
		return;
	spin_lock_bh(&pa->lock);
	for (off = lo; off <= hi; off++) {
		if (__test_and_clear_bit(off, pa->reserved) &&
		    !pa->slot[off].cnt)
			free_list_add(pa, off);
	}
	spin_unlock_bh(&pa->lock);
}

/**
 * natgw_portalloc_free_count() - number of ports on the free list
 * @pa: the allocator.
 *
 * Context: any; lockless, so the value may be stale once used.
 * Return: the number of ports that no session holds and that are not
 * reserved.
 */
u32 natgw_portalloc_free_count(const struct natgw_portalloc *pa)
{
	return READ_ONCE(pa->nfree);
}
