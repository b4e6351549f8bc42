// SPDX-License-Identifier: GPL-2.0
/*
 * natgw packet path.
 *
 * Two IPv4 hooks, registered in a namespace while it has a gateway:
 *
 * PRE_ROUTING at NATGW_PRI_IN (-225): after defragmentation (-400) and the
 *	raw table (-300), before conntrack (-200).  Packets to an EIP get their
 *	destination translated here (replies to SNAT, DNAT, hairpin), so the
 *	routing decision, conntrack and the forward chain all see the private
 *	destination.  Packets from outside aimed straight at a VPC address are
 *	dropped here.  Echo requests to an EIP are answered here, with a new
 *	packet that the router sends as its own (OUTPUT, not FORWARD).
 * POST_ROUTING at NATGW_PRI_OUT (NF_IP_PRI_NAT_SRC, 100): packets from the
 *	VPC that routing sends out of a gateway's device get their source
 *	translated here, after the forward chain has seen the private source
 *	and before conntrack confirms (conntrack keeps the tuples it saw at
 *	PRE_ROUTING, so a stateful firewall works with private addresses in
 *	both directions).  So do hairpinned packets, between two VPC hosts.
 *
 * ARP_IN: with eip-arp on, the gateway answers ARP requests for its EIPs on
 *	its device, so that an upstream router on the same link reaches them
 *	without any address or proxy-ARP setup on this router.
 *
 * A packet that needs a new destination is translated whole at PRE_ROUTING,
 * except a hairpinned one, which gets its new source at POST_ROUTING (so
 * that conntrack sees one flow A:a -> B:b both ways); a packet that needs
 * only a new source is translated at POST_ROUTING.  Both hooks run under
 * the rcu_read_lock() netfilter holds, and do bounded work.
 */
#include <linux/icmp.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
#include <linux/netfilter_ipv4.h>
#include <net/arp.h>
#include <net/ip.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>

#include "gateway.h"
#include "hooks.h"
#include "netlink.h"
#include "xlate.h"

#define NATGW_PRI_IN	(NF_IP_PRI_CONNTRACK - 25)
#define NATGW_PRI_OUT	NF_IP_PRI_NAT_SRC

/* Bounded retries when another CPU takes the tuple we chose first. */
#define NATGW_INSERT_TRIES	3

enum { NATGW_STAT_OUT, NATGW_STAT_IN };

static unsigned int natgw_drop(struct natgw_gw *gw, struct natgw_eip *eip,
			       struct natgw_rule *r, enum natgw_drop why)
{
	if (gw)
		natgw_stats_drop(gw->stats, why);
	if (eip)
		natgw_stats_drop(eip->stats, why);
	if (r)
		natgw_stats_drop(r->stats, why);
	return NF_DROP;
}

/*
 * Rewrite a packet of session @s travelling in direction @dir to @to, and
 * account for it.
 */
static unsigned int natgw_forward_to(struct natgw_net *nn,
				     struct natgw_session *s,
				     enum natgw_dir dir, struct sk_buff *skb,
				     const struct natgw_pkt *pkt, int stat_dir,
				     const struct natgw_tuple *to)
{
	if (natgw_xlate(skb, pkt, to))
		return natgw_drop(s->eip->gw, s->eip, s->rule,
				  NATGW_DROP_MALFORMED);
	natgw_session_refresh(nn, s, dir, skb, pkt->thoff);
	natgw_stats_add(s->eip->gw->stats, stat_dir, skb->len);
	natgw_stats_add(s->eip->stats, stat_dir, skb->len);
	if (s->rule)
		natgw_stats_add(s->rule->stats, stat_dir, skb->len);
	return NF_ACCEPT;
}

/*
 * Translate a packet of session @s travelling in direction @dir: it leaves
 * as the inverse of the other tuple.  A hairpinned packet gets only its new
 * destination here, at PRE_ROUTING; natgw_hairpin_out() gives it its new
 * source.
 */
static unsigned int natgw_forward(struct natgw_net *nn, struct natgw_session *s,
				  enum natgw_dir dir, struct sk_buff *skb,
				  const struct natgw_pkt *pkt, int stat_dir)
{
	struct natgw_tuple to;

	if (s->kind == NATGW_SESS_HAIRPIN && dir == NATGW_DIR_ORIG)
		to = s->th[NATGW_DIR_ORIG].t;	/* A:a -> B:b */
	else
		natgw_tuple_invert(&to, &s->th[!dir].t);
	return natgw_forward_to(nn, s, dir, skb, pkt, stat_dir, &to);
}

/* A hairpin session's ORIG tuple as its client sent it: A:a -> E:e. */
static void natgw_hairpin_orig(struct natgw_tuple *t,
			       const struct natgw_session *s)
{
	*t = s->th[NATGW_DIR_ORIG].t;
	t->dst = s->eip->addr;
	t->dport = natgw_dnat_pub_port(s->rule, t->dport);
}

/* Where DNAT entry @r sends a packet @t to its EIP: @t rewritten. */
static void natgw_dnat_target(struct natgw_tuple *to, const struct natgw_rule *r,
			      const struct natgw_tuple *t)
{
	*to = *t;
	to->dst = r->dnat.priv_addr;
	if (r->dnat.proto)
		to->dport = htons(r->dnat.priv_min +
				  (ntohs(t->dport) - r->dnat.pub_min));
}

/* The DNAT entry of EIP @eip that takes a packet @t, if any. */
static struct natgw_rule *natgw_dnat_find(struct natgw_eip *eip,
					  const struct natgw_tuple *t)
{
	struct natgw_rule *r = rcu_dereference(eip->ipmap);

	if (!r && t->proto != IPPROTO_ICMP)
		r = natgw_dnat_rule(eip, t->proto, ntohs(t->dport));
	return r;
}

/*
 * The hairpin session of a packet @t from the VPC to EIP @eip through DNAT
 * entry @r, found by its ORIG tuple (@t after DNAT, left in @k): NULL if
 * there is none.
 */
static struct natgw_session *natgw_hairpin_find(struct natgw_net *nn,
						struct natgw_eip *eip,
						struct natgw_rule *r,
						const struct natgw_tuple *t,
						struct natgw_tuple *k)
{
	struct natgw_session *s;
	enum natgw_dir dir;

	natgw_dnat_target(k, r, t);
	s = natgw_session_lookup(nn, k, &dir);
	if (!s || dir != NATGW_DIR_ORIG || s->kind != NATGW_SESS_HAIRPIN ||
	    s->eip != eip || s->rule != r)
		return NULL;
	return s;
}

struct natgw_taken_ctx {
	struct natgw_net *nn;
	struct natgw_tuple t;	/* REPLY tuple; dport is the candidate */
};

static bool natgw_port_taken(const void *arg, u16 port)
{
	const struct natgw_taken_ctx *c = arg;
	struct natgw_tuple t = c->t;

	t.dport = htons(port);
	return natgw_session_tuple_taken(c->nn, &t);
}

/*
 * Give @s a public port on @eip for its REPLY tuple and link it.  Returns 0,
 * -ENOSPC when the EIP has no port for this destination, or -EEXIST when
 * another CPU made the same flow's session first (then *winner is set, and
 * *wdir to the direction in which the packet's tuple matched it: the winner
 * may be a mirror image, whose REPLY tuple is this packet's ORIG).
 */
static int natgw_bind_port(struct natgw_net *nn, struct natgw_session *s,
			   struct natgw_eip *eip, __be16 hint,
			   struct natgw_session **winner, enum natgw_dir *wdir)
{
	struct natgw_tuple *rt = &s->th[NATGW_DIR_REPLY].t;
	struct natgw_portalloc *pa = &eip->pa[natgw_proto_index(rt->proto)];
	struct natgw_taken_ctx ctx = { .nn = nn };
	u16 hints[1] = { ntohs(hint) };
	int i;
	u16 port;

	rt->dst = eip->addr;
	ctx.t = *rt;
	s->eip = eip;
	s->flags |= NATGW_SF_PORT;
	for (i = 0; i < NATGW_INSERT_TRIES; i++) {
		port = natgw_portalloc_alloc(pa, hints, 1, natgw_port_taken,
					     &ctx, get_random_u32());
		if (!port)
			return -ENOSPC;
		rt->dport = htons(port);
		if (!natgw_session_insert(nn, s))
			return 0;
		natgw_portalloc_put(pa, port);
		*winner = natgw_session_lookup(nn, &s->th[NATGW_DIR_ORIG].t,
					       wdir);
		if (*winner) {
			/* as the lookup matched it; unit-tested */
			*wdir = natgw_session_dir(*winner,
						  &s->th[NATGW_DIR_ORIG].t);
			return -EEXIST;
		}
	}
	return -ENOSPC;
}

/*
 * Link a session that needs no port; on a lost race use the winner, in the
 * direction its lookup returned (*dir: ORIG for @s itself).
 */
static struct natgw_session *natgw_link(struct natgw_net *nn,
					struct natgw_session *s,
					enum natgw_dir *dir)
{
	struct natgw_session *winner;

	*dir = NATGW_DIR_ORIG;
	if (!natgw_session_insert(nn, s))
		return s;
	winner = natgw_session_lookup(nn, &s->th[NATGW_DIR_ORIG].t, dir);
	if (winner)	/* as the lookup matched it; unit-tested */
		*dir = natgw_session_dir(winner, &s->th[NATGW_DIR_ORIG].t);
	natgw_session_free(nn, s);
	return winner;
}

static unsigned int natgw_port_fail(struct natgw_net *nn, struct natgw_gw *gw,
				    struct natgw_eip *eip, struct natgw_rule *r,
				    const struct natgw_tuple *t)
{
	natgw_nl_portalloc_event(nn, gw, eip, t);
	return natgw_drop(gw, eip, r, NATGW_DROP_PORT_ALLOC);
}

/* A new flow from a private host, leaving through SNAT entry @r. */
static unsigned int natgw_snat_new(struct natgw_net *nn, struct natgw_gw *gw,
				   struct natgw_rule *r, struct sk_buff *skb,
				   const struct natgw_pkt *pkt)
{
	const struct natgw_tuple *t = &pkt->t;
	const struct natgw_eip_set *set = rcu_dereference(r->snat.eips);
	struct natgw_session *s, *winner = NULL;
	enum natgw_dir wdir = NATGW_DIR_ORIG;
	enum natgw_drop why;
	unsigned int i, first;
	u32 h;
	int ret = -ENOSPC;

	s = natgw_session_alloc(nn, gw, &why);
	if (!s)
		return natgw_drop(gw, NULL, r, why);
	s->th[NATGW_DIR_ORIG].t = *t;
	natgw_tuple_invert(&s->th[NATGW_DIR_REPLY].t, t);
	s->rule = r;
	s->kind = NATGW_SESS_SNAT;
	s->tcp_state = t->proto == IPPROTO_TCP ? NATGW_TCP_SYN_SENT :
						 NATGW_TCP_NONE;

	/*
	 * Affinity: one EIP per (private host, destination host).  Without it,
	 * the hash is over the private endpoint, which spreads connections and
	 * keeps an endpoint on one EIP whatever the destination (endpoint-
	 * independent mapping).  A full EIP passes the flow to the next one
	 * unless affinity pins it.
	 */
	if (set->affinity)
		h = siphash_2u32((__force u32)t->src, (__force u32)t->dst,
				 &nn->key);
	else
		h = siphash_3u32((__force u32)t->src, (__force u32)t->sport,
				 t->proto, &nn->key);
	first = reciprocal_scale(h, set->n);
	for (i = 0; i < set->n; i++) {
		ret = natgw_bind_port(nn, s, set->eip[(first + i) % set->n],
				      t->sport, &winner, &wdir);
		if (ret != -ENOSPC || set->affinity)
			break;
	}
	if (!ret)
		return natgw_forward(nn, s, NATGW_DIR_ORIG, skb, pkt,
				     NATGW_STAT_OUT);
	natgw_session_free(nn, s);
	if (ret == -EEXIST)
		return natgw_forward(nn, winner, wdir, skb, pkt,
				     NATGW_STAT_OUT);
	return natgw_port_fail(nn, gw, set->eip[first], r, t);
}

/* A new flow from the private host of IP mapping @r: it leaves as its EIP. */
static unsigned int natgw_ipmap_out_new(struct natgw_net *nn,
					struct natgw_gw *gw,
					struct natgw_rule *r,
					struct sk_buff *skb,
					const struct natgw_pkt *pkt)
{
	struct natgw_session *s;
	enum natgw_dir dir;
	enum natgw_drop why;

	s = natgw_session_alloc(nn, gw, &why);
	if (!s)
		return natgw_drop(gw, r->dnat.eip, r, why);
	s->th[NATGW_DIR_ORIG].t = pkt->t;
	natgw_tuple_invert(&s->th[NATGW_DIR_REPLY].t, &pkt->t);
	s->th[NATGW_DIR_REPLY].t.dst = r->dnat.eip->addr;
	s->rule = r;
	s->eip = r->dnat.eip;
	s->kind = NATGW_SESS_IPMAP_OUT;
	if (pkt->t.proto == IPPROTO_TCP)
		s->tcp_state = NATGW_TCP_SYN_SENT;
	s = natgw_link(nn, s, &dir);
	if (!s)
		return natgw_drop(gw, r->dnat.eip, r, NATGW_DROP_NO_SESSION);
	return natgw_forward(nn, s, dir, skb, pkt, NATGW_STAT_OUT);
}

/*
 * An ICMP error about a session: find the session from the quoted packet and
 * translate both.  @strict: an error that matches no session is dropped;
 * otherwise (the router's own errors) it passes untouched.
 */
static unsigned int natgw_icmp_error(struct natgw_net *nn, struct natgw_gw *gw,
				     struct natgw_eip *eip, struct sk_buff *skb,
				     const struct natgw_pkt *pkt, int stat_dir,
				     bool strict)
{
	const struct natgw_tuple *mine, *other;
	struct natgw_session *s = NULL;
	struct natgw_tuple key, horig;
	struct natgw_pkt inner;
	struct natgw_rule *r;
	__be32 src = 0;
	enum natgw_dir d;
	bool quotes_vpc;

	if (!natgw_xlate_icmp_inner(skb, pkt, &inner)) {
		natgw_tuple_invert(&key, &inner.t);
		s = natgw_session_lookup(nn, &key, &d);
		/* a hairpin client's error about the answers it got */
		if (!s && eip && key.dst == eip->addr &&
		    natgw_in_vpc(gw, key.src)) {
			r = natgw_dnat_find(eip, &key);
			s = r ? natgw_hairpin_find(nn, eip, r, &key, &horig) :
				NULL;
			d = NATGW_DIR_ORIG;
		}
	}
	quotes_vpc = natgw_in_vpc(gw, inner.t.src) ||
		     natgw_in_vpc(gw, inner.t.dst);
	/*
	 * The quoted packet went the other way (!d) and was translated to the
	 * inverse of tuple[d]: restore tuple[!d].  The error itself travels
	 * in direction d, to the quoted packet's original sender, which is
	 * tuple[d]'s destination: an error sent elsewhere quotes a packet it
	 * never saw (a forgery, which translated would go back the way it
	 * came, or out to the Internet with a private destination).
	 */
	if (s) {
		mine = &s->th[d].t;
		other = &s->th[!d].t;
		/* a hairpin is translated whole here: its client saw E:e */
		if (s->kind == NATGW_SESS_HAIRPIN) {
			natgw_hairpin_orig(&horig, s);
			if (d == NATGW_DIR_ORIG)
				mine = &horig;
			else
				other = &horig;
		}
		if (ip_hdr(skb)->daddr != mine->dst)
			s = NULL;
	}
	/* not ours: passes, unless it would show a VPC address outside */
	if (!s)
		return strict || quotes_vpc ?
			natgw_drop(gw, eip, NULL, NATGW_DROP_ICMP_NO_SESSION) :
			NF_ACCEPT;
	/*
	 * From the peer itself, the error takes the address the other side
	 * knows the peer by; from a router in the VPC too (no VPC address
	 * leaves); a router on the Internet side keeps its own.
	 */
	if (ip_hdr(skb)->saddr == mine->src ||
	    natgw_in_vpc(gw, ip_hdr(skb)->saddr))
		src = other->dst;
	if (natgw_xlate_icmp_error(skb, pkt, &inner, other, src, other->src))
		return natgw_drop(gw, eip, s->rule, NATGW_DROP_MALFORMED);
	natgw_stats_add(s->eip->gw->stats, stat_dir, skb->len);
	natgw_stats_add(s->eip->stats, stat_dir, skb->len);
	return NF_ACCEPT;
}

/* Whether a packet with no session may open one. */
static bool natgw_may_open(const struct natgw_pkt *pkt)
{
	switch (pkt->t.proto) {
	case IPPROTO_TCP:
		return pkt->syn;
	case IPPROTO_ICMP:
		return pkt->icmp_type == ICMP_ECHO;
	}
	return true;
}

/* Whether @a and @b are both in one gateway's VPC. */
static bool natgw_vpc_pair(struct natgw_net *nn, __be32 a, __be32 b)
{
	struct natgw_gw *gw;

	list_for_each_entry_rcu(gw, &nn->gateways, list)
		if (natgw_in_vpc(gw, a) && natgw_in_vpc(gw, b))
			return true;
	return false;
}

/*
 * A packet between two hosts of a VPC: if it belongs to a hairpinned flow,
 * it gets its public source here, after conntrack and the forward chain saw
 * it with private addresses both ways, as nf_nat does SNAT at POST_ROUTING.
 * Its destination was translated at PRE_ROUTING, where it was accounted.
 */
static unsigned int natgw_hairpin_out(struct natgw_net *nn,
				      struct sk_buff *skb)
{
	struct natgw_session *s;
	struct natgw_tuple to, k;
	struct natgw_pkt pkt;
	enum natgw_dir dir;

	if (natgw_xlate_parse(skb, &pkt) != NATGW_PARSE_OK)
		return NF_ACCEPT;
	s = natgw_session_lookup(nn, &pkt.t, &dir);
	if (s && s->kind == NATGW_SESS_HAIRPIN && dir == NATGW_DIR_ORIG) {
		/* the client's packet: from E:x, as the server knows it */
		natgw_tuple_invert(&to, &s->th[NATGW_DIR_REPLY].t);
	} else {
		/* the server's answer: from E:e, where the client sent to */
		natgw_tuple_invert(&k, &pkt.t);
		s = natgw_session_lookup(nn, &k, &dir);
		if (!s || s->kind != NATGW_SESS_HAIRPIN ||
		    dir != NATGW_DIR_ORIG)
			return NF_ACCEPT;
		natgw_hairpin_orig(&k, s);
		natgw_tuple_invert(&to, &k);
	}
	if (natgw_xlate(skb, &pkt, &to))
		return natgw_drop(s->eip->gw, s->eip, s->rule,
				  NATGW_DROP_MALFORMED);
	return NF_ACCEPT;
}

static unsigned int natgw_out(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	struct natgw_net *nn = natgw_pernet(state->net);
	const struct iphdr *iph = ip_hdr(skb);
	struct natgw_session *s;
	struct natgw_pkt pkt;
	enum natgw_dir dir;
	struct natgw_rule *r;
	struct natgw_gw *gw;

	gw = natgw_gw_lookup(nn, state->out->ifindex, iph->saddr);
	if (!gw) {
		if (natgw_vpc_pair(nn, iph->saddr, iph->daddr))
			return natgw_hairpin_out(nn, skb);
		/*
		 * The router's own ICMP errors about translated packets (an
		 * MTU or TTL problem on the VPC side) quote private addresses
		 * that must not leave.
		 */
		if (iph->protocol != IPPROTO_ICMP)
			return NF_ACCEPT;
		gw = natgw_gw_on_dev(nn, state->out->ifindex);
		if (!gw || natgw_xlate_parse(skb, &pkt) != NATGW_PARSE_ICMP_ERR)
			return NF_ACCEPT;
		return natgw_icmp_error(nn, gw, NULL, skb, &pkt, NATGW_STAT_OUT,
					false);
	}

	switch (natgw_xlate_parse(skb, &pkt)) {
	case NATGW_PARSE_OK:
		break;
	case NATGW_PARSE_BAD:
		return natgw_drop(gw, NULL, NULL, NATGW_DROP_MALFORMED);
	case NATGW_PARSE_ICMP_ERR:
		return natgw_icmp_error(nn, gw, NULL, skb, &pkt, NATGW_STAT_OUT,
					true);
	default:
		return natgw_drop(gw, NULL, NULL, NATGW_DROP_UNSUPPORTED);
	}

	s = natgw_session_lookup(nn, &pkt.t, &dir);
	if (s && s->eip->gw == gw)
		return natgw_forward(nn, s, dir, skb, &pkt, NATGW_STAT_OUT);
	/* another gateway's session: never translate with it */
	if (s)
		return natgw_drop(gw, NULL, NULL, NATGW_DROP_UNSOLICITED);

	r = natgw_egress_rule(gw, pkt.t.src);
	if (!r)
		return natgw_drop(gw, NULL, NULL, NATGW_DROP_NO_SNAT);
	if (!natgw_may_open(&pkt))
		return natgw_drop(gw, NULL, r, NATGW_DROP_NO_SESSION);
	if (r->is_dnat)
		return natgw_ipmap_out_new(nn, gw, r, skb, &pkt);
	return natgw_snat_new(nn, gw, r, skb, &pkt);
}

/*
 * A new flow to EIP @eip: a DNAT entry may take it.  From inside the VPC it
 * is hairpinned: its source becomes the EIP too, so that the server's
 * answers come back through the gateway.
 */
static unsigned int natgw_dnat_new(struct natgw_net *nn, struct natgw_eip *eip,
				   struct natgw_rule *r, struct sk_buff *skb,
				   const struct natgw_pkt *pkt)
{
	const struct natgw_tuple *t = &pkt->t;
	struct natgw_gw *gw = eip->gw;
	struct natgw_session *s, *winner = NULL;
	enum natgw_dir dir = NATGW_DIR_ORIG;
	enum natgw_drop why;
	struct natgw_tuple k;
	int ret;

	if (!natgw_may_open(pkt))
		return natgw_drop(gw, eip, r, NATGW_DROP_NO_SESSION);
	s = natgw_session_alloc(nn, gw, &why);
	if (!s)
		return natgw_drop(gw, eip, r, why);
	natgw_dnat_target(&k, r, t);
	natgw_tuple_invert(&s->th[NATGW_DIR_REPLY].t, &k);
	s->rule = r;
	s->eip = eip;
	s->kind = r->dnat.proto ? NATGW_SESS_DNAT : NATGW_SESS_IPMAP_IN;
	if (t->proto == IPPROTO_TCP)
		s->tcp_state = NATGW_TCP_SYN_SENT;

	if (!natgw_in_vpc(gw, t->src)) {
		s->th[NATGW_DIR_ORIG].t = *t;
		s = natgw_link(nn, s, &dir);
		if (!s)
			return natgw_drop(gw, eip, r, NATGW_DROP_NO_SESSION);
		return natgw_forward(nn, s, dir, skb, pkt, NATGW_STAT_IN);
	}

	/* hairpin: ORIG is the client's packet after DNAT (see session.h) */
	s->kind = NATGW_SESS_HAIRPIN;
	s->th[NATGW_DIR_ORIG].t = k;
	ret = natgw_bind_port(nn, s, eip, t->sport, &winner, &dir);
	if (!ret)
		return natgw_forward(nn, s, NATGW_DIR_ORIG, skb, pkt,
				     NATGW_STAT_IN);
	natgw_session_free(nn, s);
	if (ret != -EEXIST)
		return natgw_port_fail(nn, gw, eip, r, t);
	/*
	 * The winner is this flow's session, unless the client reached the
	 * same server port through another EIP or port from the same source
	 * port: the server could not tell the two apart.
	 */
	if (dir != NATGW_DIR_ORIG || winner->kind != NATGW_SESS_HAIRPIN ||
	    winner->eip != eip || winner->rule != r)
		return natgw_drop(gw, eip, r, NATGW_DROP_NO_SESSION);
	return natgw_forward(nn, winner, NATGW_DIR_ORIG, skb, pkt,
			     NATGW_STAT_IN);
}

/*
 * Answer an echo request to EIP @eip as the router's own packet: the reply
 * is routed from the EIP and takes the OUTPUT path, so that a firewall sees
 * it as the router's, not as forwarded traffic from an address the router
 * never received anything from.  natgw answers for itself, so the reply is
 * untracked: conntrack never saw the request.
 */
static unsigned int natgw_echo_reply(struct net *net, struct natgw_eip *eip,
				     struct sk_buff *skb,
				     const struct natgw_pkt *pkt)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct flowi4 fl4 = {
		.daddr = iph->saddr,
		.saddr = iph->daddr,
		.flowi4_proto = IPPROTO_ICMP,
		.flowi4_tos = RT_TOS(iph->tos),
		.flowi4_flags = FLOWI_FLAG_ANYSRC,
		.flowi4_mark = skb->mark,
	};
	struct natgw_gw *gw = eip->gw;
	struct natgw_pcpu_stats *st;
	struct sk_buff *nskb;
	struct rtable *rt;

	nskb = natgw_xlate_echo_reply(skb, pkt);
	if (!nskb)
		return natgw_drop(gw, eip, NULL, NATGW_DROP_MALFORMED);
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt)) {
		kfree_skb(nskb);
		return natgw_drop(gw, eip, NULL, NATGW_DROP_UNSOLICITED);
	}
	skb_dst_set(nskb, &rt->dst);
	/* no answer to a broadcast or multicast "asker" (a smurf attack) */
	if (rt->rt_type != RTN_UNICAST && rt->rt_type != RTN_LOCAL) {
		kfree_skb(nskb);
		return natgw_drop(gw, eip, NULL, NATGW_DROP_UNSOLICITED);
	}
	ip_hdr(nskb)->ttl = ip4_dst_hoplimit(&rt->dst);
	ip_select_ident(net, nskb, NULL);
	nf_ct_set(nskb, NULL, IP_CT_UNTRACKED);
	st = this_cpu_ptr(gw->stats);
	u64_stats_update_begin(&st->syncp);
	u64_stats_inc(&st->icmp_replies);
	u64_stats_update_end(&st->syncp);
	ip_local_out(net, NULL, nskb);
	consume_skb(skb);
	return NF_STOLEN;
}

static unsigned int natgw_in_eip(struct natgw_net *nn, struct natgw_eip *eip,
				 struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	int in_ifindex = state->in->ifindex;
	struct natgw_gw *gw = eip->gw;
	struct natgw_session *s;
	struct natgw_tuple k;
	struct natgw_rule *r;
	struct natgw_pkt pkt;
	enum natgw_dir dir;

	if (!READ_ONCE(gw->ifindex))
		return natgw_drop(gw, eip, NULL, NATGW_DROP_UNSOLICITED);
	/* a VPC source from outside is spoofed: hairpinning it would be abuse */
	if (in_ifindex == READ_ONCE(gw->ifindex) &&
	    natgw_in_vpc(gw, ip_hdr(skb)->saddr))
		return natgw_drop(gw, eip, NULL, NATGW_DROP_UNSOLICITED);

	switch (natgw_xlate_parse(skb, &pkt)) {
	case NATGW_PARSE_OK:
		break;
	case NATGW_PARSE_BAD:
		return natgw_drop(gw, eip, NULL, NATGW_DROP_MALFORMED);
	case NATGW_PARSE_ICMP_ERR:
		return natgw_icmp_error(nn, gw, eip, skb, &pkt, NATGW_STAT_IN,
					true);
	default:
		return natgw_drop(gw, eip, NULL, NATGW_DROP_UNSUPPORTED);
	}

	s = natgw_session_lookup(nn, &pkt.t, &dir);
	if (s)
		return natgw_forward(nn, s, dir, skb, &pkt, NATGW_STAT_IN);

	r = natgw_dnat_find(eip, &pkt.t);
	if (r) {
		/* a hairpinned flow's session is keyed after DNAT */
		if (natgw_in_vpc(gw, pkt.t.src)) {
			s = natgw_hairpin_find(nn, eip, r, &pkt.t, &k);
			if (s)
				return natgw_forward(nn, s, NATGW_DIR_ORIG, skb,
						     &pkt, NATGW_STAT_IN);
		}
		return natgw_dnat_new(nn, eip, r, skb, &pkt);
	}

	if (pkt.t.proto == IPPROTO_ICMP && pkt.icmp_type == ICMP_ECHO &&
	    READ_ONCE(gw->icmp_reply))
		return natgw_echo_reply(state->net, eip, skb, &pkt);
	return natgw_drop(gw, eip, NULL, NATGW_DROP_UNSOLICITED);
}

static unsigned int natgw_in(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	struct natgw_net *nn = natgw_pernet(state->net);
	const struct iphdr *iph = ip_hdr(skb);
	struct natgw_eip *eip;
	struct natgw_gw *gw;

	eip = natgw_eip_find(nn, iph->daddr);
	if (eip) {
		__be32 daddr = iph->daddr;
		unsigned int ret = natgw_in_eip(nn, eip, skb, state);

		/* a route looked up for the EIP is stale (nf_nat_ipv4_in) */
		if (ret == NF_ACCEPT && ip_hdr(skb)->daddr != daddr)
			skb_dst_drop(skb);
		return ret;
	}

	/* from outside, straight at a private address: not through us */
	gw = natgw_gw_lookup(nn, state->in->ifindex, iph->daddr);
	if (gw)
		return natgw_drop(gw, NULL, NULL, NATGW_DROP_UNSOLICITED);
	return NF_ACCEPT;
}

static unsigned int natgw_arp_in(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	struct natgw_net *nn = natgw_pernet(state->net);
	struct net_device *dev = state->in;
	const struct arphdr *arp;
	const unsigned char *p, *sha;
	struct natgw_eip *eip;
	__be32 sip, tip;

	if (dev->type != ARPHRD_ETHER || !pskb_may_pull(skb, arp_hdr_len(dev)))
		return NF_ACCEPT;
	/* an Ethernet (or IEEE 802) IPv4 request, as arp_process() checks */
	arp = arp_hdr(skb);
	if (arp->ar_op != htons(ARPOP_REQUEST) ||
	    (arp->ar_hrd != htons(ARPHRD_ETHER) &&
	     arp->ar_hrd != htons(ARPHRD_IEEE802)) ||
	    arp->ar_pro != htons(ETH_P_IP) || arp->ar_pln != 4 ||
	    arp->ar_hln != dev->addr_len)
		return NF_ACCEPT;
	p = (const unsigned char *)(arp + 1);
	sha = p;
	memcpy(&sip, p + dev->addr_len, 4);
	memcpy(&tip, p + 2 * dev->addr_len + 4, 4);

	/*
	 * A duplicate address probe (RFC 5227: sender 0.0.0.0) is left alone,
	 * as arp_process() leaves probes for addresses that are not the
	 * router's own: an EIP is not.
	 */
	eip = natgw_eip_find(nn, tip);
	if (!eip || READ_ONCE(eip->gw->ifindex) != dev->ifindex ||
	    !READ_ONCE(eip->gw->eip_arp) || ipv4_is_zeronet(sip))
		return NF_ACCEPT;
	arp_send(ARPOP_REPLY, ETH_P_ARP, sip, dev, tip, sha, dev->dev_addr,
		 sha);
	consume_skb(skb);
	return NF_STOLEN;
}

static const struct nf_hook_ops natgw_hook_ops[] = {
	{
		.hook		= natgw_in,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NATGW_PRI_IN,
	},
	{
		.hook		= natgw_out,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NATGW_PRI_OUT,
	},
	{
		.hook		= natgw_arp_in,
		.pf		= NFPROTO_ARP,
		.hooknum	= NF_ARP_IN,
		.priority	= 0,
	},
};

int natgw_hooks_register(struct natgw_net *nn)
{
	int ret;

	ret = nf_defrag_ipv4_enable(nn->net);
	if (ret)
		return ret;
	ret = nf_register_net_hooks(nn->net, natgw_hook_ops,
				    ARRAY_SIZE(natgw_hook_ops));
	if (ret)
		nf_defrag_ipv4_disable(nn->net);
	return ret;
}

void natgw_hooks_unregister(struct natgw_net *nn)
{
	nf_unregister_net_hooks(nn->net, natgw_hook_ops,
				ARRAY_SIZE(natgw_hook_ops));
	nf_defrag_ipv4_disable(nn->net);
}
