/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Header parsing and rewriting: turning a packet's tuple into another one
 * with every checksum kept right.
 */
#ifndef _NATGW_XLATE_H
#define _NATGW_XLATE_H

#include <linux/skbuff.h>

#include "session.h"

/* What natgw_xlate_parse() found */
enum natgw_parse {
	NATGW_PARSE_OK,		/* TCP, UDP or ICMP echo: @t is filled */
	NATGW_PARSE_ICMP_ERR,	/* an ICMP error: see natgw_xlate_icmp_error() */
	NATGW_PARSE_OTHER,	/* a protocol or ICMP type natgw does not track */
	NATGW_PARSE_BAD,	/* truncated or inconsistent: drop */
};

/* Per packet parse result, filled by natgw_xlate_parse() */
struct natgw_pkt {
	struct natgw_tuple t;
	unsigned int thoff;	/* transport header offset from skb->data */
	u8 icmp_type;
	bool syn;		/* TCP SYN without ACK: may open a session */
};

enum natgw_parse natgw_xlate_parse(struct sk_buff *skb, struct natgw_pkt *pkt);
int natgw_xlate(struct sk_buff *skb, const struct natgw_pkt *pkt,
		const struct natgw_tuple *to);
struct sk_buff *natgw_xlate_echo_reply(struct sk_buff *skb,
				       const struct natgw_pkt *pkt);
int natgw_xlate_icmp_inner(struct sk_buff *skb, const struct natgw_pkt *pkt,
			   struct natgw_pkt *inner);
int natgw_xlate_icmp_error(struct sk_buff *skb, const struct natgw_pkt *pkt,
			   const struct natgw_pkt *inner,
			   const struct natgw_tuple *quoted,
			   __be32 outer_src, __be32 outer_dst);

#endif /* _NATGW_XLATE_H */
