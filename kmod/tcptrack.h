/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP tracking of a session, as a NAT needs it (RFC 5382, RFC 7857 section
 * 2): enough to pick the timeout, to keep a blind RST from ending a session,
 * and to let a new connection on the same 5-tuple reuse a closing session.
 *
 * It is a pure function of the session's tracking state and one segment's
 * flags and numbers, with no kernel dependency beyond the types, so that the
 * unit tests (tests/test_tcptrack.c) run it unchanged.
 *
 * The state kept per session fits in the 128 bytes (see design.md): the
 * state byte, a byte of bits (FIN seen, a segment seen, per direction) and,
 * per direction, the top 16 bits of where the last segment from that side
 * ended (seq + length + SYN + FIN).  An RST is believed when its sequence
 * number lies within one such 64 KiB block of where its sender's last
 * segment ended; an RST from a side not seen yet (a refused SYN) when its
 * acknowledgment number does the same for the other side.  That is
 * conntrack's RST check at 64 KiB granularity: a blind attacker who knows
 * the full 5-tuple must hit 3 blocks of 65536, a chance of 1 in 21845 per
 * guess, and an out-of-window RST leaves the session as it was.
 */
#ifndef _NATGW_TCPTRACK_H
#define _NATGW_TCPTRACK_H

#include <linux/types.h>
#include <uapi/linux/natgw.h>

#define NATGW_TCPF_FIN		0x01
#define NATGW_TCPF_SYN		0x02
#define NATGW_TCPF_RST		0x04
#define NATGW_TCPF_ACK		0x10

/* natgw_tcp_track.bits */
#define NATGW_TCP_FIN_SEEN(dir)	(1U << (dir))		/* FIN from that side */
#define NATGW_TCP_SEQ_SEEN(dir)	(1U << (2 + (dir)))	/* seq_hi[dir] is set */

struct natgw_tcp_track {
	u8 state;		/* enum natgw_tcp_state */
	u8 bits;		/* NATGW_TCP_*_SEEN */
	u16 seq_hi[2];		/* [dir]: (end of last segment from dir) >> 16 */
};

/* @seq is within one 64 KiB block of the block @hi, modulo 2^32. */
static inline bool natgw_tcp_near(u32 seq, u16 hi)
{
	u16 d = (u16)((seq >> 16) - hi);

	return d <= 1 || d == 0xffff;
}

/* Whether an RST from @dir may end the connection. */
static inline bool natgw_tcp_rst_ok(const struct natgw_tcp_track *t, int dir,
				    u8 flags, u32 seq, u32 ack)
{
	if (t->bits & NATGW_TCP_SEQ_SEEN(dir))
		return natgw_tcp_near(seq, t->seq_hi[dir]);
	if ((flags & NATGW_TCPF_ACK) && (t->bits & NATGW_TCP_SEQ_SEEN(!dir)))
		return natgw_tcp_near(ack, t->seq_hi[!dir]);
	return false;
}

/*
 * One segment from direction @dir (0: ORIG, 1: REPLY) with TCP @flags,
 * sequence @seq, acknowledgment @ack and @len bytes of payload.
 */
static inline void natgw_tcp_step(struct natgw_tcp_track *t, int dir,
				  u8 flags, u32 seq, u32 ack, u32 len)
{
	u8 st = t->state;

	if (flags & NATGW_TCPF_RST) {
		/* an RST out of the window is not the peer's: change nothing */
		if (natgw_tcp_rst_ok(t, dir, flags, seq, ack))
			t->state = NATGW_TCP_CLOSE;
		return;
	}
	if ((flags & NATGW_TCPF_SYN) && !(flags & NATGW_TCPF_ACK) && !dir &&
	    (st == NATGW_TCP_FIN_WAIT || st == NATGW_TCP_TIME_WAIT ||
	     st == NATGW_TCP_CLOSE)) {
		/*
		 * The client opens a new connection on the same 5-tuple: it
		 * reuses the session, and its public address and port (RFC
		 * 7857 section 2), as conntrack reopens a closed connection.
		 */
		t->bits = 0;
		st = NATGW_TCP_SYN_SENT;
	} else if (flags & NATGW_TCPF_SYN) {
		if (dir && (flags & NATGW_TCPF_ACK) && st == NATGW_TCP_SYN_SENT)
			st = NATGW_TCP_SYN_RECV;
	} else if ((flags & NATGW_TCPF_FIN) && st != NATGW_TCP_CLOSE) {
		/* after an RST, only a new SYN opens the session again */
		t->bits |= NATGW_TCP_FIN_SEEN(dir);
		st = (t->bits & NATGW_TCP_FIN_SEEN(0)) &&
		     (t->bits & NATGW_TCP_FIN_SEEN(1)) ?
			NATGW_TCP_TIME_WAIT : NATGW_TCP_FIN_WAIT;
	} else if ((flags & NATGW_TCPF_ACK) && !dir &&
		   st == NATGW_TCP_SYN_RECV) {
		st = NATGW_TCP_ESTABLISHED;
	}
	t->state = st;
	len += !!(flags & NATGW_TCPF_SYN) + !!(flags & NATGW_TCPF_FIN);
	t->seq_hi[dir] = (u16)((seq + len) >> 16);
	t->bits |= NATGW_TCP_SEQ_SEEN(dir);
}

#endif /* _NATGW_TCPTRACK_H */
