// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the decision a lost insert race takes (kmod/session.h's
 * natgw_session_dir(), which kmod/hooks.c uses on the winner), against a
 * naive reference: the packet must leave exactly as the session its CPU
 * made for it would have sent it.  The winner may be that session's twin
 * (the same flow made on another CPU) or its mirror image, whose REPLY
 * tuple is the packet's: an IP mapping's inbound and outbound sessions, a
 * DNAT port mapping E:e -> P:e and an SNAT from P:e keeping its port.  The
 * sessions are built as kmod/hooks.c builds them.
 */

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <linux/compiler.h>

#include "kshim.h"
#include "session.h"
#include "unit.h"

static struct natgw_tuple tuple(u32 src, u16 sport, u32 dst, u16 dport,
				u8 proto)
{
	struct natgw_tuple t = {
		.src = htonl(src), .dst = htonl(dst),
		.sport = htons(sport), .dport = htons(dport), .proto = proto,
	};

	return t;
}

/* natgw_snat_new(), natgw_ipmap_out_new(): P:p -> R:r leaves as E:e */
static void make_out(struct natgw_session *s, const struct natgw_tuple *t,
		     u32 eip, u16 eport)
{
	memset(s, 0, sizeof(*s));
	s->th[NATGW_DIR_ORIG].t = *t;
	natgw_tuple_invert(&s->th[NATGW_DIR_REPLY].t, t);
	s->th[NATGW_DIR_REPLY].t.dst = htonl(eip);
	s->th[NATGW_DIR_REPLY].t.dport = htons(eport);
}

/* natgw_dnat_new(): R:r -> E:e goes to P:p (an IP mapping keeps e) */
static void make_in(struct natgw_session *s, const struct natgw_tuple *t,
		    u32 priv, u16 pport)
{
	memset(s, 0, sizeof(*s));
	s->th[NATGW_DIR_ORIG].t = *t;
	natgw_tuple_invert(&s->th[NATGW_DIR_REPLY].t, t);
	s->th[NATGW_DIR_REPLY].t.src = htonl(priv);
	s->th[NATGW_DIR_REPLY].t.sport = htons(pport);
}

/* The headers a packet of @s in direction @dir leaves with (natgw_forward) */
static struct natgw_tuple leaves(const struct natgw_session *s, int dir)
{
	struct natgw_tuple to = {};

	natgw_tuple_invert(&to, &s->th[!dir].t);
	return to;
}

/*
 * @mine is the session this CPU made for the packet (its ORIG tuple), which
 * lost to @winner: the packet goes through @winner in the direction the
 * decision gives, and must leave as @mine would have sent it.
 */
static int check_race(const struct natgw_session *mine,
		      const struct natgw_session *winner)
{
	const struct natgw_tuple *pkt = &mine->th[NATGW_DIR_ORIG].t;
	struct natgw_tuple want = leaves(mine, NATGW_DIR_ORIG), got;
	int dir = natgw_session_dir(winner, pkt);

	CHECK(dir == NATGW_DIR_ORIG || dir == NATGW_DIR_REPLY,
	      "the winner does not hold the packet's tuple");
	got = leaves(winner, dir);
	CHECK(natgw_tuple_eq(&got, &want),
	      "through the winner as %d the packet leaves %08x:%u -> %08x:%u, not %08x:%u -> %08x:%u",
	      dir, ntohl(got.src), ntohs(got.sport), ntohl(got.dst),
	      ntohs(got.dport), ntohl(want.src), ntohs(want.sport),
	      ntohl(want.dst), ntohs(want.dport));
	return dir;
}

/* The cases of the issue, by hand: each mirror pair both ways, and twins */
static void test_mirrors(void)
{
	const u32 P = 0x0a00010a, R = 0xc6336402, E = 0xcb007101;
	struct natgw_tuple in = tuple(R, 40000, E, 5060, IPPROTO_UDP);
	struct natgw_tuple out = tuple(P, 5060, R, 40000, IPPROTO_UDP);
	struct natgw_session ipmap_in, ipmap_out, twin;

	/* IP mapping: inbound R:r -> E:e is P:e -> R:r's mirror */
	make_in(&ipmap_in, &in, P, 5060);
	make_out(&ipmap_out, &out, E, 5060);
	CHECK(check_race(&ipmap_out, &ipmap_in) == NATGW_DIR_REPLY,
	      "outbound lost to inbound: not through its REPLY tuple");
	CHECK(check_race(&ipmap_in, &ipmap_out) == NATGW_DIR_REPLY,
	      "inbound lost to outbound: not through its REPLY tuple");
	/* what the old code did: forward as ORIG, back to the sender */
	{
		struct natgw_tuple old = leaves(&ipmap_in, NATGW_DIR_ORIG);
		struct natgw_tuple want = leaves(&ipmap_out, NATGW_DIR_ORIG);

		CHECK(!natgw_tuple_eq(&old, &want),
		      "the wrong direction would be right: the case is vacuous");
	}
	/* the same flow made on two CPUs */
	twin = ipmap_out;
	CHECK(check_race(&ipmap_out, &twin) == NATGW_DIR_ORIG,
	      "twins: not through ORIG");
}

/*
 * Random addresses and ports: DNAT port mappings against SNAT sessions that
 * kept their port, IP mappings both ways, hairpin-free twins; TCP and UDP.
 */
static void test_random_vs_naive(void)
{
	uint64_t rng = 7;
	unsigned int i, mirrors = 0;

	for (i = 0; i < 100000; i++) {
		u32 P = 0x0a000000 | prng_below(&rng, 1 << 16);
		u32 R = 0xc0000000 | prng_below(&rng, 1 << 24);
		u32 E = 0xcb007100 | prng_below(&rng, 256);
		u16 p = 1 + prng_below(&rng, 65535);
		u16 r = 1 + prng_below(&rng, 65535);
		u8 proto = prng_below(&rng, 2) ? IPPROTO_TCP : IPPROTO_UDP;
		struct natgw_tuple in = tuple(R, r, E, p, proto);
		struct natgw_tuple out = tuple(P, p, R, r, proto);
		struct natgw_session a, b;

		make_in(&a, &in, P, p);		/* DNAT E:p -> P:p or IP map */
		make_out(&b, &out, E, p);	/* SNAT keeping p, or IP map */
		switch (prng_below(&rng, 3)) {
		case 0:
			mirrors += check_race(&a, &b) == NATGW_DIR_REPLY;
			break;
		case 1:
			mirrors += check_race(&b, &a) == NATGW_DIR_REPLY;
			break;
		default:
			CHECK(check_race(&b, &b) == NATGW_DIR_ORIG,
			      "a twin matched as REPLY");
			mirrors++;
		}
	}
	CHECK(mirrors == i, "%u of %u races took the expected direction",
	      mirrors, i);
}

/* A session unrelated to the packet is no winner of its race */
static void test_unrelated(void)
{
	struct natgw_tuple t = tuple(0x0a000001, 1, 0x01020304, 2, IPPROTO_TCP);
	struct natgw_tuple u = tuple(0x0a000001, 1, 0x01020305, 2, IPPROTO_TCP);
	struct natgw_session s;

	make_out(&s, &u, 0xcb007101, 1);
	CHECK(natgw_session_dir(&s, &t) == -1, "matched another flow");
	t.proto = IPPROTO_UDP;
	make_out(&s, &t, 0xcb007101, 1);
	t.proto = IPPROTO_TCP;
	CHECK(natgw_session_dir(&s, &t) == -1, "matched another protocol");
}

const struct unit_test race_tests[] = {
	{ "race_mirrors", test_mirrors },
	{ "race_random_vs_naive", test_random_vs_naive },
	{ "race_unrelated", test_unrelated },
};
const unsigned int race_ntests = ARRAY_SIZE(race_tests);
