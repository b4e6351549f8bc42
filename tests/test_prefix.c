// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/prefix.c, compiled unchanged against the kernel shim:
 * examples, the table's layout, and random prefix sets (nested, /0 and /32
 * included) against naive_lookup(), a linear longest-prefix match over the
 * prefixes as given.
 */

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>

#include <linux/slab.h>

#include "kshim.h"
#include "prefix.h"
#include "unit.h"

#define DATA(i)		((void *)(uintptr_t)((i) + 1))

static u32 mask_of(u8 plen)
{
	return plen ? ~0U << (32 - plen) : 0;
}

static void *naive_lookup(const struct natgw_prefix *p, unsigned int n,
			  u32 addr)
{
	void *best = NULL;
	int best_plen = -1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if ((addr ^ ntohl(p[i].addr)) & mask_of(p[i].plen))
			continue;
		if (p[i].plen > best_plen) {
			best_plen = p[i].plen;
			best = p[i].data;
		}
	}
	return best;
}

/* The layout promised in prefix.h */
static void check_layout(const struct natgw_prefix_table *t, unsigned int n)
{
	const struct natgw_prefix_entry *e = t->entry;
	u32 i, l, covered = 0;

	CHECK(t->n == n, "n %u, built from %u", t->n, n);
	for (i = 1; i < n; i++)
		CHECK(e[i - 1].plen > e[i].plen ||
		      (e[i - 1].plen == e[i].plen && e[i - 1].addr < e[i].addr),
		      "entries %u and %u out of order", i - 1, i);
	for (i = 0; i < n; i++)
		CHECK(!(e[i].addr & ~mask_of(e[i].plen)), "host bits kept");
	CHECK(t->nlevels <= 33, "%u levels", t->nlevels);
	for (l = 0; l < t->nlevels; l++) {
		const struct natgw_prefix_level *lv = &t->level[l];

		CHECK(lv->first == covered && lv->count, "level %u gaps", l);
		for (i = lv->first; i < lv->first + lv->count; i++)
			CHECK(mask_of(e[i].plen) == lv->mask, "level %u mask", l);
		covered += lv->count;
	}
	CHECK(covered == n, "levels cover %u of %u entries", covered, n);
}

static struct natgw_prefix_table *build(const struct natgw_prefix *p,
					unsigned int n)
{
	struct natgw_prefix_table *t = natgw_prefix_build(p, n, GFP_KERNEL);

	CHECK(t, "build of %u prefixes failed", n);
	check_layout(t, n);
	return t;
}

static void check_lookup(const struct natgw_prefix_table *t,
			 const struct natgw_prefix *p, unsigned int n,
			 u32 addr)
{
	void *got = natgw_prefix_lookup(t, htonl(addr));
	void *want = naive_lookup(p, n, addr);

	CHECK(got == want, "%u.%u.%u.%u: entry %ld, naive %ld", addr >> 24,
	      (addr >> 16) & 255, (addr >> 8) & 255, addr & 255,
	      (long)(uintptr_t)got - 1, (long)(uintptr_t)want - 1);
}

static struct natgw_prefix pfx(const char *addr, u8 plen, void *data)
{
	struct natgw_prefix p = { .plen = plen, .data = data };

	CHECK(inet_pton(AF_INET, addr, &p.addr) == 1, "bad address %s", addr);
	return p;
}

static u32 ip(const char *addr)
{
	struct in_addr a;

	CHECK(inet_pton(AF_INET, addr, &a) == 1, "bad address %s", addr);
	return ntohl(a.s_addr);
}

static void test_empty(void)
{
	struct natgw_prefix_table *t = build(NULL, 0);

	CHECK(!natgw_prefix_lookup(t, htonl(ip("10.0.0.1"))), "empty table");
	CHECK(!natgw_prefix_lookup(NULL, htonl(ip("10.0.0.1"))), "NULL table");
	natgw_prefix_free(t);
	natgw_prefix_free(NULL);
}

/* A /32 entry beats a vSwitch's /24, which beats the VPC's /16 */
static void test_precedence(void)
{
	static const unsigned int order[][4] = {
		{ 0, 1, 2, 3 }, { 3, 2, 1, 0 }, { 2, 3, 0, 1 },
	};
	struct natgw_prefix all[4], p[4], q[3];
	struct natgw_prefix_table *t;
	unsigned int o, i, nq;

	all[0] = pfx("10.0.0.0", 16, DATA(16));
	all[1] = pfx("10.0.1.0", 24, DATA(24));
	all[2] = pfx("10.0.1.5", 32, DATA(32));
	all[3] = pfx("0.0.0.0", 0, DATA(0));
	for (o = 0; o < 3; o++) {
		/* p: all four in this order; q: the same without the /0 */
		for (i = 0, nq = 0; i < 4; i++) {
			p[i] = all[order[o][i]];
			if (order[o][i] != 3)
				q[nq++] = p[i];
		}
		t = build(q, 3);
		CHECK(natgw_prefix_lookup(t, htonl(ip("10.0.1.5"))) == DATA(32),
		      "/32");
		CHECK(natgw_prefix_lookup(t, htonl(ip("10.0.1.6"))) == DATA(24),
		      "/24");
		CHECK(natgw_prefix_lookup(t, htonl(ip("10.0.2.5"))) == DATA(16),
		      "/16");
		CHECK(!natgw_prefix_lookup(t, htonl(ip("10.1.1.5"))), "outside");
		natgw_prefix_free(t);
		t = build(p, 4);
		CHECK(natgw_prefix_lookup(t, htonl(ip("10.0.1.5"))) == DATA(32),
		      "/32 with /0");
		CHECK(natgw_prefix_lookup(t, htonl(ip("10.0.2.5"))) == DATA(16),
		      "/16 with /0");
		CHECK(natgw_prefix_lookup(t, htonl(ip("10.1.1.5"))) == DATA(0),
		      "/0");
		natgw_prefix_free(t);
	}
}

/* Host bits of a prefix are ignored; NULL data is returned as such */
static void test_host_bits(void)
{
	struct natgw_prefix p[2];
	struct natgw_prefix_table *t;

	p[0] = pfx("192.168.7.77", 24, DATA(1));
	p[1] = pfx("192.168.7.128", 25, NULL);
	t = build(p, 2);
	CHECK(natgw_prefix_lookup(t, htonl(ip("192.168.7.1"))) == DATA(1),
	      "host bits");
	CHECK(!natgw_prefix_lookup(t, htonl(ip("192.168.7.200"))),
	      "NULL data of the longer match");
	natgw_prefix_free(t);
}

static void test_failures(void)
{
	struct natgw_prefix p = { .plen = 33 };

	kshim_fail_alloc = 0;
	CHECK(!natgw_prefix_build(&p, 1, GFP_KERNEL), "ENOMEM");
	CHECK(!natgw_prefix_build(&p, 1, GFP_KERNEL), "plen 33 accepted");
	CHECK(kshim_warnings == 1, "no WARN on plen 33");
	kshim_warnings = 0;
}

/* A prefix near one of a few base addresses, so that many of them nest */
static struct natgw_prefix random_prefix(uint64_t *rng, const u32 *base,
					 unsigned int nbase)
{
	static const u8 common[] = { 0, 8, 16, 24, 32 };
	struct natgw_prefix p;
	u32 a = base[prng_below(rng, nbase)];

	if (prng_below(rng, 5) == 0)
		p.plen = common[prng_below(rng, 5)];
	else
		p.plen = prng_below(rng, 33);
	a ^= (u32)prng_next(rng) & ~mask_of(prng_below(rng, 33));
	p.addr = htonl(a);
	return p;
}

static bool duplicate(const struct natgw_prefix *p, unsigned int n,
		      const struct natgw_prefix *q)
{
	u32 m = mask_of(q->plen);
	unsigned int i;

	for (i = 0; i < n; i++)
		if (p[i].plen == q->plen &&
		    !((ntohl(p[i].addr) ^ ntohl(q->addr)) & m))
			return true;
	return false;
}

static u32 random_addr(uint64_t *rng, const struct natgw_prefix *p,
		       unsigned int n, const u32 *base, unsigned int nbase)
{
	u32 r = prng_below(rng, 10), noise = (u32)prng_next(rng);

	if (r < 4 && n) {
		p += prng_below(rng, n);
		return (ntohl(p->addr) & mask_of(p->plen)) |
		       (noise & ~mask_of(p->plen));
	}
	if (r < 7)
		return base[prng_below(rng, nbase)] ^
		       (noise & ~mask_of(prng_below(rng, 33)));
	return noise;
}

static void test_random(void)
{
	struct natgw_prefix p[300];
	struct natgw_prefix_table *t;
	uint64_t rng = 20;
	unsigned int round, n, want, i;
	u32 base[6];

	for (round = 0; round < 400; round++) {
		for (i = 0; i < 6; i++)
			base[i] = (u32)prng_next(&rng);
		want = prng_below(&rng, round % 10 ? 41 : 301);
		for (n = 0, i = 0; n < want && i < 4 * want; i++) {
			p[n] = random_prefix(&rng, base, 6);
			if (!duplicate(p, n, &p[n])) {
				p[n].data = DATA(n);
				n++;
			}
		}
		t = build(p, n);
		for (i = 0; i < 1000; i++)
			check_lookup(t, p, n, random_addr(&rng, p, n, base, 6));
		for (i = 0; i < n; i++) {
			check_lookup(t, p, n, ntohl(p[i].addr) &
					      mask_of(p[i].plen));
			check_lookup(t, p, n, ntohl(p[i].addr) |
					      ~mask_of(p[i].plen));
		}
		natgw_prefix_free(t);
	}
}

const struct unit_test prefix_tests[] = {
	{ "prefix_empty", test_empty },
	{ "prefix_precedence", test_precedence },
	{ "prefix_host_bits", test_host_bits },
	{ "prefix_failures", test_failures },
	{ "prefix_random_vs_naive", test_random },
};
const unsigned int prefix_ntests = ARRAY_SIZE(prefix_tests);
