/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Longest-prefix match over the SNAT source CIDRs of one gateway.
 *
 * A table is an immutable snapshot: built in process context from the
 * gateway's entries, published by the caller with rcu_assign_pointer(),
 * read under rcu_read_lock() and freed with kfree_rcu(t, rcu) after it has
 * been replaced.  Readers take no lock and never see a half-built table.
 *
 * Layout: the entries are sorted by prefix length, longest first, then by
 * address, and the runs of equal length are the table's levels (at most
 * 33).  A lookup masks the address for each level in turn and
 * binary-searches that level's run; the first hit is the longest match.
 * The cost is O(L log n) for L distinct prefix lengths, and a gateway has
 * few: the VPC CIDR, its vSwitches' /24s or so, some /32s.  The result is
 * exact for any set of prefixes, /0 and /32 included.
 */
#ifndef _NATGW_PREFIX_H
#define _NATGW_PREFIX_H

#include <linux/types.h>

/**
 * struct natgw_prefix - one prefix given to natgw_prefix_build()
 * @addr: network address; host bits are ignored.
 * @plen: prefix length, 0 to 32.
 * @data: what a lookup that matches this prefix returns.
 */
struct natgw_prefix {
	__be32 addr;
	u8 plen;
	void *data;
};

/* An entry of a table: @addr in host order, host bits cleared */
struct natgw_prefix_entry {
	u32 addr;
	u8 plen;
	void *data;
};

/* The entries entry[first..first + count) all have the same @mask */
struct natgw_prefix_level {
	u32 mask;
	u32 first;
	u32 count;
};

/**
 * struct natgw_prefix_table - immutable longest-prefix-match table
 * @rcu: for kfree_rcu().
 * @nlevels: number of @level in use, longest prefix first.
 * @n: number of @entry.
 * @level: the runs of @entry with one prefix length.
 * @entry: sorted by prefix length descending, then by address.
 */
struct natgw_prefix_table {
	struct rcu_head rcu;
	u32 nlevels;
	u32 n;
	struct natgw_prefix_level level[33];
	struct natgw_prefix_entry entry[];
};

struct natgw_prefix_table *natgw_prefix_build(const struct natgw_prefix *p,
					      unsigned int n, gfp_t gfp);
void *natgw_prefix_lookup(const struct natgw_prefix_table *t, __be32 addr);
void natgw_prefix_free(struct natgw_prefix_table *t);

#endif /* _NATGW_PREFIX_H */
