// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/tcptrack.h, the TCP tracking of a session, compiled
 * unchanged against the kernel shim: each transition, the RST check at the
 * edges of its window and across sequence wrap-around, and random RSTs
 * against a naive reference that knows the full 32-bit sequence numbers:
 * an RST within 64 KiB of where its sender's last segment ended must be
 * believed, one 128 KiB or more away must not (in between, the 64 KiB
 * blocks decide).
 */

#include <stdint.h>
#include <string.h>

#include "kshim.h"
#include "tcptrack.h"
#include "unit.h"

enum { C, S };	/* client (ORIG) and server (REPLY) */

#define F	NATGW_TCPF_FIN
#define SY	NATGW_TCPF_SYN
#define R	NATGW_TCPF_RST
#define A	NATGW_TCPF_ACK

/* A session after SYN (ISN @c), SYN-ACK (ISN @s) and ACK: ESTABLISHED. */
static struct natgw_tcp_track established(u32 c, u32 s)
{
	struct natgw_tcp_track t = { .state = NATGW_TCP_SYN_SENT };

	natgw_tcp_step(&t, C, SY, c, 0, 0);
	CHECK(t.state == NATGW_TCP_SYN_SENT, "after SYN: %u", t.state);
	natgw_tcp_step(&t, S, SY | A, s, c + 1, 0);
	CHECK(t.state == NATGW_TCP_SYN_RECV, "after SYN-ACK: %u", t.state);
	natgw_tcp_step(&t, C, A, c + 1, s + 1, 0);
	CHECK(t.state == NATGW_TCP_ESTABLISHED, "after ACK: %u", t.state);
	return t;
}

static void test_handshake_and_close(void)
{
	struct natgw_tcp_track t = established(1000, 5000);

	natgw_tcp_step(&t, C, F | A, 1001, 5001, 0);
	CHECK(t.state == NATGW_TCP_FIN_WAIT, "after FIN: %u", t.state);
	natgw_tcp_step(&t, S, A, 5001, 1002, 0);
	CHECK(t.state == NATGW_TCP_FIN_WAIT, "after its ACK: %u", t.state);
	natgw_tcp_step(&t, S, F | A, 5001, 1002, 0);
	CHECK(t.state == NATGW_TCP_TIME_WAIT, "after both FINs: %u", t.state);
}

/* RSTs out of the window change nothing, from either side. */
static void test_rst_out_of_window(void)
{
	static const u32 off[] = { 0x20000, 0x40000, 0x80000000, 0xfffe0000,
				   0xfff00000 };
	struct natgw_tcp_track t = established(1000, 5000), was = t;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(off); i++) {
		natgw_tcp_step(&t, C, R, 1001 + off[i], 0, 0);
		natgw_tcp_step(&t, C, R | A, 1001 + off[i], 5001, 0);
		natgw_tcp_step(&t, S, R, 5001 + off[i], 0, 0);
		natgw_tcp_step(&t, S, R | A, 5001 + off[i], 1001, 0);
		CHECK(!memcmp(&t, &was, sizeof(t)),
		      "RST %#x away changed the session (state %u)", off[i],
		      t.state);
	}
}

/* An RST at the sender's next sequence number, either side, closes. */
static void test_rst_in_window(void)
{
	struct natgw_tcp_track t = established(1000, 5000);

	natgw_tcp_step(&t, C, A, 1001, 5001, 3000);	/* data: now 4001 */
	natgw_tcp_step(&t, C, R, 4001, 0, 0);
	CHECK(t.state == NATGW_TCP_CLOSE, "client's RST: %u", t.state);

	t = established(1000, 5000);
	natgw_tcp_step(&t, S, R | A, 5001, 1001, 0);
	CHECK(t.state == NATGW_TCP_CLOSE, "server's RST: %u", t.state);
	/* after an RST a FIN (already on its way) does not reopen it */
	natgw_tcp_step(&t, C, F | A, 1001, 5001, 0);
	CHECK(t.state == NATGW_TCP_CLOSE, "FIN after RST: %u", t.state);
}

/*
 * The RST that refuses a SYN comes from a side not seen yet: its ACK must
 * acknowledge the SYN; without an ACK it is not believed.
 */
static void test_rst_refusing_syn(void)
{
	struct natgw_tcp_track t = { .state = NATGW_TCP_SYN_SENT };

	natgw_tcp_step(&t, C, SY, 7000, 0, 0);
	natgw_tcp_step(&t, S, R, 0, 0, 0);
	CHECK(t.state == NATGW_TCP_SYN_SENT, "RST without ACK: %u", t.state);
	natgw_tcp_step(&t, S, R | A, 0, 7001 + 0x30000, 0);
	CHECK(t.state == NATGW_TCP_SYN_SENT, "RST acking elsewhere: %u",
	      t.state);
	natgw_tcp_step(&t, S, R | A, 0, 7001, 0);
	CHECK(t.state == NATGW_TCP_CLOSE, "RST acking the SYN: %u", t.state);
}

/* A new SYN of the client reopens a closing or closed session. */
static void test_syn_reuse(void)
{
	struct natgw_tcp_track t;
	int i;

	for (i = 0; i < 3; i++) {
		t = established(1000, 5000);
		natgw_tcp_step(&t, C, F | A, 1001, 5001, 0);
		if (i == 1)
			natgw_tcp_step(&t, S, F | A, 5001, 1002, 0);
		if (i == 2)
			natgw_tcp_step(&t, S, R | A, 5001, 1002, 0);
		CHECK(t.state == (i == 0 ? NATGW_TCP_FIN_WAIT :
				  i == 1 ? NATGW_TCP_TIME_WAIT :
					   NATGW_TCP_CLOSE),
		      "case %d: state %u before the SYN", i, t.state);
		/* a SYN from the server, or with ACK, reopens nothing */
		natgw_tcp_step(&t, S, SY, 9, 0, 0);
		natgw_tcp_step(&t, C, SY | A, 9, 9, 0);
		CHECK(t.state != NATGW_TCP_SYN_SENT, "case %d: reopened", i);
		natgw_tcp_step(&t, C, SY, 900000, 0, 0);
		CHECK(t.state == NATGW_TCP_SYN_SENT, "case %d: state %u", i,
		      t.state);
		CHECK(!(t.bits & (NATGW_TCP_FIN_SEEN(C) | NATGW_TCP_FIN_SEEN(S) |
				  NATGW_TCP_SEQ_SEEN(S))),
		      "case %d: old bits %#x kept", i, t.bits);
		/* the new connection's own handshake and RST check */
		natgw_tcp_step(&t, S, SY | A, 800000, 900001, 0);
		natgw_tcp_step(&t, C, A, 900001, 800001, 0);
		CHECK(t.state == NATGW_TCP_ESTABLISHED, "case %d: state %u", i,
		      t.state);
		natgw_tcp_step(&t, C, R, 1002, 0, 0);
		CHECK(t.state == NATGW_TCP_ESTABLISHED,
		      "case %d: the old connection's RST closed the new", i);
	}
}

/* Sequence numbers wrap: an RST just past 2^32 is in the window. */
static void test_wrap(void)
{
	struct natgw_tcp_track t = established(0xffffff00, 5000);

	natgw_tcp_step(&t, C, A, 0xffffff01, 5001, 0x200);	/* ends 0x101 */
	natgw_tcp_step(&t, C, R, 0x101, 0, 0);
	CHECK(t.state == NATGW_TCP_CLOSE, "RST past the wrap: %u", t.state);
}

static u32 circular_distance(u32 a, u32 b)
{
	u32 d = a - b;

	return d < 0x80000000u ? d : -d;
}

/* Random connections and RSTs against the exact reference. */
static void test_random_vs_naive(void)
{
	uint64_t rng = 11;
	unsigned int i, believed = 0, refused = 0;

	for (i = 0; i < 200000; i++) {
		u32 c = (u32)prng_next(&rng), s = (u32)prng_next(&rng);
		u32 len = prng_below(&rng, 1 << 20);
		int side = prng_below(&rng, 2);
		u32 end[2], rst, d;
		struct natgw_tcp_track t = established(c, s);

		natgw_tcp_step(&t, C, A, c + 1, s + 1, len);
		end[C] = c + 1 + len;
		end[S] = s + 1;
		switch (prng_below(&rng, 3)) {
		case 0:		/* near */
			rst = end[side] + prng_below(&rng, 1 << 17) - (1 << 16);
			break;
		case 1:		/* around the edges */
			rst = end[side] + prng_below(&rng, 1 << 19) - (1 << 18);
			break;
		default:	/* anywhere */
			rst = (u32)prng_next(&rng);
		}
		natgw_tcp_step(&t, side, R, rst, 0, 0);
		d = circular_distance(rst, end[side]);
		if (d < (1 << 16)) {
			CHECK(t.state == NATGW_TCP_CLOSE,
			      "RST %#x, %u from the end %#x: not believed",
			      rst, d, end[side]);
			believed++;
		} else if (d >= (1 << 17)) {
			CHECK(t.state == NATGW_TCP_ESTABLISHED,
			      "RST %#x, %u from the end %#x: believed",
			      rst, d, end[side]);
			refused++;
		}
	}
	CHECK(believed > 10000 && refused > 10000, "cases: %u believed, %u refused",
	      believed, refused);
}

const struct unit_test tcptrack_tests[] = {
	{ "tcptrack_handshake_and_close", test_handshake_and_close },
	{ "tcptrack_rst_out_of_window", test_rst_out_of_window },
	{ "tcptrack_rst_in_window", test_rst_in_window },
	{ "tcptrack_rst_refusing_syn", test_rst_refusing_syn },
	{ "tcptrack_syn_reuse", test_syn_reuse },
	{ "tcptrack_wrap", test_wrap },
	{ "tcptrack_random_vs_naive", test_random_vs_naive },
};
const unsigned int tcptrack_ntests = ARRAY_SIZE(tcptrack_tests);
