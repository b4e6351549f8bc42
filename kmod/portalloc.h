/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Public port allocator for SNAT: one per (EIP, protocol).
 *
 * A public port is reused toward different destinations: the session table
 * guarantees that full 5-tuples are unique, so this allocator only counts
 * how many sessions hold each port (cnt) and keeps the ports that no session
 * holds on an indexed free list.  Allocation, in order:
 *
 *  (a) each caller hint in order (the private endpoint's existing mapping,
 *      then the private source port), if in range, not reserved, not
 *      saturated and taken() says the 5-tuple is free (RFC 4787 REQ-1: keep
 *      the mapping; keep the source port when possible);
 *  (b) a uniformly random port of the free list (RFC 6056), without asking
 *      taken(): a port no session holds is free toward every destination;
 *  (c) only when the free list is empty, i.e. every port already carries a
 *      session to some destination: ports from a random start, asking
 *      taken() at most NATGW_PORTALLOC_PROBES times.
 *
 * Why this and not nf_nat's random probing: toward one destination, a free
 * port exists exactly when the free list is not empty, so (b) finds one at
 * any occupancy in O(1), whereas probing fails more and more often as the
 * range fills (nf_nat gives up after 248 probes and fails 13% of the time
 * at 99% occupancy).  Step (c) skips reserved and saturated ports without a
 * probe, so it is exhaustive when at most NATGW_PORTALLOC_PROBES ports are
 * left: a failure on a small range really means that no port is free toward
 * that destination.  On a larger range (c) is only reached once the EIP
 * carries at least one session on every port; it then fails for a
 * destination that holds k of the N ports with probability about
 * (k/N)^NATGW_PORTALLOC_PROBES, since (b) spreads sessions uniformly:
 * 1.4e-6 at k/N = 0.9, 0.0014 at 0.95, 0.28 at 0.99 (with 64 probes: 0.0012,
 * 0.038, 0.53).  128 probes bound a failure's cost to about half of nf_nat's.
 *
 * The caller's side of the contract: every session that uses a port of the
 * range on this EIP and protocol holds one count on it (from alloc or get)
 * until it ends (put); otherwise (b) could hand out a port in use.
 *
 * Reserved ports (DNAT public ports, "port-override") are never handed out;
 * a reserved port whose count drops to 0 stays off the free list until it is
 * unreserved.  Reservations do not nest: the caller never reserves
 * overlapping ranges twice (overlapping DNAT public ranges are refused).
 *
 * A port whose count reached U16_MAX is saturated: it is unavailable until
 * a session on it ends, so counts never overflow.
 *
 * Invariants, for every offset i = port - lo in [0, N), N = hi - lo + 1,
 * all under @lock:
 *  - slot[i].pos != NATGW_PORTALLOC_UNLISTED  <=>  slot[i].cnt == 0 and i is
 *    not reserved;
 *  - then slot[i].pos < nfree and free[slot[i].pos] == i;
 *  - free[0..nfree) are the listed offsets, each once, in no useful order;
 *  - nfree is the number of listed offsets.
 *
 * Memory: 6 bytes and 1 bit per port (cnt and pos share a 4-byte slot so
 * that the hot paths touch one cache line per port, free[] takes 2, the
 * reserved bitmap 1 bit): per EIP and protocol, 395,130 bytes for the
 * default range 1025-65535 and 401,402 (392 KiB) for 1-65535; 22.6 MiB for a
 * gateway with 20 EIPs and three protocols at the default range.
 *
 * Locking: one spinlock per allocator, taken with spin_lock_bh, so callers
 * may be in softirq or process context.  taken() runs under it: it must not
 * sleep and must not call back into the allocator.
 *
 * taken() can only see sessions already in the session table.  Two CPUs
 * allocating at once for the same remote endpoint may therefore get the same
 * port (from a hint or from (c)), so the session insert must check the
 * 5-tuple again under its bucket lock and, on a clash, put() the port and
 * allocate again (or drop the packet).
 */
#ifndef _NATGW_PORTALLOC_H
#define _NATGW_PORTALLOC_H

#include <linux/limits.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/* Upper bound on taken() calls in step (c) of one allocation */
#define NATGW_PORTALLOC_PROBES		128

/* slot.pos of a port that is not on the free list */
#define NATGW_PORTALLOC_UNLISTED	U16_MAX

/**
 * struct natgw_portalloc_slot - state of one port
 * @cnt: number of sessions holding the port (U16_MAX: saturated).
 * @pos: index of the port in free[], or %NATGW_PORTALLOC_UNLISTED.
 */
struct natgw_portalloc_slot {
	u16 cnt;
	u16 pos;
};

/**
 * struct natgw_portalloc - port allocator of one EIP and protocol
 * @lock: protects everything below; taken with spin_lock_bh.
 * @lo: first port of the range (at least 1).
 * @hi: last port of the range.
 * @nfree: number of ports on the free list; read locklessly by
 *	natgw_portalloc_free_count().
 * @slot: per-port count and free-list index, N entries.
 * @free: port offsets (port - lo) of the free list, N entries.
 * @reserved: bitmap of reserved offsets, N bits.
 *
 * @slot, @free and @reserved share one kvmalloc() allocation.
 */
struct natgw_portalloc {
	spinlock_t lock;	/* protects the fields below; softirq-safe */
	u16 lo, hi;
	u32 nfree;
	struct natgw_portalloc_slot *slot;
	u16 *free;
	unsigned long *reserved;
};

int natgw_portalloc_init(struct natgw_portalloc *pa, u16 lo, u16 hi);
void natgw_portalloc_uninit(struct natgw_portalloc *pa);
u16 natgw_portalloc_alloc(struct natgw_portalloc *pa, const u16 *hints,
			  unsigned int nhints,
			  bool (*taken)(const void *ctx, u16 port),
			  const void *ctx, u32 rnd);
bool natgw_portalloc_get(struct natgw_portalloc *pa, u16 port);
void natgw_portalloc_put(struct natgw_portalloc *pa, u16 port);
u32 natgw_portalloc_reserve(struct natgw_portalloc *pa, u16 lo, u16 hi);
void natgw_portalloc_unreserve(struct natgw_portalloc *pa, u16 lo, u16 hi);
u32 natgw_portalloc_free_count(const struct natgw_portalloc *pa);

#endif /* _NATGW_PORTALLOC_H */
