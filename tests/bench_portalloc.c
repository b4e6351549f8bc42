// SPDX-License-Identifier: GPL-2.0
/*
 * Port allocation as one EIP fills up toward one destination: natgw's
 * allocator (kmod/portalloc.c, compiled unchanged against the kernel shim)
 * against a model of Linux nf_nat's search.
 *
 * The nf_nat model follows nf_nat_l4proto_unique_tuple() of Linux 6.1
 * (net/netfilter/nf_nat_core.c) for an SNAT rule with a port range: after
 * the source port (get_unique_tuple() keeps it when it lies in the range
 * and its tuple is free), it
 * probes consecutive ports from a random 16-bit offset taken modulo the
 * range size, 128 of them, then restarts from a new random offset with half
 * as many, down to 8: at most 128 + 64 + 32 + 16 + 8 = 248 probes.
 *
 * Each run fills the range 1025-65535 to the given occupancy with sessions
 * toward one destination (each allocator filling it its own way), churns it
 * for N operations so that the layout reaches its steady state, then
 * measures MEASURE_OPS operations.  An operation is one allocation, with a
 * random ephemeral source port as its hint; when it succeeds, one random
 * session ends, so the occupancy stays put.  taken() is the session-table
 * lookup of the kernel; here it is a bitmap test, so "probes" (taken() calls
 * per allocation) is what predicts the kernel cost, and under
 * valgrind --tool=callgrind --toggle-collect='bench_alloc_*' the instruction
 * count of the allocation itself is exact and repeatable.
 *
 * Usage: bench_portalloc               every run, as a Markdown table
 *        bench_portalloc ALLOC PERCENT one run (natgw|nf_nat), as the line
 *                                      "ALLOC PERCENT allocations failures
 *                                      taken()-calls ns-per-op" read by
 *                                      bench_portalloc.sh
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portalloc.h"
#include "unit.h"

#define LO		1025
#define HI		65535
#define N		(HI - LO + 1)
#define MEASURE_OPS	20000
#define NFNAT_MAX_ATTEMPTS 128

/* The one destination's sessions: which ports they use, and a list */
struct dest {
	bool used[N];
	u16 held[N];
	u32 nheld;
	unsigned long probes;
};

struct run {
	const char *alloc;
	double percent;
	unsigned long allocs, failures, probes;
	double ns_per_op;
};

static uint64_t rng = 42;

static bool taken(const void *ctx, u16 port)
{
	struct dest *d = (struct dest *)ctx;

	d->probes++;
	return d->used[port - LO];
}

static u16 src_port(void)
{
	return 32768 + prng_below(&rng, 61000 - 32768);
}

static u16 natgw_alloc(struct natgw_portalloc *pa, struct dest *d)
{
	u16 hint = src_port();

	return natgw_portalloc_alloc(pa, &hint, 1, taken, d,
				     (u32)prng_next(&rng));
}

/* nf_nat_l4proto_unique_tuple(), after get_unique_tuple()'s first try */
static u16 nfnat_alloc(struct dest *d)
{
	unsigned int attempts = NFNAT_MAX_ATTEMPTS, i;
	u16 hint = src_port(), off, port;

	if (!taken(d, hint))
		return hint;
	off = (u16)prng_next(&rng);
	for (;;) {
		for (i = 0; i < attempts; i++, off++) {
			port = LO + off % N;
			if (!taken(d, port))
				return port;
		}
		if (attempts >= N || attempts < 16)
			return 0;
		attempts /= 2;
		off = (u16)prng_next(&rng);
	}
}

/* Only these two are measured under callgrind (--toggle-collect) */
__attribute__((noinline)) u16 bench_alloc_natgw(struct natgw_portalloc *pa,
						struct dest *d)
{
	return natgw_alloc(pa, d);
}

__attribute__((noinline)) u16 bench_alloc_nf_nat(struct dest *d)
{
	return nfnat_alloc(d);
}

static void hold(struct dest *d, u16 port)
{
	d->used[port - LO] = true;
	d->held[d->nheld++] = port;
}

/* End a random session; its slot in held[] gets @port, if any */
static void churn(struct natgw_portalloc *pa, struct dest *d, u16 port)
{
	u32 i = prng_below(&rng, d->nheld);
	u16 old = d->held[i];

	d->used[old - LO] = false;
	if (pa)
		natgw_portalloc_put(pa, old);
	d->held[i] = port;
	d->used[port - LO] = true;
}

/*
 * nf_nat fills its own way too, retrying a failed allocation; the last few
 * ports of a nearly full range are out of its reach, so after many failures
 * in a row a random free port is taken directly.
 */
static void fill_nfnat(struct dest *d, u32 k)
{
	unsigned int fails = 0;
	u16 port;
	u32 i;

	while (d->nheld < k) {
		port = nfnat_alloc(d);
		if (port) {
			hold(d, port);
			fails = 0;
			continue;
		}
		if (++fails < 10000)
			continue;
		i = prng_below(&rng, N);
		while (d->used[i])
			i = (i + 1) % N;
		hold(d, LO + i);
	}
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void run_one(struct run *r)
{
	u32 k = (u32)(N * r->percent / 100 + 0.5), i;
	bool natgw = !strcmp(r->alloc, "natgw");
	struct natgw_portalloc pa;
	struct dest *d;
	double t0;
	u16 port;

	d = calloc(1, sizeof(*d));
	if (!d || (natgw && natgw_portalloc_init(&pa, LO, HI))) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	if (natgw) {
		while (d->nheld < k)
			hold(d, natgw_alloc(&pa, d));
	} else {
		fill_nfnat(d, k);
	}
	for (i = 0; i < N; i++) {
		port = natgw ? natgw_alloc(&pa, d) : nfnat_alloc(d);
		if (port)
			churn(natgw ? &pa : NULL, d, port);
	}

	d->probes = 0;
	t0 = now_ns();
	for (i = 0; i < MEASURE_OPS; i++) {
		port = natgw ? bench_alloc_natgw(&pa, d) :
			       bench_alloc_nf_nat(d);
		if (port)
			churn(natgw ? &pa : NULL, d, port);
		else
			r->failures++;
	}
	r->ns_per_op = (now_ns() - t0) / MEASURE_OPS;
	r->allocs = MEASURE_OPS;
	r->probes = d->probes;
	if (natgw) {
		for (i = 0; i < d->nheld; i++)
			natgw_portalloc_put(&pa, d->held[i]);
		natgw_portalloc_uninit(&pa);
	}
	free(d);
}

int main(int argc, char **argv)
{
	static const char * const allocs[] = { "natgw", "nf_nat" };
	static const double percents[] = { 50, 90, 99, 99.9, 100 };
	struct run r = { 0 };
	unsigned int a, p;

	if (argc == 3) {
		r.alloc = argv[1];
		r.percent = atof(argv[2]);
		run_one(&r);
		printf("%s %g %lu %lu %lu %.1f\n", r.alloc, r.percent, r.allocs,
		       r.failures, r.probes, r.ns_per_op);
		return 0;
	}
	printf("| allocator | occupancy | allocations | failures | failure rate | taken()/alloc | ns/op |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|\n");
	for (p = 0; p < ARRAY_SIZE(percents); p++) {
		for (a = 0; a < ARRAY_SIZE(allocs); a++) {
			memset(&r, 0, sizeof(r));
			r.alloc = allocs[a];
			r.percent = percents[p];
			run_one(&r);
			printf("| %s | %g%% | %lu | %lu | %.2f%% | %.2f | %.0f |\n",
			       r.alloc, r.percent, r.allocs, r.failures,
			       100.0 * r.failures / r.allocs,
			       (double)r.probes / r.allocs, r.ns_per_op);
		}
	}
	return 0;
}
