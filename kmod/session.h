/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The session map: one translated flow per session, conntrack style.
 *
 * A session has two tuples, as nf_conntrack does: ORIG is the flow as its
 * first packet arrived, REPLY is the flow its answers carry.  A packet that
 * matches tuple[dir] leaves rewritten to the inverse of tuple[!dir].  Both
 * tuples hang in one hash table, so one lookup finds a packet's session
 * whichever way it travels:
 *
 *	SNAT	ORIG  P:p -> R:r	REPLY R:r -> E:e
 *	DNAT	ORIG  R:r -> E:e	REPLY P:p -> R:r
 *	hairpin	ORIG  A:a -> B:b	REPLY B:b -> E:x
 *
 * (P private host, R remote host, E an EIP.)  A hairpin's ORIG tuple is its
 * client's packet after DNAT, as conntrack and the router's forward chain
 * see it (natgw rewrites the source only at POST_ROUTING); the EIP and port
 * E:e the client addressed are s->eip and, through s->rule, the public port
 * that maps to b (natgw_dnat_pub_port()).  For ICMP echo
 * the identifier is the port of the side that chose it and the other port
 * is 0.
 */
#ifndef _NATGW_SESSION_H
#define _NATGW_SESSION_H

#include <linux/bits.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

enum natgw_dir {
	NATGW_DIR_ORIG,
	NATGW_DIR_REPLY,
};

struct natgw_tuple {
	__be32 src;
	__be32 dst;
	__be16 sport;
	__be16 dport;
	u8 proto;
	u8 dir;		/* which of its session's two tuples; not hashed */
	/*
	 * In a session's tuple, TCP: where the last segment from this tuple's
	 * sender ended, top 16 bits (tcptrack.h); not hashed, not compared.
	 * It fills what was padding: the session stays 128 bytes.
	 */
	u16 tcp_seq;
};

struct natgw_thash {
	struct hlist_node node;
	struct natgw_tuple t;
};

/* Session flags */
#define NATGW_SF_PORT		BIT(0)	/* holds a count on eip->pa[] */
#define NATGW_SF_DEAD		BIT(1)	/* unlinked; set under both bucket locks */
#define NATGW_SF_ASSURED	BIT(2)	/* answered: never evicted; set under both */

/*
 * 128 bytes on x86_64 (two tuple nodes of 32, two pointers, timing, two
 * byte counters and the rcu_head): see Documentation/design.md.
 */
struct natgw_session {
	struct natgw_thash th[2];
	struct natgw_rule *rule;	/* entry that made it */
	struct natgw_eip *eip;		/* its public side */
	u32 expires;			/* jiffies, 32 bit */
	u32 start;			/* jiffies at creation, 32 bit */
	u8 kind;			/* enum natgw_sess_kind */
	u8 tcp_state;			/* enum natgw_tcp_state */
	u8 flags;			/* NATGW_SF_*, written under the bucket locks */
	u8 tcp_bits;			/* NATGW_TCP_*_SEEN (tcptrack.h) */
	u32 start_wall;			/* creation, seconds since the epoch */
	u64 bytes[2];			/* [ORIG], [REPLY] direction */
	struct rcu_head rcu;
};

#define NATGW_LOCKS		1024

struct natgw_session_table {
	struct hlist_head *buckets;	/* NULL until the first gateway */
	unsigned int mask;
	siphash_key_t key;
	atomic_t count;
	spinlock_t *locks;		/* NATGW_LOCKS, striped by bucket */
	struct delayed_work gc;
	unsigned int gc_next;		/* next bucket the collector visits */
};

struct natgw_net;
struct sk_buff;
struct natgw_gw;
enum natgw_drop;

void natgw_session_table_prepare(struct natgw_net *nn);
int natgw_session_table_init(struct natgw_net *nn);
void natgw_session_table_uninit(struct natgw_net *nn);
int natgw_session_init(void);
void natgw_session_uninit(void);

struct natgw_session *natgw_session_lookup(struct natgw_net *nn,
					   const struct natgw_tuple *t,
					   enum natgw_dir *dir);
bool natgw_session_tuple_taken(struct natgw_net *nn,
			       const struct natgw_tuple *t);
struct natgw_session *natgw_session_alloc(struct natgw_net *nn,
					  struct natgw_gw *gw,
					  enum natgw_drop *why);
void natgw_session_free(struct natgw_net *nn, struct natgw_session *s);
int natgw_session_insert(struct natgw_net *nn, struct natgw_session *s);
bool natgw_session_kill(struct natgw_net *nn, struct natgw_session *s);
void natgw_session_refresh(struct natgw_net *nn, struct natgw_session *s,
			   enum natgw_dir dir, const struct sk_buff *skb,
			   unsigned int thoff);

/* Kill every session for which @match returns true; process context. */
unsigned int natgw_session_kill_matching(struct natgw_net *nn,
					 bool (*match)(const struct natgw_session *s,
						       const void *arg),
					 const void *arg);

/*
 * The buckets, for a walker that does not hold natgw_net.lock (session
 * dumps, counts, flushes): NULL when the namespace has no table (any more).
 * Only valid inside the RCU read-side section it was read in: the table is
 * unpublished, a grace period passes, then it is freed.  The table's mask,
 * key and locks are ready before the buckets are published.
 */
static inline struct hlist_head *
natgw_session_buckets(struct natgw_session_table *tbl)
{
	/* pairs with smp_store_release() in natgw_session_table_init() */
	return smp_load_acquire(&tbl->buckets);
}

static inline bool natgw_tuple_eq(const struct natgw_tuple *a,
				  const struct natgw_tuple *b)
{
	return a->src == b->src && a->dst == b->dst &&
	       a->sport == b->sport && a->dport == b->dport &&
	       a->proto == b->proto;
}

/*
 * The direction in which a packet with tuple @t travels through @s: the one
 * of its tuples that @t is, or -1.  A session that won an insert race
 * against the one made for @t may be its mirror image (an IP mapping's
 * inbound and outbound sessions; a DNAT E:e -> P:e and an SNAT from P:e),
 * whose REPLY tuple is @t: the packet then goes through it as REPLY.
 */
static inline int natgw_session_dir(const struct natgw_session *s,
				    const struct natgw_tuple *t)
{
	if (natgw_tuple_eq(&s->th[NATGW_DIR_ORIG].t, t))
		return NATGW_DIR_ORIG;
	if (natgw_tuple_eq(&s->th[NATGW_DIR_REPLY].t, t))
		return NATGW_DIR_REPLY;
	return -1;
}

/* The tuple a reply to @t carries. */
static inline void natgw_tuple_invert(struct natgw_tuple *inv,
				      const struct natgw_tuple *t)
{
	inv->src = t->dst;
	inv->dst = t->src;
	inv->sport = t->dport;
	inv->dport = t->sport;
	inv->proto = t->proto;
}

static inline bool natgw_session_expired(const struct natgw_session *s)
{
	return (s32)(READ_ONCE(s->expires) - (u32)jiffies) <= 0;
}

#endif /* _NATGW_SESSION_H */
