// SPDX-License-Identifier: GPL-2.0
/*
 * Longest-prefix match over the SNAT source CIDRs of one gateway; the
 * layout is described in prefix.h.
 */

#include <asm/byteorder.h>
#include <linux/bug.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/types.h>

#include "prefix.h"

static u32 plen_mask(u8 plen)
{
	return plen ? ~0U << (32 - plen) : 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct natgw_prefix_entry *x = a, *y = b;

	if (x->plen != y->plen)
		return x->plen > y->plen ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

/**
 * natgw_prefix_build() - build a table from a set of prefixes
 * @p: the prefixes; none may repeat another's address and length, which
 *	the caller refuses beforehand.
 * @n: number of @p; may be 0 (every lookup misses).
 * @gfp: allocation flags.
 *
 * Return: the table, or NULL if memory ran out or a prefix length exceeds
 * 32 (a caller bug).
 */
struct natgw_prefix_table *natgw_prefix_build(const struct natgw_prefix *p,
					      unsigned int n, gfp_t gfp)
{
	struct natgw_prefix_level *l = NULL;
	struct natgw_prefix_table *t;
	unsigned int i;

	t = kzalloc(struct_size(t, entry, n), gfp);
	if (!t)
		return NULL;
	for (i = 0; i < n; i++) {
		if (WARN_ON_ONCE(p[i].plen > 32)) {
			kfree(t);
			return NULL;
		}
		t->entry[i].plen = p[i].plen;
		t->entry[i].addr = be32_to_cpu(p[i].addr) & plen_mask(p[i].plen);
		t->entry[i].data = p[i].data;
	}
	t->n = n;
	sort(t->entry, n, sizeof(t->entry[0]), entry_cmp, NULL);

	/* The sort made each length one run: one level per run */
	for (i = 0; i < n; i++) {
		if (!i || t->entry[i].plen != t->entry[i - 1].plen) {
			l = &t->level[t->nlevels++];
			l->mask = plen_mask(t->entry[i].plen);
			l->first = i;
		}
		l->count++;
	}
	return t;
}

/* Binary search of one level for the masked address @key */
static const struct natgw_prefix_entry *
level_find(const struct natgw_prefix_table *t,
	   const struct natgw_prefix_level *l, u32 key)
{
	const struct natgw_prefix_entry *e = t->entry + l->first;
	u32 lo = 0, hi = l->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (e[mid].addr == key)
			return &e[mid];
		if (e[mid].addr < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/**
 * natgw_prefix_lookup() - longest-prefix match
 * @t: the table, or NULL (no prefix).
 * @addr: the address to look up.
 *
 * Context: under rcu_read_lock() (or holding the only reference to @t).
 * Return: the data of the longest prefix that covers @addr, or NULL.
 */
void *natgw_prefix_lookup(const struct natgw_prefix_table *t, __be32 addr)
{
	const struct natgw_prefix_entry *e;
	u32 a = be32_to_cpu(addr);
	u32 i;

	if (!t)
		return NULL;
	for (i = 0; i < t->nlevels; i++) {
		e = level_find(t, &t->level[i], a & t->level[i].mask);
		if (e)
			return e->data;
	}
	return NULL;
}

/**
 * natgw_prefix_free() - free a table no reader can see any more
 * @t: the table, or NULL.
 *
 * A table that readers may still hold is freed with kfree_rcu(t, rcu).
 */
void natgw_prefix_free(struct natgw_prefix_table *t)
{
	kfree(t);
}
