/* SPDX-License-Identifier: GPL-2.0 */
/*
 * natgw: the objects every subsystem shares.
 *
 * Configuration (gateways, EIPs, SNAT and DNAT entries) is changed only in
 * process context under natgw_net.lock and published to the packet path with
 * RCU.  The packet path never takes natgw_net.lock: it runs under the
 * rcu_read_lock() that netfilter holds around every hook.  An object that the
 * packet path can reach is unpublished, then (synchronize_rcu) no packet can
 * still be creating a session with it, then its sessions are killed, and it is
 * freed after one more grace period (call_rcu/kfree_rcu).
 */
#ifndef _NATGW_NATGW_H
#define _NATGW_NATGW_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rculist.h>
#include <linux/siphash.h>
#include <linux/u64_stats_sync.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/natgw.h>

#include "compat.h"
#include "portalloc.h"
#include "session.h"

/* Protocols the gateway translates; index of per-protocol state. */
enum natgw_proto {
	NATGW_PROTO_TCP,
	NATGW_PROTO_UDP,
	NATGW_PROTO_ICMP,
	NATGW_NPROTO,
};

static inline int natgw_proto_index(u8 ipproto)
{
	switch (ipproto) {
	case IPPROTO_TCP:
		return NATGW_PROTO_TCP;
	case IPPROTO_UDP:
		return NATGW_PROTO_UDP;
	case IPPROTO_ICMP:
		return NATGW_PROTO_ICMP;
	}
	return -1;
}

/* Drop reasons; netlink.c maps each to its NATGW_STATS_A_DROP_* attribute. */
enum natgw_drop {
	NATGW_DROP_NO_SESSION,
	NATGW_DROP_UNSOLICITED,
	NATGW_DROP_PORT_ALLOC,
	NATGW_DROP_SESSION_LIMIT,
	NATGW_DROP_MALFORMED,
	NATGW_DROP_ICMP_NO_SESSION,
	NATGW_DROP_NO_SNAT,
	NATGW_DROP_UNSUPPORTED,
	NATGW_DROP_GW_SESSION_LIMIT,
	NATGW_NDROP,
};

/*
 * Per-CPU counters of a gateway, an EIP or an entry, for reading only: no
 * decision about an object's lifetime rests on them (that is nsess, below).
 * Written from the packet path, which is softirq at PRE_ROUTING but may be
 * process context at POST_ROUTING (locally generated packets): the writers
 * disable bottom halves, as nft_counter does, so that a writer is neither
 * preempted nor interrupted by another on the same CPU.  Read by summing
 * over CPUs.  active[] may go negative on one CPU (a session made on one CPU
 * can end on another): only the sum means anything.
 */
struct natgw_pcpu_stats {
	u64_stats_t pkts[2];		/* [0] out (private -> Internet), [1] in */
	u64_stats_t bytes[2];
	u64_stats_t drops[NATGW_NDROP];
	u64_stats_t created;
	u64_stats_t icmp_replies;
	u64_stats_t evicted;
	s64 active[NATGW_NPROTO];
	struct u64_stats_sync syncp;
};

struct natgw_stats_sum {
	u64 pkts[2];
	u64 bytes[2];
	u64 drops[NATGW_NDROP];
	u64 created;
	u64 icmp_replies;
	u64 evicted;
	s64 active[NATGW_NPROTO];
};

struct natgw_gw;

/* An EIP: a public address associated with one gateway. */
struct natgw_eip {
	struct hlist_node hnode;	/* natgw_net.eip_hash, RCU */
	struct list_head list;		/* natgw_gw.eips, under natgw_net.lock */
	struct natgw_gw *gw;
	__be32 addr;
	unsigned int snat_users;	/* SNAT entries using it (config only) */
	unsigned int dnat_users;	/* DNAT entries using it (config only) */
	struct natgw_rule __rcu *ipmap;	/* DNAT IP mapping owning it whole */
	struct natgw_dnat_table __rcu *dnat; /* port mappings */
	struct natgw_portalloc pa[NATGW_NPROTO];
	atomic_t nsess;			/* linked sessions with s->eip == this */
	struct natgw_pcpu_stats __percpu *stats;
	struct rcu_head rcu;
};

/*
 * The EIPs and affinity of an SNAT entry: immutable, replaced as a whole
 * under RCU, so a packet sees either the old settings or the new ones.
 */
struct natgw_eip_set {
	unsigned int n;
	bool affinity;
	struct rcu_head rcu;
	struct natgw_eip *eip[];
};

/* An SNAT or DNAT entry. */
struct natgw_rule {
	struct list_head list;		/* natgw_gw.snat or .dnat */
	struct natgw_gw *gw;
	u32 id;
	bool is_dnat;
	union {
		struct {
			__be32 src_addr;
			u8 src_plen;
			bool src_vpc;
			struct natgw_eip_set __rcu *eips;
		} snat;
		struct {
			struct natgw_eip *eip;
			__be32 priv_addr;
			u8 proto;	/* 0: IP mapping */
			bool override;
			u16 pub_min, pub_max;
			u16 priv_min, priv_max;
		} dnat;
	};
	atomic_t nsess;			/* linked sessions with s->rule == this */
	struct natgw_pcpu_stats __percpu *stats;
	struct rcu_head rcu;
};

/*
 * The public port of DNAT entry @r that maps to its private port @port (an
 * IP mapping keeps ports).  A rule's mapping never changes: dnat set
 * replaces the rule.
 */
static inline __be16 natgw_dnat_pub_port(const struct natgw_rule *r,
					 __be16 port)
{
	if (!r->dnat.proto)
		return port;
	return htons(r->dnat.pub_min + (ntohs(port) - r->dnat.priv_min));
}

/* Port mappings of one EIP, sorted by protocol then public port. */
struct natgw_dnat_table {
	unsigned int n;
	struct rcu_head rcu;
	struct natgw_rule *rule[];
};

struct natgw_gw {
	struct list_head list;		/* natgw_net.gateways, RCU */
	struct natgw_net *nn;
	char name[NATGW_NAME_MAX];
	u32 id;
	int ifindex;			/* 0 while down; READ_ONCE() on the packet path */
	char ifname[IFNAMSIZ];		/* the device's name when last seen */
	__be32 vpc_addr;
	__be32 vpc_mask;
	u8 vpc_plen;
	u16 port_min, port_max;
	bool icmp_reply;
	bool eip_arp;
	bool protect;
	u32 max_sessions;		/* 0: none; READ_ONCE() on the packet path */
	char *descr;
	struct list_head eips;		/* under natgw_net.lock */
	struct list_head snat;
	struct list_head dnat;
	unsigned int neips, nsnat, ndnat;
	u32 next_snat_id, next_dnat_id;
	/* egress rules by source address: SNAT entries and IP mappings */
	struct natgw_prefix_table __rcu *egress;
	atomic_t nsess;			/* linked sessions of its EIPs */
	struct natgw_pcpu_stats __percpu *stats;
	struct rcu_head rcu;
};

#define NATGW_EIP_HASH_BITS	6

struct natgw_timeouts {
	u32 udp, icmp, tcp_syn, tcp_est, tcp_trans, tcp_close;	/* seconds */
	u32 in_unreplied;	/* unanswered sessions started from outside */
};

struct natgw_net {
	struct net *net;
	struct mutex lock;		/* serialises all configuration changes */
	struct list_head gateways;	/* RCU for the packet path */
	unsigned int ngateways;
	u32 gen;			/* configuration generation, for dumps */
	struct hlist_head eip_hash[1 << NATGW_EIP_HASH_BITS];
	bool hooks_on;
	struct natgw_timeouts timeouts;
	siphash_key_t key;		/* EIP choice; never leaves the kernel */
	atomic64_t events_lost;		/* events not delivered */
	atomic64_t events_reported;	/* events_lost as last reported */
	struct natgw_session_table sessions;
};

extern unsigned int natgw_net_id;
extern unsigned int natgw_max_gateways;
extern unsigned int natgw_max_eips;
extern unsigned int natgw_max_snat;
extern unsigned int natgw_max_dnat;
extern unsigned int natgw_max_sessions;
extern unsigned int natgw_hash_buckets;

static inline struct natgw_net *natgw_pernet(const struct net *net)
{
	return net_generic(net, natgw_net_id);
}

static inline bool natgw_in_vpc(const struct natgw_gw *gw, __be32 addr)
{
	return (addr & gw->vpc_mask) == gw->vpc_addr;
}

/*
 * Counters: packet path helpers.  Any context: POST_ROUTING runs in process
 * context, preemptible, for the router's own packets.
 */
static inline void natgw_stats_add(struct natgw_pcpu_stats __percpu *st,
				   int dir, unsigned int len)
{
	struct natgw_pcpu_stats *s;

	local_bh_disable();
	s = this_cpu_ptr(st);
	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->pkts[dir]);
	u64_stats_add(&s->bytes[dir], len);
	u64_stats_update_end(&s->syncp);
	local_bh_enable();
}

static inline void natgw_stats_drop(struct natgw_pcpu_stats __percpu *st,
				    enum natgw_drop why)
{
	struct natgw_pcpu_stats *s;

	local_bh_disable();
	s = this_cpu_ptr(st);
	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->drops[why]);
	u64_stats_update_end(&s->syncp);
	local_bh_enable();
}

/* One more of a u64_stats_t counter of @st, e.g. natgw_stats_inc(st, created) */
#define natgw_stats_inc(st, field) do {					\
	struct natgw_pcpu_stats *__s;					\
									\
	local_bh_disable();						\
	__s = this_cpu_ptr(st);						\
	u64_stats_update_begin(&__s->syncp);				\
	u64_stats_inc(&__s->field);					\
	u64_stats_update_end(&__s->syncp);				\
	local_bh_enable();						\
} while (0)

struct natgw_pcpu_stats __percpu *natgw_stats_alloc(void);
void natgw_stats_sum(struct natgw_pcpu_stats __percpu *st,
		     struct natgw_stats_sum *sum);

#endif /* _NATGW_NATGW_H */
