// SPDX-License-Identifier: GPL-2.0
/*
 * natgw header rewriting.
 *
 * Checksums are updated incrementally.  TCP and UDP cover a pseudo header,
 * so an address change touches their checksum too; inet_proto_csum_replace*()
 * also does the right thing for CHECKSUM_PARTIAL packets from local sockets
 * (only the pseudo-header part lives in the field then) and keeps
 * CHECKSUM_COMPLETE valid.  A UDP checksum of zero means "none" and stays
 * zero, whatever skb->ip_summed says: a tunnel endpoint that sends no outer
 * checksum (VXLAN, Geneve) hands over CHECKSUM_PARTIAL packets whose offload
 * is for the inner checksum (as nf_nat's udp_manip_pkt()).  A computed zero
 * is sent as 0xffff (RFC 768).
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>

#include "xlate.h"

static bool natgw_icmp_is_error(u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

enum natgw_parse natgw_xlate_parse(struct sk_buff *skb, struct natgw_pkt *pkt)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct natgw_tuple *t = &pkt->t;
	unsigned int thoff = iph->ihl * 4;
	const struct icmphdr *ih;
	const struct tcphdr *th;
	const struct udphdr *uh;

	/* defragmentation ran before us; a fragment left here is bogus */
	if (ip_is_fragment(iph))
		return NATGW_PARSE_BAD;
	memset(t, 0, sizeof(*t));
	t->src = iph->saddr;
	t->dst = iph->daddr;
	t->proto = iph->protocol;
	pkt->thoff = thoff;
	pkt->syn = false;

	switch (iph->protocol) {
	case IPPROTO_TCP:
		if (!pskb_may_pull(skb, thoff + sizeof(*th)))
			return NATGW_PARSE_BAD;
		th = (const struct tcphdr *)(skb->data + thoff);
		if (th->doff * 4 < sizeof(*th) || skb->len < thoff + th->doff * 4)
			return NATGW_PARSE_BAD;
		t->sport = th->source;
		t->dport = th->dest;
		pkt->syn = th->syn && !th->ack && !th->rst && !th->fin;
		return NATGW_PARSE_OK;
	case IPPROTO_UDP:
		if (!pskb_may_pull(skb, thoff + sizeof(*uh)))
			return NATGW_PARSE_BAD;
		uh = (const struct udphdr *)(skb->data + thoff);
		t->sport = uh->source;
		t->dport = uh->dest;
		return NATGW_PARSE_OK;
	case IPPROTO_ICMP:
		if (!pskb_may_pull(skb, thoff + sizeof(*ih)))
			return NATGW_PARSE_BAD;
		ih = (const struct icmphdr *)(skb->data + thoff);
		pkt->icmp_type = ih->type;
		if (ih->type == ICMP_ECHO) {
			t->sport = ih->un.echo.id;
			return NATGW_PARSE_OK;
		}
		if (ih->type == ICMP_ECHOREPLY) {
			t->dport = ih->un.echo.id;
			return NATGW_PARSE_OK;
		}
		if (natgw_icmp_is_error(ih->type))
			return NATGW_PARSE_ICMP_ERR;
		return NATGW_PARSE_OTHER;
	}
	return NATGW_PARSE_OTHER;
}

static void natgw_l4_addr(struct sk_buff *skb, __sum16 *check, __be32 from,
			  __be32 to)
{
	if (from != to)
		inet_proto_csum_replace4(check, skb, from, to, true);
}

static void natgw_l4_port(struct sk_buff *skb, __sum16 *check, __be16 *port,
			  __be16 to)
{
	if (*port == to)
		return;
	inet_proto_csum_replace2(check, skb, *port, to, false);
	*port = to;
}

/*
 * Rewrite the packet described by @pkt so that it carries tuple @to.  Only
 * fields that differ are touched.
 */
int natgw_xlate(struct sk_buff *skb, const struct natgw_pkt *pkt,
		const struct natgw_tuple *to)
{
	const struct natgw_tuple *from = &pkt->t;
	unsigned int thoff = pkt->thoff, hlen;
	struct icmphdr *ih;
	struct tcphdr *th;
	struct udphdr *uh;
	struct iphdr *iph;

	switch (from->proto) {
	case IPPROTO_TCP:
		hlen = sizeof(*th);
		break;
	case IPPROTO_UDP:
		hlen = sizeof(*uh);
		break;
	default:
		hlen = sizeof(*ih);
		break;
	}
	if (skb_ensure_writable(skb, thoff + hlen))
		return -ENOMEM;
	iph = ip_hdr(skb);

	switch (from->proto) {
	case IPPROTO_TCP:
		th = (struct tcphdr *)(skb->data + thoff);
		natgw_l4_addr(skb, &th->check, from->src, to->src);
		natgw_l4_addr(skb, &th->check, from->dst, to->dst);
		natgw_l4_port(skb, &th->check, &th->source, to->sport);
		natgw_l4_port(skb, &th->check, &th->dest, to->dport);
		break;
	case IPPROTO_UDP:
		uh = (struct udphdr *)(skb->data + thoff);
		if (!uh->check) {
			uh->source = to->sport;
			uh->dest = to->dport;
			break;
		}
		natgw_l4_addr(skb, &uh->check, from->src, to->src);
		natgw_l4_addr(skb, &uh->check, from->dst, to->dst);
		natgw_l4_port(skb, &uh->check, &uh->source, to->sport);
		natgw_l4_port(skb, &uh->check, &uh->dest, to->dport);
		if (!uh->check)
			uh->check = CSUM_MANGLED_0;
		break;
	case IPPROTO_ICMP:
		/* echo: no pseudo header; the id is the port of its sender side */
		ih = (struct icmphdr *)(skb->data + thoff);
		if (ih->type == ICMP_ECHO)
			natgw_l4_port(skb, &ih->checksum, &ih->un.echo.id,
				      to->sport);
		else
			natgw_l4_port(skb, &ih->checksum, &ih->un.echo.id,
				      to->dport);
		break;
	}
	if (from->src != to->src) {
		csum_replace4(&iph->check, iph->saddr, to->src);
		iph->saddr = to->src;
	}
	if (from->dst != to->dst) {
		csum_replace4(&iph->check, iph->daddr, to->dst);
		iph->daddr = to->dst;
	}
	return 0;
}

/*
 * The gateway's own echo reply to an echo request for an EIP: a new packet
 * from the EIP to the asker, without IP options, carrying the request's
 * identifier, sequence number and data (RFC 792).  NULL if the request's
 * checksum is wrong (the reply's is computed anew: it must not repair a
 * corrupt request) or memory is short.  The caller sets the TTL and the
 * IP ID, routes and sends it.
 */
struct sk_buff *natgw_xlate_echo_reply(struct sk_buff *skb,
				       const struct natgw_pkt *pkt)
{
	unsigned int len = skb->len - pkt->thoff;
	const struct iphdr *req = ip_hdr(skb);
	struct sk_buff *nskb;
	struct icmphdr *ih;
	struct iphdr *iph;

	if (skb->ip_summed != CHECKSUM_PARTIAL &&
	    csum_fold(skb_checksum(skb, pkt->thoff, len, 0)))
		return NULL;
	nskb = alloc_skb(LL_MAX_HEADER + sizeof(*iph) + len, GFP_ATOMIC);
	if (!nskb)
		return NULL;
	skb_reserve(nskb, LL_MAX_HEADER);
	skb_reset_network_header(nskb);
	iph = skb_put(nskb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = req->tos;
	iph->tot_len = htons(sizeof(*iph) + len);
	iph->id = 0;
	iph->frag_off = 0;
	iph->ttl = IPDEFTTL;
	iph->protocol = IPPROTO_ICMP;
	iph->check = 0;
	iph->saddr = req->daddr;
	iph->daddr = req->saddr;
	skb_set_transport_header(nskb, sizeof(*iph));
	ih = skb_put(nskb, len);
	if (skb_copy_bits(skb, pkt->thoff, ih, len)) {
		kfree_skb(nskb);
		return NULL;
	}
	ih->type = ICMP_ECHOREPLY;
	ih->code = 0;
	ih->checksum = 0;
	ih->checksum = csum_fold(csum_partial(ih, len, 0));
	nskb->protocol = htons(ETH_P_IP);
	return nskb;
}

/*
 * ICMP errors (RFC 5508).  An error carries the head of the packet that
 * caused it: that packet was translated on its way, so the embedded tuple is
 * the inverse of one of its session's tuples.  natgw_xlate_icmp_inner()
 * reads it; natgw_xlate_icmp_error() puts the embedded packet back into the
 * form its sender knows and moves the error's own addresses along with it.
 */
int natgw_xlate_icmp_inner(struct sk_buff *skb, const struct natgw_pkt *pkt,
			   struct natgw_pkt *inner)
{
	unsigned int off = pkt->thoff + sizeof(struct icmphdr);
	const struct icmphdr *ih;
	const struct iphdr *iph;
	const __be16 *ports;

	/* the addresses are set even when the quote is no use otherwise */
	memset(&inner->t, 0, sizeof(inner->t));
	if (!pskb_may_pull(skb, off + sizeof(*iph)))
		return -EINVAL;
	iph = (const struct iphdr *)(skb->data + off);
	inner->t.src = iph->saddr;
	inner->t.dst = iph->daddr;
	inner->t.proto = iph->protocol;
	/*
	 * A first fragment (MF, offset 0) carries the transport header that
	 * the error is about, as conntrack sees it too; a later one does not.
	 */
	if (iph->version != 4 || iph->ihl < 5 || iph->frag_off & htons(IP_OFFSET))
		return -EINVAL;
	inner->thoff = off + iph->ihl * 4;
	/* RFC 792: at least 8 bytes of the transport header are quoted */
	if (!pskb_may_pull(skb, inner->thoff + 8))
		return -EINVAL;
	iph = (const struct iphdr *)(skb->data + off);
	switch (iph->protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		ports = (const __be16 *)(skb->data + inner->thoff);
		inner->t.sport = ports[0];
		inner->t.dport = ports[1];
		return 0;
	case IPPROTO_ICMP:
		ih = (const struct icmphdr *)(skb->data + inner->thoff);
		inner->icmp_type = ih->type;
		if (ih->type == ICMP_ECHO)
			inner->t.sport = ih->un.echo.id;
		else if (ih->type == ICMP_ECHOREPLY)
			inner->t.dport = ih->un.echo.id;
		else
			return -EINVAL;	/* no error about an error */
		return 0;
	}
	return -EINVAL;
}

/* The quoted transport header: ports, and its checksum when quoted whole. */
static void natgw_xlate_quoted_l4(struct sk_buff *skb,
				  const struct natgw_pkt *inner,
				  const struct natgw_tuple *to)
{
	const struct natgw_tuple *from = &inner->t;
	void *l4 = skb->data + inner->thoff;
	struct icmphdr *ih;
	struct tcphdr *th;
	struct udphdr *uh;
	__sum16 dummy = 0;
	__sum16 *check;

	switch (from->proto) {
	case IPPROTO_TCP:
		th = l4;
		check = skb->len >= inner->thoff + sizeof(*th) ? &th->check :
								 &dummy;
		csum_replace4(check, from->src, to->src);
		csum_replace4(check, from->dst, to->dst);
		csum_replace2(check, th->source, to->sport);
		csum_replace2(check, th->dest, to->dport);
		th->source = to->sport;
		th->dest = to->dport;
		break;
	case IPPROTO_UDP:
		uh = l4;
		check = uh->check ? &uh->check : &dummy;
		csum_replace4(check, from->src, to->src);
		csum_replace4(check, from->dst, to->dst);
		csum_replace2(check, uh->source, to->sport);
		csum_replace2(check, uh->dest, to->dport);
		uh->source = to->sport;
		uh->dest = to->dport;
		break;
	case IPPROTO_ICMP:
		ih = l4;
		if (ih->type == ICMP_ECHO) {
			csum_replace2(&ih->checksum, ih->un.echo.id, to->sport);
			ih->un.echo.id = to->sport;
		} else {
			csum_replace2(&ih->checksum, ih->un.echo.id, to->dport);
			ih->un.echo.id = to->dport;
		}
		break;
	}
}

/*
 * Rewrite an ICMP error: the quoted packet becomes @quoted, the error's
 * destination becomes @outer_dst and, when @outer_src is not 0, its source
 * becomes @outer_src.
 */
int natgw_xlate_icmp_error(struct sk_buff *skb, const struct natgw_pkt *pkt,
			   const struct natgw_pkt *inner,
			   const struct natgw_tuple *quoted,
			   __be32 outer_src, __be32 outer_dst)
{
	unsigned int wlen = min_t(unsigned int, skb->len,
				  inner->thoff + sizeof(struct tcphdr));
	struct iphdr *iph, *qiph;
	struct icmphdr *ih;

	/*
	 * The error's checksum is computed anew below: check it first, so that
	 * a corrupt error is dropped rather than repaired (conntrack drops it
	 * too).  Errors are rare; summing one is cheap.
	 */
	if (skb->ip_summed != CHECKSUM_PARTIAL &&
	    csum_fold(skb_checksum(skb, pkt->thoff, skb->len - pkt->thoff, 0)))
		return -EINVAL;
	if (skb_ensure_writable(skb, wlen))
		return -ENOMEM;
	qiph = (struct iphdr *)(skb->data + pkt->thoff + sizeof(*ih));
	natgw_xlate_quoted_l4(skb, inner, quoted);
	csum_replace4(&qiph->check, qiph->saddr, quoted->src);
	csum_replace4(&qiph->check, qiph->daddr, quoted->dst);
	qiph->saddr = quoted->src;
	qiph->daddr = quoted->dst;

	/* the quoted bytes changed: the error's checksum is computed anew */
	ih = (struct icmphdr *)(skb->data + pkt->thoff);
	if (skb->ip_summed != CHECKSUM_PARTIAL) {
		ih->checksum = 0;
		ih->checksum = csum_fold(skb_checksum(skb, pkt->thoff,
						      skb->len - pkt->thoff, 0));
		if (skb->ip_summed == CHECKSUM_COMPLETE)
			skb->ip_summed = CHECKSUM_NONE;
	}

	iph = ip_hdr(skb);
	if (outer_src && outer_src != iph->saddr) {
		csum_replace4(&iph->check, iph->saddr, outer_src);
		iph->saddr = outer_src;
	}
	if (outer_dst != iph->daddr) {
		csum_replace4(&iph->check, iph->daddr, outer_dst);
		iph->daddr = outer_dst;
	}
	return 0;
}
