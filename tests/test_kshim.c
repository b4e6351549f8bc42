// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the kernel shim itself: the uapi headers from /usr/include still
 * work through it, and what it implements behaves as the kernel's does.
 */

#include <string.h>

#include <linux/bitops.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/slab.h>

#include "../include/uapi/linux/natgw.h"
#include "kshim.h"
#include "unit.h"

/* The shim's <linux/types.h> wraps the uapi one rather than replacing it */
static void test_uapi_headers(void)
{
	CHECK(sizeof(struct nlmsghdr) == 16, "struct nlmsghdr");
	CHECK(sizeof(struct genlmsghdr) == 4, "struct genlmsghdr");
	CHECK(sizeof(__be32) == 4 && sizeof(__u16) == 2, "uapi types");
	CHECK(sizeof(u64) == 8 && sizeof(u16) == 2, "kernel types");
	CHECK(!strcmp(NATGW_GENL_NAME, "natgw") && NATGW_A_MAX > 0, "natgw.h");
}

static unsigned long naive_next_zero(const unsigned long *map,
				     unsigned long size, unsigned long off)
{
	while (off < size && test_bit(off, map))
		off++;
	return off < size ? off : size;
}

static void test_find_next_zero_bit(void)
{
	unsigned long map[4], size, off, dense;
	uint64_t rng = 30;
	unsigned int i, j;

	for (i = 0; i < 20000; i++) {
		/* mostly set bits, so that runs cross words */
		dense = prng_below(&rng, 4);
		for (j = 0; j < 4; j++) {
			map[j] = prng_next(&rng);
			if (dense)
				map[j] |= prng_next(&rng) | prng_next(&rng);
			if (dense > 1)
				map[j] = ~0UL;
		}
		size = prng_below(&rng, 4 * BITS_PER_LONG + 1);
		off = prng_below(&rng, size + 2);
		CHECK(find_next_zero_bit(map, size, off) ==
		      naive_next_zero(map, size, off),
		      "size %lu offset %lu", size, off);
	}
}

static void test_alloc_failure(void)
{
	void *a, *b;

	kshim_fail_alloc = 1;
	a = kmalloc(8, GFP_KERNEL);
	b = kmalloc(8, GFP_KERNEL);
	CHECK(a && !b, "fail the second allocation");
	b = kzalloc(8, GFP_ATOMIC);
	CHECK(b && !*(char *)b, "only once, zeroed");
	kfree(a);
	kvfree(b);
}

const struct unit_test kshim_tests[] = {
	{ "kshim_uapi_headers", test_uapi_headers },
	{ "kshim_find_next_zero_bit", test_find_next_zero_bit },
	{ "kshim_alloc_failure", test_alloc_failure },
};
const unsigned int kshim_ntests = ARRAY_SIZE(kshim_tests);
