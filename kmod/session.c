// SPDX-License-Identifier: GPL-2.0
/*
 * natgw session map.
 *
 * One hash table per network namespace holds both tuples of every session.
 * Readers (the packet path) walk chains under RCU without locks.  Writers
 * take one of NATGW_LOCKS spinlocks chosen by bucket; a session's two tuples
 * usually sit in two buckets, and insert and kill take both locks in index
 * order, so a session is always linked or unlinked as a whole.
 *
 * The bucket is siphash(tuple) with a key drawn when the table is made, so a
 * remote host cannot choose tuples that pile up on one chain.
 *
 * There is no timer per session: a session carries its expiry time, a lookup
 * that finds an expired session kills it, and a collector (one delayed work
 * per namespace) sweeps a bounded slice of the buckets each run.
 */
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/vmalloc.h>

#include "natgw.h"
#include "netlink.h"
#include "tcptrack.h"

#define NATGW_GC_INTERVAL	(HZ / 4)
#define NATGW_GC_BUCKETS	8192	/* buckets visited per collector run */

static struct kmem_cache *natgw_session_cache;

static u32 natgw_hash(const struct natgw_session_table *tbl,
		      const struct natgw_tuple *t)
{
	return siphash_4u32((__force u32)t->src, (__force u32)t->dst,
			    (__force u32)t->sport << 16 | (__force u32)t->dport,
			    t->proto, &tbl->key) & tbl->mask;
}

int natgw_session_table_init(struct natgw_net *nn)
{
	struct natgw_session_table *tbl = &nn->sessions;
	unsigned int i, n = roundup_pow_of_two(natgw_hash_buckets);

	tbl->buckets = kvcalloc(n, sizeof(*tbl->buckets), GFP_KERNEL);
	if (!tbl->buckets)
		return -ENOMEM;
	tbl->locks = kvmalloc_array(NATGW_LOCKS, sizeof(*tbl->locks),
				    GFP_KERNEL);
	if (!tbl->locks) {
		kvfree(tbl->buckets);
		tbl->buckets = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < NATGW_LOCKS; i++)
		spin_lock_init(&tbl->locks[i]);
	tbl->mask = n - 1;
	get_random_bytes(&tbl->key, sizeof(tbl->key));
	atomic_set(&tbl->count, 0);
	tbl->gc_next = 0;
	queue_delayed_work(system_power_efficient_wq, &tbl->gc,
			   NATGW_GC_INTERVAL);
	return 0;
}

static bool natgw_match_all(const struct natgw_session *s, const void *arg)
{
	return true;
}

/* Called once no packet can reach the table (hooks gone). */
void natgw_session_table_uninit(struct natgw_net *nn)
{
	struct natgw_session_table *tbl = &nn->sessions;

	if (!tbl->buckets)
		return;
	cancel_delayed_work_sync(&tbl->gc);
	natgw_session_kill_matching(nn, natgw_match_all, NULL);
	WARN_ON(atomic_read(&tbl->count));
	kvfree(tbl->locks);
	kvfree(tbl->buckets);
	tbl->locks = NULL;
	tbl->buckets = NULL;
}

struct natgw_session *natgw_session_lookup(struct natgw_net *nn,
					   const struct natgw_tuple *t,
					   enum natgw_dir *dir)
{
	struct natgw_session_table *tbl = &nn->sessions;
	struct natgw_thash *th;
	struct natgw_session *s;

	hlist_for_each_entry_rcu(th, &tbl->buckets[natgw_hash(tbl, t)], node) {
		if (!natgw_tuple_eq(&th->t, t))
			continue;
		s = container_of(th, struct natgw_session, th[th->t.dir]);
		if (unlikely(natgw_session_expired(s))) {
			natgw_session_kill(nn, s);
			return NULL;
		}
		*dir = th->t.dir;
		return s;
	}
	return NULL;
}

/*
 * Whether a session already uses tuple @t in either direction, expired or
 * not: the port allocator asks this for (remote -> EIP:port) tuples, and an
 * expired session still holds its port until it is reaped.
 */
bool natgw_session_tuple_taken(struct natgw_net *nn,
			       const struct natgw_tuple *t)
{
	struct natgw_session_table *tbl = &nn->sessions;
	struct natgw_thash *th;

	hlist_for_each_entry_rcu(th, &tbl->buckets[natgw_hash(tbl, t)], node)
		if (natgw_tuple_eq(&th->t, t))
			return true;
	return false;
}

/* Reserve room for one more session; NULL when the limit is reached. */
struct natgw_session *natgw_session_alloc(struct natgw_net *nn)
{
	struct natgw_session_table *tbl = &nn->sessions;
	struct natgw_session *s;

	if (atomic_inc_return(&tbl->count) > natgw_max_sessions)
		goto err_count;
	s = kmem_cache_zalloc(natgw_session_cache, GFP_ATOMIC);
	if (!s)
		goto err_count;
	return s;

err_count:
	atomic_dec(&tbl->count);
	return NULL;
}

/* Free a session that was never inserted. */
void natgw_session_free(struct natgw_net *nn, struct natgw_session *s)
{
	atomic_dec(&nn->sessions.count);
	kmem_cache_free(natgw_session_cache, s);
}

static void natgw_lock_pair(struct natgw_session_table *tbl, u32 b0, u32 b1)
{
	unsigned int l0 = b0 % NATGW_LOCKS, l1 = b1 % NATGW_LOCKS;

	if (l0 > l1)
		swap(l0, l1);
	spin_lock_bh(&tbl->locks[l0]);
	if (l1 != l0)
		spin_lock_nested(&tbl->locks[l1], SINGLE_DEPTH_NESTING);
}

static void natgw_unlock_pair(struct natgw_session_table *tbl, u32 b0, u32 b1)
{
	unsigned int l0 = b0 % NATGW_LOCKS, l1 = b1 % NATGW_LOCKS;

	if (l0 > l1)
		swap(l0, l1);
	if (l1 != l0)
		spin_unlock(&tbl->locks[l1]);
	spin_unlock_bh(&tbl->locks[l0]);
}

static u32 natgw_timeout(const struct natgw_net *nn,
			 const struct natgw_session *s);

static bool natgw_chain_has(struct hlist_head *head,
			    const struct natgw_tuple *t)
{
	struct natgw_thash *th;

	hlist_for_each_entry(th, head, node)
		if (natgw_tuple_eq(&th->t, t))
			return true;
	return false;
}

static void natgw_session_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(natgw_session_cache,
			container_of(rcu, struct natgw_session, rcu));
}

/*
 * The active-session statistics (this_cpu ops: safe in any context).  They
 * are for reading; object lifetime rests on natgw_ref() below.
 */
static void natgw_account(struct natgw_session *s, int delta)
{
	int p = natgw_proto_index(s->th[NATGW_DIR_ORIG].t.proto);

	this_cpu_add(s->eip->gw->stats->active[p], delta);
	this_cpu_add(s->eip->stats->active[p], delta);
	if (s->rule)
		this_cpu_add(s->rule->stats->active[p], delta);
}

/*
 * The counts of linked sessions that the gateway, EIP and entry of @s keep
 * (nsess).  Raised under the bucket locks before the session is visible, so
 * once the configuration side has unpublished an object and waited for a
 * grace period, a count of zero means that no session refers to it.
 */
static void natgw_ref(struct natgw_session *s)
{
	atomic_inc(&s->eip->gw->nsess);
	atomic_inc(&s->eip->nsess);
	if (s->rule)
		atomic_inc(&s->rule->nsess);
}

static void natgw_unref(struct natgw_session *s)
{
	atomic_dec(&s->eip->gw->nsess);
	atomic_dec(&s->eip->nsess);
	if (s->rule)
		atomic_dec(&s->rule->nsess);
}

/*
 * Link a fully built session.  Fails with -EEXIST when either tuple is in
 * use already: another CPU made the same flow's session first, or chose the
 * same public tuple.  The caller still owns @s then.
 */
int natgw_session_insert(struct natgw_net *nn, struct natgw_session *s)
{
	struct natgw_session_table *tbl = &nn->sessions;
	u32 b0 = natgw_hash(tbl, &s->th[0].t), b1 = natgw_hash(tbl, &s->th[1].t);
	int ret = -EEXIST;

	s->th[NATGW_DIR_ORIG].t.dir = NATGW_DIR_ORIG;
	s->th[NATGW_DIR_REPLY].t.dir = NATGW_DIR_REPLY;
	s->start = (u32)jiffies;
	s->start_wall = (u32)ktime_get_real_seconds();
	/* readers treat a session whose time is up as gone: set it first */
	s->expires = s->start + natgw_timeout(nn, s) * HZ;

	natgw_lock_pair(tbl, b0, b1);
	if (natgw_chain_has(&tbl->buckets[b0], &s->th[0].t) ||
	    natgw_chain_has(&tbl->buckets[b1], &s->th[1].t))
		goto out;
	natgw_ref(s);
	hlist_add_head_rcu(&s->th[0].node, &tbl->buckets[b0]);
	hlist_add_head_rcu(&s->th[1].node, &tbl->buckets[b1]);
	atomic_inc(&tbl->gen);
	ret = 0;
out:
	natgw_unlock_pair(tbl, b0, b1);
	if (!ret) {
		natgw_account(s, 1);
		natgw_stats_inc(s->eip->gw->stats, created);
		natgw_stats_inc(s->eip->stats, created);
		if (s->rule)
			natgw_stats_inc(s->rule->stats, created);
		natgw_nl_session_event(nn, s, NATGW_CMD_SESSION_NEW_NTF);
	}
	return ret;
}

/*
 * Unlink and free a session.  Any context; safe to call on a session that
 * another CPU is killing at the same time: NATGW_SF_DEAD, tested and set
 * under both bucket locks, makes exactly one caller do the work.
 */
void natgw_session_kill(struct natgw_net *nn, struct natgw_session *s)
{
	struct natgw_session_table *tbl = &nn->sessions;
	u32 b0 = natgw_hash(tbl, &s->th[0].t), b1 = natgw_hash(tbl, &s->th[1].t);
	bool dead;

	natgw_lock_pair(tbl, b0, b1);
	dead = s->flags & NATGW_SF_DEAD;
	if (!dead) {
		s->flags |= NATGW_SF_DEAD;
		hlist_del_rcu(&s->th[0].node);
		hlist_del_rcu(&s->th[1].node);
		atomic_inc(&tbl->gen);
	}
	natgw_unlock_pair(tbl, b0, b1);
	if (dead)
		return;

	natgw_nl_session_event(nn, s, NATGW_CMD_SESSION_END_NTF);
	if (s->flags & NATGW_SF_PORT) {
		const struct natgw_tuple *r = &s->th[NATGW_DIR_REPLY].t;

		natgw_portalloc_put(&s->eip->pa[natgw_proto_index(r->proto)],
				    ntohs(r->dport));
	}
	natgw_account(s, -1);
	natgw_unref(s);
	atomic_dec(&tbl->count);
	call_rcu(&s->rcu, natgw_session_free_rcu);
}

unsigned int natgw_session_kill_matching(struct natgw_net *nn,
					 bool (*match)(const struct natgw_session *s,
						       const void *arg),
					 const void *arg)
{
	struct natgw_session_table *tbl = &nn->sessions;
	struct natgw_session *s;
	struct natgw_thash *th;
	unsigned int b, n = 0;

	if (!tbl->buckets || !atomic_read(&tbl->count))
		return 0;
	for (b = 0; b <= tbl->mask; b++) {
		rcu_read_lock();
		hlist_for_each_entry_rcu(th, &tbl->buckets[b], node) {
			if (th->t.dir != NATGW_DIR_ORIG)
				continue;
			s = container_of(th, struct natgw_session, th[0]);
			if (!match(s, arg))
				continue;
			natgw_session_kill(nn, s);
			n++;
		}
		rcu_read_unlock();
		if (!(b & 1023))
			cond_resched();
	}
	return n;
}

static u32 natgw_timeout(const struct natgw_net *nn,
			 const struct natgw_session *s)
{
	const struct natgw_timeouts *to = &nn->timeouts;

	switch (s->th[0].t.proto) {
	case IPPROTO_UDP:
		return READ_ONCE(to->udp);
	case IPPROTO_ICMP:
		return READ_ONCE(to->icmp);
	}
	switch (READ_ONCE(s->tcp_state)) {
	case NATGW_TCP_SYN_SENT:
	case NATGW_TCP_SYN_RECV:
		return READ_ONCE(to->tcp_syn);
	case NATGW_TCP_ESTABLISHED:
		return READ_ONCE(to->tcp_est);
	case NATGW_TCP_CLOSE:
		return READ_ONCE(to->tcp_close);
	}
	return READ_ONCE(to->tcp_trans);
}

/*
 * TCP state (tcptrack.h).  Two CPUs may update one session at once (one per
 * direction); the stores are single bytes or half words, and a lost
 * transition is made good by the next packet.
 */
static void natgw_tcp_track(struct natgw_session *s, enum natgw_dir dir,
			    const struct sk_buff *skb, unsigned int thoff)
{
	const struct tcphdr *th = (const struct tcphdr *)(skb->data + thoff);
	unsigned int hlen = thoff + th->doff * 4;
	struct natgw_tcp_track t, was;

	t.state = READ_ONCE(s->tcp_state);
	t.bits = READ_ONCE(s->tcp_bits);
	t.seq_hi[0] = READ_ONCE(s->th[0].t.tcp_seq);
	t.seq_hi[1] = READ_ONCE(s->th[1].t.tcp_seq);
	was = t;
	/* byte 13 holds the flags, as tcp_flag_byte() reads them */
	natgw_tcp_step(&t, dir, ((const u8 *)th)[13], ntohl(th->seq),
		       ntohl(th->ack_seq), skb->len > hlen ? skb->len - hlen : 0);
	if (t.state != was.state)
		WRITE_ONCE(s->tcp_state, t.state);
	if (t.bits != was.bits)
		WRITE_ONCE(s->tcp_bits, t.bits);
	if (t.seq_hi[dir] != was.seq_hi[dir])
		WRITE_ONCE(s->th[dir].t.tcp_seq, t.seq_hi[dir]);
}

/* A packet of @s went through in direction @dir: track it, push expiry. */
void natgw_session_refresh(struct natgw_net *nn, struct natgw_session *s,
			   enum natgw_dir dir, const struct sk_buff *skb,
			   unsigned int thoff)
{
	u32 expires;

	if (s->th[0].t.proto == IPPROTO_TCP)
		natgw_tcp_track(s, dir, skb, thoff);
	expires = (u32)jiffies + natgw_timeout(nn, s) * HZ;
	/* avoid dirtying the cache line more than once per jiffy */
	if (READ_ONCE(s->expires) != expires)
		WRITE_ONCE(s->expires, expires);
	WRITE_ONCE(s->bytes[dir], s->bytes[dir] + skb->len);
}

static void natgw_session_gc(struct work_struct *work)
{
	struct natgw_session_table *tbl =
		container_of(to_delayed_work(work), struct natgw_session_table, gc);
	struct natgw_net *nn = container_of(tbl, struct natgw_net, sessions);
	unsigned int b = tbl->gc_next, end = b + NATGW_GC_BUCKETS;
	struct natgw_session *s;
	struct natgw_thash *th;

	for (; b < end && b <= tbl->mask; b++) {
		rcu_read_lock();
		hlist_for_each_entry_rcu(th, &tbl->buckets[b], node) {
			s = container_of(th, struct natgw_session, th[th->t.dir]);
			if (natgw_session_expired(s))
				natgw_session_kill(nn, s);
		}
		rcu_read_unlock();
		if (!(b & 1023))
			cond_resched();
	}
	tbl->gc_next = b > tbl->mask ? 0 : b;
	queue_delayed_work(system_power_efficient_wq, &tbl->gc,
			   NATGW_GC_INTERVAL);
}

void natgw_session_table_prepare(struct natgw_net *nn)
{
	INIT_DELAYED_WORK(&nn->sessions.gc, natgw_session_gc);
}

int natgw_session_init(void)
{
	natgw_session_cache = KMEM_CACHE(natgw_session, SLAB_HWCACHE_ALIGN);
	return natgw_session_cache ? 0 : -ENOMEM;
}

void natgw_session_uninit(void)
{
	kmem_cache_destroy(natgw_session_cache);
}
