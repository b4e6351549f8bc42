// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/portalloc.c, compiled unchanged against the kernel shim.
 *
 * The allocator is checked against naive_pa, a deliberately naive model that
 * keeps a session count per (destination, port) and answers every question
 * by looking at all ports.  After each step the allocator's internal state
 * (counts, free list, positions, reserved bitmap) must match the model, and
 * every answer must be one the model allows:
 *  - a port is never reserved, saturated or already used toward the
 *    destination it is handed out for;
 *  - the first acceptable hint is always the answer;
 *  - a port comes from the free list whenever the list is not empty;
 *  - an allocation fails only if the model has no port for that destination,
 *    whenever the free list is not empty or there are at most
 *    NATGW_PORTALLOC_PROBES candidate ports (exhaustive probing);
 *  - taken() runs under the lock, at most nhints + NATGW_PORTALLOC_PROBES
 *    times per allocation.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/limits.h>

#include "kshim.h"
#include "portalloc.h"
#include "unit.h"

#define GET_DEST	(-1)	/* pseudo destination of natgw_portalloc_get() */

struct naive_sess {
	u16 port;
	int dest;
};

struct naive_pa {
	u16 lo, hi;
	u32 n;
	int ndest;
	u32 *cnt;		/* [n]: sessions and gets holding each port */
	u32 *used;		/* [ndest * n]: sessions toward each destination */
	bool *reserved;		/* [n] */
	struct naive_sess *sess;
	u32 nsess, cap;
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	CHECK(p, "out of memory");
	return p;
}

static void naive_init(struct naive_pa *m, u16 lo, u16 hi, int ndest)
{
	m->lo = lo;
	m->hi = hi;
	m->n = (u32)hi - lo + 1;
	m->ndest = ndest;
	m->cnt = xcalloc(m->n, sizeof(*m->cnt));
	m->used = xcalloc((size_t)ndest * m->n, sizeof(*m->used));
	m->reserved = xcalloc(m->n, sizeof(*m->reserved));
	m->cap = 1024;
	m->sess = xcalloc(m->cap, sizeof(*m->sess));
	m->nsess = 0;
}

static void naive_uninit(struct naive_pa *m)
{
	free(m->cnt);
	free(m->used);
	free(m->reserved);
	free(m->sess);
}

static bool naive_in_range(const struct naive_pa *m, u16 port)
{
	return port >= m->lo && port <= m->hi;
}

static bool naive_candidate(const struct naive_pa *m, u32 off)
{
	return !m->reserved[off] && m->cnt[off] < U16_MAX;
}

static bool naive_free_for(const struct naive_pa *m, u16 port, int dest)
{
	u32 off = port - m->lo;

	return naive_in_range(m, port) && naive_candidate(m, off) &&
	       !m->used[(size_t)dest * m->n + off];
}

static bool naive_any_for(const struct naive_pa *m, int dest)
{
	u32 off;

	for (off = 0; off < m->n; off++)
		if (naive_free_for(m, m->lo + off, dest))
			return true;
	return false;
}

static u32 naive_ncandidates(const struct naive_pa *m)
{
	u32 off, k = 0;

	for (off = 0; off < m->n; off++)
		k += naive_candidate(m, off);
	return k;
}

static u32 naive_nlisted(const struct naive_pa *m)
{
	u32 off, k = 0;

	for (off = 0; off < m->n; off++)
		k += !m->cnt[off] && !m->reserved[off];
	return k;
}

static void naive_add(struct naive_pa *m, u16 port, int dest)
{
	u32 off = port - m->lo;

	if (m->nsess == m->cap) {
		m->cap *= 2;
		m->sess = realloc(m->sess, m->cap * sizeof(*m->sess));
		CHECK(m->sess, "out of memory");
	}
	m->sess[m->nsess++] = (struct naive_sess){ port, dest };
	m->cnt[off]++;
	if (dest != GET_DEST)
		m->used[(size_t)dest * m->n + off]++;
}

/* End session @i: the allocator's put and the model's */
static void naive_put(struct natgw_portalloc *pa, struct naive_pa *m, u32 i)
{
	struct naive_sess s = m->sess[i];
	u32 off = s.port - m->lo;

	natgw_portalloc_put(pa, s.port);
	CHECK(!kshim_locks_held, "put returned with the lock held");
	m->sess[i] = m->sess[--m->nsess];
	m->cnt[off]--;
	if (s.dest != GET_DEST)
		m->used[(size_t)s.dest * m->n + off]--;
}

static void naive_put_all(struct natgw_portalloc *pa, struct naive_pa *m)
{
	while (m->nsess)
		naive_put(pa, m, m->nsess - 1);
}

/* The allocator's invariants, on its own (see portalloc.h) */
static void check_struct(const struct natgw_portalloc *pa)
{
	u32 n = (u32)pa->hi - pa->lo + 1, off, listed = 0;

	for (off = 0; off < n; off++) {
		const struct natgw_portalloc_slot *s = &pa->slot[off];
		bool resv = test_bit(off, pa->reserved);

		if (s->pos == NATGW_PORTALLOC_UNLISTED) {
			CHECK(s->cnt || resv,
			      "port %u: count 0, unreserved, not listed",
			      pa->lo + off);
			continue;
		}
		CHECK(!s->cnt && !resv, "port %u listed with count %u%s",
		      pa->lo + off, s->cnt, resv ? ", reserved" : "");
		CHECK(s->pos < pa->nfree, "port %u at %u past nfree %u",
		      pa->lo + off, s->pos, pa->nfree);
		CHECK(pa->free[s->pos] == off, "free[%u] is %u, not %u",
		      s->pos, pa->free[s->pos], off);
		listed++;
	}
	CHECK(listed == pa->nfree, "%u listed, nfree %u", listed, pa->nfree);
	CHECK(natgw_portalloc_free_count(pa) == pa->nfree, "free_count");
}

/* The invariants, and the allocator's state against the model's */
static void check_model(const struct natgw_portalloc *pa,
			const struct naive_pa *m)
{
	u32 off;

	check_struct(pa);
	for (off = 0; off < m->n; off++) {
		CHECK(pa->slot[off].cnt == m->cnt[off],
		      "port %u: count %u, model %u", m->lo + off,
		      pa->slot[off].cnt, m->cnt[off]);
		CHECK(test_bit(off, pa->reserved) == m->reserved[off],
		      "port %u: reserved %d, model %d", m->lo + off,
		      test_bit(off, pa->reserved), m->reserved[off]);
	}
}

struct taken_ctx {
	const struct naive_pa *m;
	const struct natgw_portalloc *pa;
	int dest;
	unsigned int calls;
};

static bool naive_taken(const void *ctx, u16 port)
{
	struct taken_ctx *c = (struct taken_ctx *)ctx;

	CHECK(c->pa->lock.held, "taken() called without the lock");
	CHECK(naive_in_range(c->m, port), "taken(%u) out of range", port);
	c->calls++;
	return c->m->used[(size_t)c->dest * c->m->n + port - c->m->lo];
}

/*
 * Allocate toward @dest and check the answer against the model (see the top
 * of this file); the model records the new session.  @calls returns the
 * number of taken() calls if not NULL.
 */
static u16 model_alloc(struct natgw_portalloc *pa, struct naive_pa *m,
		       uint64_t *rng, int dest, const u16 *hints,
		       unsigned int nhints, unsigned int *calls)
{
	struct taken_ctx c = { .m = m, .pa = pa, .dest = dest };
	u32 nlisted = pa->nfree;
	int want = -1;
	unsigned int i;
	u16 port;

	for (i = 0; i < nhints && want < 0; i++)
		if (naive_free_for(m, hints[i], dest))
			want = hints[i];
	port = natgw_portalloc_alloc(pa, hints, nhints, naive_taken, &c,
				     (u32)prng_next(rng));
	CHECK(!kshim_locks_held, "alloc returned with the lock held");
	CHECK(c.calls <= nhints + NATGW_PORTALLOC_PROBES,
	      "%u taken() calls", c.calls);
	if (calls)
		*calls = c.calls;
	if (want >= 0)
		CHECK(port == want, "got %u, the hint %d was free", port, want);
	if (!port) {
		if (nlisted || naive_ncandidates(m) <= NATGW_PORTALLOC_PROBES)
			CHECK(!naive_any_for(m, dest),
			      "failed toward %d with a port free (nfree %u)",
			      dest, nlisted);
		return 0;
	}
	CHECK(naive_free_for(m, port, dest),
	      "port %u is not free toward %d (count %u, reserved %d)", port,
	      dest, naive_in_range(m, port) ? m->cnt[port - m->lo] : 0,
	      naive_in_range(m, port) ? m->reserved[port - m->lo] : -1);
	if (want < 0 && nlisted) {
		CHECK(!m->cnt[port - m->lo], "port %u not from the free list",
		      port);
		CHECK(c.calls <= nhints, "probed with a non-empty free list");
	}
	naive_add(m, port, dest);
	return port;
}

static void model_get(struct natgw_portalloc *pa, struct naive_pa *m,
		      u16 port)
{
	bool want = naive_in_range(m, port) &&
		    naive_candidate(m, port - m->lo);
	bool got = natgw_portalloc_get(pa, port);

	CHECK(!kshim_locks_held, "get returned with the lock held");
	CHECK(got == want, "get(%u) returned %d", port, got);
	if (got)
		naive_add(m, port, GET_DEST);
}

static void model_reserve(struct natgw_portalloc *pa, struct naive_pa *m,
			  u16 lo, u16 hi, bool reserve)
{
	u32 p, held = 0, got = 0;

	for (p = lo; p <= hi; p++)
		if (naive_in_range(m, p) && m->cnt[p - m->lo])
			held++;
	if (reserve)
		got = natgw_portalloc_reserve(pa, lo, hi);
	else
		natgw_portalloc_unreserve(pa, lo, hi);
	CHECK(!kshim_locks_held, "(un)reserve returned with the lock held");
	CHECK(!reserve || got == held,
	      "reserve %u-%u: %u ports held, the model has %u", lo, hi, got,
	      held);
	for (p = lo; p <= hi; p++)
		if (naive_in_range(m, p))
			m->reserved[p - m->lo] = reserve;
}

static u16 random_hint(const struct naive_pa *m, uint64_t *rng)
{
	const u16 edges[] = { m->lo, m->hi, m->lo - 1, m->hi + 1, 0, 65535 };
	u32 r = prng_below(rng, 100);

	if (r < 30 && m->nsess)
		return m->sess[prng_below(rng, m->nsess)].port;
	if (r < 40)
		return edges[prng_below(rng, ARRAY_SIZE(edges))];
	return m->lo + prng_below(rng, m->n);
}

/* A range around and inside the allocator's, up to @maxlen ports */
static void random_range(const struct naive_pa *m, uint64_t *rng,
			 u32 maxlen, u16 *lo, u16 *hi)
{
	int start = (int)m->lo - 4 + (int)prng_below(rng, m->n + 8);
	int end = start + (int)prng_below(rng, maxlen);

	*lo = start < 0 ? 0 : start > 65535 ? 65535 : start;
	*hi = end < 0 ? 0 : end > 65535 ? 65535 : end;
}

/*
 * Random alloc/put/get/reserve/unreserve against the model.  The mix swings
 * between filling and draining every @period steps, so that the allocator
 * goes through every occupancy, full included.
 */
static void random_ops(u16 lo, u16 hi, int ndest, u32 steps, u32 period,
		       uint64_t seed)
{
	struct natgw_portalloc pa;
	struct naive_pa m;
	uint64_t rng = seed;
	u16 hints[3], rlo, rhi;
	u32 step, r, i, nh;
	bool fill;

	CHECK(!natgw_portalloc_init(&pa, lo, hi), "init");
	naive_init(&m, lo, hi, ndest);
	check_model(&pa, &m);
	for (step = 0; step < steps; step++) {
		fill = (step / period) % 2 == 0;
		r = prng_below(&rng, 100);
		if (r < (fill ? 70u : 25u)) {
			nh = prng_below(&rng, 4);
			for (i = 0; i < nh; i++)
				hints[i] = random_hint(&m, &rng);
			model_alloc(&pa, &m, &rng, prng_below(&rng, ndest),
				    nh ? hints : NULL, nh, NULL);
		} else if (r < 92) {
			if (m.nsess)
				naive_put(&pa, &m, prng_below(&rng, m.nsess));
		} else if (r < 94) {
			model_get(&pa, &m, lo - 2 + prng_below(&rng, m.n + 4));
		} else if (r < 97) {
			random_range(&m, &rng, 8, &rlo, &rhi);
			model_reserve(&pa, &m, rlo, rhi, true);
		} else {
			random_range(&m, &rng, 24, &rlo, &rhi);
			model_reserve(&pa, &m, rlo, rhi, false);
		}
		check_model(&pa, &m);
	}
	naive_put_all(&pa, &m);
	check_model(&pa, &m);
	CHECK(pa.nfree == naive_nlisted(&m), "ports lost");
	natgw_portalloc_uninit(&pa);
	naive_uninit(&m);
}

static void test_random_16(void)
{
	random_ops(2000, 2015, 3, 20000, 200, 1);
}

/* Exactly the probe bound: step (c) is still exhaustive */
static void test_random_at_probe_bound(void)
{
	random_ops(30000, 30000 + NATGW_PORTALLOC_PROBES - 1, 3, 20000, 1200,
		   2);
}

/* One port past the bound: (c) may fail with a free port, never (a)/(b) */
static void test_random_past_probe_bound(void)
{
	random_ops(30000, 30000 + NATGW_PORTALLOC_PROBES, 3, 20000, 1200, 3);
}

static void test_random_1000(void)
{
	random_ops(1025, 2024, 2, 24000, 6000, 4);
}

static void test_random_edges(void)
{
	random_ops(65500, 65535, 2, 5000, 200, 5);
	random_ops(1, 40, 2, 5000, 200, 6);
}

/* The default range, at low occupancy: every step checks all 64511 ports */
static void test_random_full_range(void)
{
	random_ops(1025, 65535, 4, 1500, 1500, 7);
}

/*
 * Fill [lo, hi] toward destination 0, each allocation hinting a random
 * source port: every one succeeds until exactly N, the next fails within the
 * probe bound, and then each freed port is found again at once.
 */
static void fill_one_destination(u16 lo, u16 hi, uint64_t seed)
{
	struct natgw_portalloc pa;
	struct naive_pa m;
	uint64_t rng = seed;
	unsigned int calls;
	u16 hint, port;
	u32 i, j;

	CHECK(!natgw_portalloc_init(&pa, lo, hi), "init");
	naive_init(&m, lo, hi, 2);
	for (i = 0; i < m.n; i++) {
		hint = 1024 + prng_below(&rng, 64512);
		port = model_alloc(&pa, &m, &rng, 0, &hint, 1, NULL);
		CHECK(port, "allocation %u of %u failed", i + 1, m.n);
		if (i % 4096 == 0)
			check_model(&pa, &m);
	}
	check_model(&pa, &m);
	CHECK(pa.nfree == 0, "free list not empty at 100%%");
	hint = lo;
	CHECK(!model_alloc(&pa, &m, &rng, 0, &hint, 1, &calls),
	      "allocation N+1 succeeded");
	CHECK(calls <= 1 + NATGW_PORTALLOC_PROBES, "%u taken() calls", calls);
	CHECK(model_alloc(&pa, &m, &rng, 1, NULL, 0, NULL),
	      "another destination got no port");

	/* At 100% toward 0, a port that frees up is the one found */
	for (j = 0; j < 200; j++) {
		i = prng_below(&rng, m.nsess);
		while (m.sess[i].dest != 0)
			i = (i + 1) % m.nsess;
		hint = m.sess[i].port;
		naive_put(&pa, &m, i);
		port = model_alloc(&pa, &m, &rng, 0, NULL, 0, NULL);
		CHECK(port == hint, "freed %u, got %u", hint, port);
	}
	check_model(&pa, &m);
	naive_put_all(&pa, &m);
	CHECK(pa.nfree == m.n, "ports lost");
	natgw_portalloc_uninit(&pa);
	naive_uninit(&m);
}

static void test_full_range_one_dest(void)
{
	fill_one_destination(1025, 65535, 8);
}

/* Every port number: free[] indices reach 65534, next to the sentinel */
static void test_whole_port_space(void)
{
	fill_one_destination(1, 65535, 9);
}

static void test_16_ports(void)
{
	struct natgw_portalloc pa;
	struct naive_pa m;
	uint64_t rng = 10;
	u32 i;

	CHECK(!natgw_portalloc_init(&pa, 5000, 5015), "init");
	naive_init(&m, 5000, 5015, 2);
	for (i = 0; i < 16; i++)
		CHECK(model_alloc(&pa, &m, &rng, 0, NULL, 0, NULL),
		      "flow %u toward A failed", i + 1);
	CHECK(!model_alloc(&pa, &m, &rng, 0, NULL, 0, NULL),
	      "flow 17 toward A succeeded");
	/* Another destination can have all 16 again */
	for (i = 0; i < 16; i++)
		CHECK(model_alloc(&pa, &m, &rng, 1, NULL, 0, NULL),
		      "flow %u toward B failed", i + 1);
	CHECK(!model_alloc(&pa, &m, &rng, 1, NULL, 0, NULL),
	      "flow 17 toward B succeeded");
	check_model(&pa, &m);
	naive_put_all(&pa, &m);
	natgw_portalloc_uninit(&pa);
	naive_uninit(&m);
}

static void test_hints(void)
{
	enum { A, B, C };
	struct natgw_portalloc pa;
	struct naive_pa m;
	uint64_t rng = 11;
	unsigned int calls;
	u16 h[2], p, q;

	CHECK(!natgw_portalloc_init(&pa, 1025, 65535), "init");
	naive_init(&m, 1025, 65535, 3);

	/* The source port is kept; a port with no session needs no taken() */
	h[0] = 40000;
	p = model_alloc(&pa, &m, &rng, A, h, 1, &calls);
	CHECK(p == 40000 && calls == 0, "source port: %u, %u calls", p,
	      calls);
	/* Another host with the same source port toward A: a new port */
	p = model_alloc(&pa, &m, &rng, A, h, 1, &calls);
	CHECK(p && p != 40000 && calls == 1, "clash: %u, %u calls", p, calls);
	/* ... and toward B it keeps 40000: ports are reused per destination */
	p = model_alloc(&pa, &m, &rng, B, h, 1, NULL);
	CHECK(p == 40000, "reuse toward B: %u", p);

	/* Endpoint-independent mapping: X:80 keeps its public port */
	h[1] = 80;		/* out of range, never usable */
	p = model_alloc(&pa, &m, &rng, A, &h[1], 1, NULL);
	CHECK(p, "X:80 toward A");
	h[0] = p;
	q = model_alloc(&pa, &m, &rng, B, h, 2, NULL);
	CHECK(q == p, "X:80 toward B got %u, mapping %u", q, p);
	/* Someone else holds p toward C: X:80 toward C moves */
	q = model_alloc(&pa, &m, &rng, C, h, 1, NULL);
	CHECK(q == p, "another host toward C got %u, hint %u", q, p);
	q = model_alloc(&pa, &m, &rng, C, h, 2, NULL);
	CHECK(q && q != p, "X:80 toward C got %u", q);

	/* Hints are tried in order */
	h[0] = 50001;
	h[1] = 50002;
	CHECK(model_alloc(&pa, &m, &rng, A, h, 2, NULL) == 50001, "order");
	CHECK(model_alloc(&pa, &m, &rng, A, h, 2, NULL) == 50002, "order 2");
	/* Reserved and out-of-range hints are passed over */
	model_reserve(&pa, &m, 50003, 50003, true);
	h[0] = 50003;
	h[1] = 1024;
	p = model_alloc(&pa, &m, &rng, A, h, 2, &calls);
	CHECK(p && p != 50003 && calls == 0, "reserved hint: %u", p);

	check_model(&pa, &m);
	naive_put_all(&pa, &m);
	natgw_portalloc_uninit(&pa);
	naive_uninit(&m);
}

static void test_reserve(void)
{
	struct natgw_portalloc pa;
	struct naive_pa m;
	uint64_t rng = 12;
	u16 h = 1500, p;

	CHECK(!natgw_portalloc_init(&pa, 1025, 2000), "init");
	naive_init(&m, 1025, 2000, 2);

	/* Clamped to the range; empty or outside ranges change nothing */
	model_reserve(&pa, &m, 1600, 1500, true);
	model_reserve(&pa, &m, 1, 1024, true);
	model_reserve(&pa, &m, 2001, 65535, true);
	CHECK(natgw_portalloc_free_count(&pa) == 976, "no-op reserve");
	model_reserve(&pa, &m, 0, 65535, true);
	CHECK(natgw_portalloc_free_count(&pa) == 0, "reserve all");
	CHECK(!model_alloc(&pa, &m, &rng, 0, &h, 1, NULL), "alloc reserved");
	model_get(&pa, &m, 1500);
	model_reserve(&pa, &m, 1500, 1600, false);
	CHECK(natgw_portalloc_free_count(&pa) == 101, "unreserve 101");
	p = model_alloc(&pa, &m, &rng, 0, NULL, 0, NULL);
	CHECK(p >= 1500 && p <= 1600, "alloc after unreserve: %u", p);
	model_reserve(&pa, &m, 0, 65535, false);
	CHECK(natgw_portalloc_free_count(&pa) == 975, "unreserve all");

	/* A reserved port in use stays out when its sessions end */
	model_reserve(&pa, &m, p, p, true);
	CHECK(natgw_portalloc_free_count(&pa) == 975, "reserve a used port");
	h = p;
	CHECK(model_alloc(&pa, &m, &rng, 1, &h, 1, NULL) != p, "reserved hint");
	naive_put(&pa, &m, 0);
	CHECK(natgw_portalloc_free_count(&pa) == 974, "reserved port listed");
	/* Reservations do not nest */
	model_reserve(&pa, &m, p, p, true);
	model_reserve(&pa, &m, p, p, false);
	CHECK(natgw_portalloc_free_count(&pa) == 975, "unreserve");

	check_model(&pa, &m);
	naive_put_all(&pa, &m);
	natgw_portalloc_uninit(&pa);
	naive_uninit(&m);
}

/*
 * 1000 ports of which 900 reserved: once the 100 others carry sessions, step
 * (c) must skip the reserved run and, with at most NATGW_PORTALLOC_PROBES
 * candidates, find every port free toward a new destination.
 */
static void test_probe_skips_reserved(void)
{
	struct natgw_portalloc pa;
	struct naive_pa m;
	uint64_t rng = 13;
	unsigned int calls;
	u32 i;

	CHECK(!natgw_portalloc_init(&pa, 10000, 10999), "init");
	naive_init(&m, 10000, 10999, 3);
	model_reserve(&pa, &m, 10000, 10899, true);
	for (i = 0; i < 100; i++)
		CHECK(model_alloc(&pa, &m, &rng, 0, NULL, 0, NULL), "A %u", i);
	CHECK(pa.nfree == 0, "free list");
	for (i = 0; i < 100; i++)
		CHECK(model_alloc(&pa, &m, &rng, 1, NULL, 0, NULL), "B %u", i);
	CHECK(!model_alloc(&pa, &m, &rng, 1, NULL, 0, &calls), "B 101");
	CHECK(calls == 100, "%u taken() calls for 100 candidates", calls);
	CHECK(model_alloc(&pa, &m, &rng, 2, NULL, 0, NULL), "C");
	check_model(&pa, &m);
	naive_put_all(&pa, &m);
	natgw_portalloc_uninit(&pa);
	naive_uninit(&m);
}

static bool never_taken(const void *ctx, u16 port)
{
	(void)ctx;
	(void)port;
	return false;
}

/* One port toward 65535 destinations: the count saturates, never wraps */
static void test_saturation(void)
{
	struct natgw_portalloc pa;
	u16 h = 7000;
	u32 i;

	CHECK(!natgw_portalloc_init(&pa, 7000, 7000), "init");
	for (i = 0; i < U16_MAX; i++)
		CHECK(natgw_portalloc_alloc(&pa, NULL, 0, never_taken, NULL,
					    i * 2654435761u) == 7000,
		      "allocation %u", i + 1);
	CHECK(pa.slot[0].cnt == U16_MAX, "count %u", pa.slot[0].cnt);
	CHECK(!natgw_portalloc_alloc(&pa, &h, 1, never_taken, NULL, 0),
	      "allocated a saturated port");
	CHECK(!natgw_portalloc_get(&pa, 7000), "got a saturated port");
	natgw_portalloc_put(&pa, 7000);
	CHECK(natgw_portalloc_get(&pa, 7000), "get after put");
	for (i = 0; i < U16_MAX; i++)
		natgw_portalloc_put(&pa, 7000);
	CHECK(natgw_portalloc_free_count(&pa) == 1, "port not back");
	check_struct(&pa);
	natgw_portalloc_uninit(&pa);
}

static void test_put_misuse(void)
{
	struct natgw_portalloc pa;

	CHECK(!natgw_portalloc_init(&pa, 100, 199), "init");
	natgw_portalloc_put(&pa, 150);
	CHECK(kshim_warnings == 1, "no WARN on a put of a free port");
	natgw_portalloc_put(&pa, 99);
	natgw_portalloc_put(&pa, 200);
	CHECK(kshim_warnings == 3, "no WARN on a put out of range");
	CHECK(!natgw_portalloc_get(&pa, 99) && !natgw_portalloc_get(&pa, 200),
	      "get out of range");
	check_struct(&pa);
	CHECK(natgw_portalloc_free_count(&pa) == 100, "state changed");
	kshim_warnings = 0;
	natgw_portalloc_uninit(&pa);
}

static void test_init(void)
{
	struct natgw_portalloc pa;

	CHECK(natgw_portalloc_init(&pa, 0, 10) == -EINVAL, "lo 0");
	CHECK(natgw_portalloc_init(&pa, 11, 10) == -EINVAL, "lo > hi");
	kshim_fail_alloc = 0;
	CHECK(natgw_portalloc_init(&pa, 1025, 65535) == -ENOMEM, "ENOMEM");
	CHECK(!kshim_allocs_live, "leak on ENOMEM");
	CHECK(!natgw_portalloc_init(&pa, 65535, 65535), "one port");
	CHECK(natgw_portalloc_free_count(&pa) == 1, "one port free");
	check_struct(&pa);
	natgw_portalloc_uninit(&pa);
	CHECK(!natgw_portalloc_init(&pa, 1, 65535), "every port");
	CHECK(natgw_portalloc_free_count(&pa) == 65535, "65535 free");
	check_struct(&pa);
	natgw_portalloc_uninit(&pa);
}

/*
 * Step (b) chooses uniformly among the free ports (RFC 6056: not predictable,
 * not biased).  Each trial starts from the same state, 11 free ports of 16,
 * so that a bias in the choice of free-list index shows as a bias in ports:
 * 11 does not divide 16, so scaling to the range instead of the free list
 * shows too.
 */
static void test_uniform(void)
{
	struct natgw_portalloc pa;
	u32 seen[16] = { 0 }, i;
	uint64_t rng = 14;
	u16 p;

	for (i = 0; i < 22000; i++) {
		CHECK(!natgw_portalloc_init(&pa, 3000, 3015), "init");
		natgw_portalloc_reserve(&pa, 3003, 3007);
		p = natgw_portalloc_alloc(&pa, NULL, 0, never_taken, NULL,
					  (u32)prng_next(&rng));
		CHECK(p >= 3000 && p <= 3015, "got %u", p);
		seen[p - 3000]++;
		natgw_portalloc_uninit(&pa);
	}
	for (i = 0; i < 16; i++) {
		if (i >= 3 && i <= 7)
			CHECK(!seen[i], "reserved port %u chosen", 3000 + i);
		else
			CHECK(seen[i] > 1800 && seen[i] < 2200,
			      "port %u chosen %u times of 22000, not ~2000",
			      3000 + i, seen[i]);
	}
}

const struct unit_test portalloc_tests[] = {
	{ "portalloc_init", test_init },
	{ "portalloc_random_16_ports", test_random_16 },
	{ "portalloc_random_at_probe_bound", test_random_at_probe_bound },
	{ "portalloc_random_past_probe_bound", test_random_past_probe_bound },
	{ "portalloc_random_1000_ports", test_random_1000 },
	{ "portalloc_random_range_edges", test_random_edges },
	{ "portalloc_random_full_range", test_random_full_range },
	{ "portalloc_full_range_one_destination", test_full_range_one_dest },
	{ "portalloc_whole_port_space", test_whole_port_space },
	{ "portalloc_16_ports_exhaustion", test_16_ports },
	{ "portalloc_hints", test_hints },
	{ "portalloc_reserve", test_reserve },
	{ "portalloc_probe_skips_reserved", test_probe_skips_reserved },
	{ "portalloc_saturation", test_saturation },
	{ "portalloc_put_misuse", test_put_misuse },
	{ "portalloc_uniform", test_uniform },
};
const unsigned int portalloc_ntests = ARRAY_SIZE(portalloc_tests);
