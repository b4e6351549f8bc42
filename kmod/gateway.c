// SPDX-License-Identifier: GPL-2.0
/*
 * natgw configuration objects: gateways, EIPs, SNAT and DNAT entries.
 *
 * Everything here runs in process context under natgw_net.lock.  What the
 * packet path reads is published with RCU as immutable snapshots (the egress
 * prefix table of a gateway, the port-mapping table of an EIP, the EIP set of
 * an SNAT entry), so a packet sees a whole configuration, old or new.
 *
 * Removal follows one pattern: unpublish, synchronize_rcu() so that no packet
 * can still be creating a session from the removed object, kill the sessions
 * that refer to it, free it after a further grace period.
 */
#include <linux/inetdevice.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "gateway.h"
#include "hooks.h"
#include "netlink.h"
#include "prefix.h"

struct natgw_pcpu_stats __percpu *natgw_stats_alloc(void)
{
	struct natgw_pcpu_stats __percpu *st;
	int cpu;

	st = alloc_percpu(struct natgw_pcpu_stats);
	if (!st)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(st, cpu)->syncp);
	return st;
}

void natgw_stats_sum(struct natgw_pcpu_stats __percpu *st,
		     struct natgw_stats_sum *sum)
{
	const struct natgw_pcpu_stats *c;
	unsigned int start, i;
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		struct natgw_stats_sum one;

		c = per_cpu_ptr(st, cpu);
		do {
			start = u64_stats_fetch_begin(&c->syncp);
			for (i = 0; i < 2; i++) {
				one.pkts[i] = u64_stats_read(&c->pkts[i]);
				one.bytes[i] = u64_stats_read(&c->bytes[i]);
			}
			for (i = 0; i < NATGW_NDROP; i++)
				one.drops[i] = u64_stats_read(&c->drops[i]);
			one.created = u64_stats_read(&c->created);
			one.icmp_replies = u64_stats_read(&c->icmp_replies);
		} while (u64_stats_fetch_retry(&c->syncp, start));
		for (i = 0; i < 2; i++) {
			sum->pkts[i] += one.pkts[i];
			sum->bytes[i] += one.bytes[i];
		}
		for (i = 0; i < NATGW_NDROP; i++)
			sum->drops[i] += one.drops[i];
		sum->created += one.created;
		sum->icmp_replies += one.icmp_replies;
		for (i = 0; i < NATGW_NPROTO; i++)
			sum->active[i] += READ_ONCE(c->active[i]);
	}
}

static void natgw_bump(struct natgw_net *nn)
{
	WRITE_ONCE(nn->gen, nn->gen + 1);
}

/*
 * End the sessions of an object that the packet path can no longer reach
 * (the caller unpublished it and waited for a grace period, so no session
 * of it is being made): those for which @match returns true.  @nsess is the
 * object's count of linked sessions, a real count raised before a session
 * becomes visible and lowered when it is unlinked, never a statistic: when
 * it is zero no session can refer to the object, and the walk of the whole
 * table is skipped (configuring a gateway costs no table walk per entry).
 * Otherwise the walk runs, and it cannot miss a session: every one of them
 * is linked by now.
 */
static void natgw_end_sessions(struct natgw_net *nn, atomic_t *nsess,
			       bool (*match)(const struct natgw_session *s,
					     const void *arg),
			       const void *arg)
{
	if (atomic_read(nsess))
		natgw_session_kill_matching(nn, match, arg);
}

/* ---- gateways ---------------------------------------------------------- */

struct natgw_gw *natgw_gw_find(struct natgw_net *nn, const char *name)
{
	struct natgw_gw *gw;

	list_for_each_entry(gw, &nn->gateways, list)
		if (!strcmp(gw->name, name))
			return gw;
	return NULL;
}

/*
 * RCU: the gateway on device @ifindex whose VPC holds @addr.  The gateways
 * of a namespace have disjoint VPCs, so there is at most one.
 */
struct natgw_gw *natgw_gw_lookup(struct natgw_net *nn, int ifindex,
				 __be32 addr)
{
	struct natgw_gw *gw;

	list_for_each_entry_rcu(gw, &nn->gateways, list)
		if (READ_ONCE(gw->ifindex) == ifindex && natgw_in_vpc(gw, addr))
			return gw;
	return NULL;
}

/* RCU: any gateway on device @ifindex. */
struct natgw_gw *natgw_gw_on_dev(struct natgw_net *nn, int ifindex)
{
	struct natgw_gw *gw;

	list_for_each_entry_rcu(gw, &nn->gateways, list)
		if (READ_ONCE(gw->ifindex) == ifindex)
			return gw;
	return NULL;
}

static bool natgw_cidr_overlap(__be32 a, u8 alen, __be32 b, u8 blen)
{
	__be32 mask = inet_make_mask(min(alen, blen));

	return !((a ^ b) & mask);
}

static int natgw_check_dev(struct natgw_net *nn, struct natgw_gw *self,
			   int ifindex, __be32 vpc, u8 plen,
			   struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	struct natgw_gw *gw;
	bool ok;

	rcu_read_lock();
	dev = dev_get_by_index_rcu(nn->net, ifindex);
	ok = dev && !(dev->flags & IFF_LOOPBACK);
	rcu_read_unlock();
	if (!ok) {
		NL_SET_ERR_MSG_MOD(extack, "no such device in this namespace (or it is loopback)");
		return -ENODEV;
	}
	/*
	 * A namespace is one routing domain: the session table is keyed by
	 * addresses alone, and routing could not tell two VPCs with the same
	 * addresses apart either.  Overlapping VPCs belong in separate network
	 * namespaces, whatever devices they use.
	 */
	list_for_each_entry(gw, &nn->gateways, list) {
		if (gw == self)
			continue;
		if (natgw_cidr_overlap(gw->vpc_addr, gw->vpc_plen, vpc, plen)) {
			NL_SET_ERR_MSG_MOD(extack, "another gateway in this namespace has an overlapping VPC; use a network namespace per routing domain");
			return -EBUSY;
		}
	}
	return 0;
}

static void natgw_gw_free_rcu(struct rcu_head *rcu)
{
	struct natgw_gw *gw = container_of(rcu, struct natgw_gw, rcu);

	natgw_prefix_free(rcu_dereference_raw(gw->egress));
	free_percpu(gw->stats);
	kfree(gw->descr);
	kfree(gw);
}

/*
 * The lowest id no gateway uses, so that a configuration saved and restored
 * into an empty namespace gets its ids back.  Gateways are few (a quota).
 */
static u32 natgw_gw_free_id(struct natgw_net *nn)
{
	struct natgw_gw *gw;
	u32 id = 1;

again:
	list_for_each_entry(gw, &nn->gateways, list)
		if (gw->id == id) {
			id++;
			goto again;
		}
	return id;
}

/* The first gateway of a namespace brings the session table and hooks. */
static int natgw_net_activate(struct natgw_net *nn)
{
	int ret;

	if (nn->hooks_on)
		return 0;
	ret = natgw_session_table_init(nn);
	if (ret)
		return ret;
	ret = natgw_hooks_register(nn);
	if (ret) {
		natgw_session_table_uninit(nn);
		return ret;
	}
	nn->hooks_on = true;
	return 0;
}

static void natgw_net_deactivate(struct natgw_net *nn)
{
	if (!nn->hooks_on || nn->ngateways)
		return;
	natgw_hooks_unregister(nn);
	natgw_session_table_uninit(nn);
	nn->hooks_on = false;
}

int natgw_gw_add(struct natgw_net *nn, const struct natgw_gw_cfg *cfg,
		 struct netlink_ext_ack *extack, struct natgw_gw **out)
{
	struct natgw_gw *gw;
	int ret;

	if (nn->ngateways >= natgw_max_gateways) {
		NL_SET_ERR_MSG_MOD(extack, "gateway quota reached (module parameter max_gateways)");
		return -ENOSPC;
	}
	if (natgw_gw_find(nn, cfg->name)) {
		NL_SET_ERR_MSG_ATTR(extack, cfg->name_attr, "a gateway with this name already exists");
		return -EEXIST;
	}
	ret = natgw_check_dev(nn, NULL, cfg->ifindex, cfg->vpc_addr,
			      cfg->vpc_plen, extack);
	if (ret)
		return ret;

	gw = kzalloc(sizeof(*gw), GFP_KERNEL);
	if (!gw)
		return -ENOMEM;
	gw->stats = natgw_stats_alloc();
	if (!gw->stats)
		goto err_gw;
	if (cfg->descr) {
		gw->descr = kstrdup(cfg->descr, GFP_KERNEL);
		if (!gw->descr)
			goto err_stats;
	}
	strscpy(gw->name, cfg->name, sizeof(gw->name));
	gw->nn = nn;
	gw->id = natgw_gw_free_id(nn);
	gw->ifindex = cfg->ifindex;
	gw->vpc_addr = cfg->vpc_addr;
	gw->vpc_plen = cfg->vpc_plen;
	gw->vpc_mask = inet_make_mask(cfg->vpc_plen);
	gw->port_min = cfg->port_min;
	gw->port_max = cfg->port_max;
	gw->icmp_reply = cfg->icmp_reply != 0;	/* default on */
	gw->eip_arp = cfg->eip_arp == 1;
	gw->protect = cfg->protect == 1;
	INIT_LIST_HEAD(&gw->eips);
	INIT_LIST_HEAD(&gw->snat);
	INIT_LIST_HEAD(&gw->dnat);

	ret = natgw_net_activate(nn);
	if (ret)
		goto err_descr;
	list_add_tail_rcu(&gw->list, &nn->gateways);
	nn->ngateways++;
	natgw_bump(nn);
	*out = gw;
	return 0;

err_descr:
	kfree(gw->descr);
err_stats:
	free_percpu(gw->stats);
err_gw:
	kfree(gw);
	return ret ?: -ENOMEM;
}

static bool natgw_match_gw(const struct natgw_session *s, const void *arg)
{
	return s->eip->gw == arg;
}

int natgw_gw_set(struct natgw_net *nn, struct natgw_gw *gw,
		 const struct natgw_gw_cfg *cfg, struct netlink_ext_ack *extack)
{
	char *descr = NULL;
	int ret;

	if (cfg->ifindex) {
		ret = natgw_check_dev(nn, gw, cfg->ifindex, gw->vpc_addr,
				      gw->vpc_plen, extack);
		if (ret)
			return ret;
	}
	if (cfg->descr) {
		descr = kstrdup(cfg->descr, GFP_KERNEL);
		if (!descr)
			return -ENOMEM;
		kfree(gw->descr);
		gw->descr = descr;
	}
	if (cfg->icmp_reply >= 0)
		WRITE_ONCE(gw->icmp_reply, cfg->icmp_reply);
	if (cfg->eip_arp >= 0)
		WRITE_ONCE(gw->eip_arp, cfg->eip_arp);
	if (cfg->protect >= 0)
		gw->protect = cfg->protect;
	if (cfg->ifindex && cfg->ifindex != gw->ifindex) {
		/* sessions belong to the old device's path: end them */
		WRITE_ONCE(gw->ifindex, cfg->ifindex);
		synchronize_rcu();
		natgw_end_sessions(nn, &gw->nsess, natgw_match_gw, gw);
	}
	natgw_bump(nn);
	return 0;
}

/* The gateway's device went away: keep the gateway, down, without sessions. */
void natgw_gw_dev_gone(struct natgw_net *nn, int ifindex)
{
	struct natgw_gw *gw;
	bool any = false;

	list_for_each_entry(gw, &nn->gateways, list) {
		if (gw->ifindex != ifindex)
			continue;
		WRITE_ONCE(gw->ifindex, 0);
		any = true;
	}
	if (!any)
		return;
	synchronize_rcu();
	list_for_each_entry(gw, &nn->gateways, list)
		if (!gw->ifindex)
			natgw_end_sessions(nn, &gw->nsess, natgw_match_gw, gw);
	natgw_bump(nn);
}

static void natgw_eip_unpublish(struct natgw_eip *eip);
static void natgw_eip_free(struct natgw_eip *eip);
static void natgw_rule_unpublish(struct natgw_net *nn, struct natgw_rule *r);
static void natgw_rule_free(struct natgw_rule *r);

/* Remove a gateway and all it holds.  The caller checked protection. */
static void natgw_gw_destroy(struct natgw_net *nn, struct natgw_gw *gw)
{
	struct natgw_rule *r, *rtmp;
	struct natgw_eip *eip, *etmp;

	list_del_rcu(&gw->list);
	nn->ngateways--;
	list_for_each_entry(eip, &gw->eips, list)
		natgw_eip_unpublish(eip);
	synchronize_rcu();
	natgw_end_sessions(nn, &gw->nsess, natgw_match_gw, gw);

	list_for_each_entry_safe(r, rtmp, &gw->snat, list)
		natgw_rule_free(r);
	list_for_each_entry_safe(r, rtmp, &gw->dnat, list)
		natgw_rule_free(r);
	list_for_each_entry_safe(eip, etmp, &gw->eips, list)
		natgw_eip_free(eip);
	call_rcu(&gw->rcu, natgw_gw_free_rcu);
	natgw_bump(nn);
	natgw_net_deactivate(nn);
}

int natgw_gw_del(struct natgw_net *nn, struct natgw_gw *gw, bool force,
		 struct netlink_ext_ack *extack)
{
	if (gw->protect) {
		NL_SET_ERR_MSG_MOD(extack, "deletion protection is on; turn it off with: natctl gateway set NAME deletion-protection off");
		return -EPERM;
	}
	if (!force && gw->nsnat) {
		NL_SET_ERR_MSG_MOD(extack, "gateway still has SNAT entries; delete them or use force");
		return -EBUSY;
	}
	if (!force && gw->ndnat) {
		NL_SET_ERR_MSG_MOD(extack, "gateway still has DNAT entries; delete them or use force");
		return -EBUSY;
	}
	if (!force && gw->neips) {
		NL_SET_ERR_MSG_MOD(extack, "gateway still has EIPs; delete them or use force");
		return -EBUSY;
	}
	natgw_gw_destroy(nn, gw);
	return 0;
}

/* Namespace teardown or module unload: no caller can still configure. */
void natgw_net_flush(struct natgw_net *nn)
{
	struct natgw_gw *gw, *tmp;

	list_for_each_entry_safe(gw, tmp, &nn->gateways, list)
		natgw_gw_destroy(nn, gw);
}

/* ---- egress and port-mapping snapshots --------------------------------- */

/*
 * Rebuild the table that maps a private source to its egress rule: SNAT
 * entries by source CIDR, and each DNAT IP mapping as a /32 for its private
 * host.  An IP mapping outranks an SNAT /32 for the same host (egress
 * priority: DNAT IP mapping > SNAT entry).
 */
static int natgw_egress_rebuild(struct natgw_gw *gw, gfp_t gfp)
{
	struct natgw_prefix_table *t, *old;
	struct natgw_prefix *p;
	struct natgw_rule *r, *ip;
	unsigned int n = 0;

	p = kcalloc(gw->nsnat + gw->ndnat + 1, sizeof(*p), gfp);
	if (!p)
		return -ENOMEM;
	list_for_each_entry(r, &gw->dnat, list) {
		if (r->dnat.proto)
			continue;
		p[n].addr = r->dnat.priv_addr;
		p[n].plen = 32;
		p[n++].data = r;
	}
	list_for_each_entry(r, &gw->snat, list) {
		bool shadowed = false;

		if (r->snat.src_plen == 32) {
			list_for_each_entry(ip, &gw->dnat, list)
				if (!ip->dnat.proto &&
				    ip->dnat.priv_addr == r->snat.src_addr)
					shadowed = true;
		}
		if (shadowed)
			continue;
		p[n].addr = r->snat.src_addr;
		p[n].plen = r->snat.src_plen;
		p[n++].data = r;
	}
	t = natgw_prefix_build(p, n, gfp);
	kfree(p);
	if (!t)
		return -ENOMEM;
	old = rcu_replace_pointer(gw->egress, t, lockdep_is_held(&gw->nn->lock));
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/* RCU */
struct natgw_rule *natgw_egress_rule(struct natgw_gw *gw, __be32 src)
{
	return natgw_prefix_lookup(rcu_dereference(gw->egress), src);
}

static int natgw_dnat_cmp(const void *a, const void *b)
{
	const struct natgw_rule *x = *(const struct natgw_rule **)a;
	const struct natgw_rule *y = *(const struct natgw_rule **)b;

	if (x->dnat.proto != y->dnat.proto)
		return x->dnat.proto < y->dnat.proto ? -1 : 1;
	return (int)x->dnat.pub_min - (int)y->dnat.pub_min;
}

static int natgw_dnat_rebuild(struct natgw_eip *eip, gfp_t gfp)
{
	struct natgw_dnat_table *t, *old;
	struct natgw_rule *r;
	unsigned int n = 0;

	t = kzalloc(struct_size(t, rule, eip->dnat_users), gfp);
	if (!t)
		return -ENOMEM;
	list_for_each_entry(r, &eip->gw->dnat, list)
		if (r->dnat.eip == eip && r->dnat.proto)
			t->rule[n++] = r;
	t->n = n;
	sort(t->rule, n, sizeof(t->rule[0]), natgw_dnat_cmp, NULL);
	old = rcu_replace_pointer(eip->dnat, t, lockdep_is_held(&eip->gw->nn->lock));
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/* RCU: the port mapping of @eip that covers @proto/@port. */
struct natgw_rule *natgw_dnat_rule(struct natgw_eip *eip, u8 proto, u16 port)
{
	const struct natgw_dnat_table *t = rcu_dereference(eip->dnat);
	unsigned int lo = 0, hi;
	struct natgw_rule *r;

	if (!t)
		return NULL;
	/* find the last mapping that starts at or below (proto, port) */
	hi = t->n;
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		r = t->rule[mid];
		if (r->dnat.proto < proto ||
		    (r->dnat.proto == proto && r->dnat.pub_min <= port))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	r = t->rule[lo - 1];
	if (r->dnat.proto == proto && port <= r->dnat.pub_max)
		return r;
	return NULL;
}

/* ---- EIPs -------------------------------------------------------------- */

struct natgw_eip *natgw_eip_find(struct natgw_net *nn, __be32 addr)
{
	struct natgw_eip *eip;
	u32 b = hash_32((__force u32)addr, NATGW_EIP_HASH_BITS);

	hlist_for_each_entry_rcu(eip, &nn->eip_hash[b], hnode,
				 lockdep_is_held(&nn->lock))
		if (eip->addr == addr)
			return eip;
	return NULL;
}

static void natgw_eip_free_rcu(struct rcu_head *rcu)
{
	struct natgw_eip *eip = container_of(rcu, struct natgw_eip, rcu);
	int i;

	for (i = 0; i < NATGW_NPROTO; i++)
		natgw_portalloc_uninit(&eip->pa[i]);
	kfree(rcu_dereference_raw(eip->dnat));
	free_percpu(eip->stats);
	kfree(eip);
}

static void natgw_eip_unpublish(struct natgw_eip *eip)
{
	hlist_del_init_rcu(&eip->hnode);
}

/* Sessions are gone and readers with them: free after a grace period. */
static void natgw_eip_free(struct natgw_eip *eip)
{
	list_del(&eip->list);
	eip->gw->neips--;
	call_rcu(&eip->rcu, natgw_eip_free_rcu);
}

int natgw_eip_add(struct natgw_net *nn, struct natgw_gw *gw, __be32 addr,
		  struct netlink_ext_ack *extack)
{
	struct natgw_eip *eip;
	int i, ret;

	if (gw->neips >= natgw_max_eips) {
		NL_SET_ERR_MSG_MOD(extack, "EIP quota of this gateway reached (module parameter max_eips)");
		return -ENOSPC;
	}
	if (ipv4_is_zeronet(addr) || ipv4_is_loopback(addr) ||
	    ipv4_is_multicast(addr) || ipv4_is_lbcast(addr)) {
		NL_SET_ERR_MSG_MOD(extack, "an EIP must be a unicast address");
		return -EINVAL;
	}
	if (natgw_in_vpc(gw, addr)) {
		NL_SET_ERR_MSG_MOD(extack, "an EIP cannot lie inside the gateway's VPC");
		return -EINVAL;
	}
	eip = natgw_eip_find(nn, addr);
	if (eip) {
		if (eip->gw == gw)
			NL_SET_ERR_MSG_MOD(extack, "EIP is already associated with this gateway");
		else
			NL_SET_ERR_MSG_MOD(extack, "EIP is already associated with another gateway");
		return -EEXIST;
	}

	eip = kzalloc(sizeof(*eip), GFP_KERNEL);
	if (!eip)
		return -ENOMEM;
	eip->stats = natgw_stats_alloc();
	if (!eip->stats)
		goto err_eip;
	for (i = 0; i < NATGW_NPROTO; i++) {
		ret = natgw_portalloc_init(&eip->pa[i], gw->port_min,
					   gw->port_max);
		if (ret)
			goto err_pa;
	}
	eip->gw = gw;
	eip->addr = addr;
	list_add_tail(&eip->list, &gw->eips);
	gw->neips++;
	hlist_add_head_rcu(&eip->hnode,
			   &nn->eip_hash[hash_32((__force u32)addr,
						 NATGW_EIP_HASH_BITS)]);
	natgw_bump(nn);
	return 0;

err_pa:
	while (--i >= 0)
		natgw_portalloc_uninit(&eip->pa[i]);
	free_percpu(eip->stats);
err_eip:
	kfree(eip);
	return -ENOMEM;
}

static bool natgw_match_eip(const struct natgw_session *s, const void *arg)
{
	return s->eip == arg;
}

static bool natgw_set_has(const struct natgw_eip_set *set,
			  const struct natgw_eip *eip)
{
	unsigned int i;

	for (i = 0; set && i < set->n; i++)
		if (set->eip[i] == eip)
			return true;
	return false;
}

int natgw_eip_del(struct natgw_net *nn, struct natgw_eip *eip, bool force,
		  struct netlink_ext_ack *extack)
{
	struct natgw_gw *gw = eip->gw;
	struct natgw_rule *r, *tmp;

	if (!force && (eip->snat_users || eip->dnat_users)) {
		NL_SET_ERR_MSG_MOD(extack, "EIP is used by SNAT or DNAT entries; delete them first or use force");
		return -EBUSY;
	}
	list_for_each_entry_safe(r, tmp, &gw->snat, list)
		if (natgw_set_has(rcu_dereference_protected(r->snat.eips,
				  lockdep_is_held(&nn->lock)), eip))
			natgw_rule_del(nn, r);
	list_for_each_entry_safe(r, tmp, &gw->dnat, list)
		if (r->dnat.eip == eip)
			natgw_rule_del(nn, r);

	natgw_eip_unpublish(eip);
	synchronize_rcu();
	natgw_end_sessions(nn, &eip->nsess, natgw_match_eip, eip);
	natgw_eip_free(eip);
	natgw_bump(nn);
	return 0;
}

/* ---- SNAT and DNAT entries --------------------------------------------- */

struct natgw_rule *natgw_rule_find(struct natgw_gw *gw, bool dnat, u32 id)
{
	struct natgw_rule *r;

	list_for_each_entry(r, dnat ? &gw->dnat : &gw->snat, list)
		if (r->id == id)
			return r;
	return NULL;
}

/*
 * The id of a new entry: @want when the caller asks for one (a restored
 * configuration keeps the ids that scripts and monitors know), else one
 * past the highest this gateway has given, so that an id is not reused.
 */
static int natgw_rule_id(struct natgw_gw *gw, bool dnat, u32 want,
			 struct netlink_ext_ack *extack, u32 *id)
{
	u32 *next = dnat ? &gw->next_dnat_id : &gw->next_snat_id;

	if (want) {
		if (natgw_rule_find(gw, dnat, want)) {
			NL_SET_ERR_MSG_MOD(extack, "an entry with this id exists");
			return -EEXIST;
		}
		*id = want;
		*next = max(*next, want);
		return 0;
	}
	if (*next == U32_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "entry ids exhausted: give one (id N)");
		return -ENOSPC;
	}
	*id = ++*next;
	return 0;
}

static bool natgw_match_rule(const struct natgw_session *s, const void *arg)
{
	return s->rule == arg;
}

static struct natgw_rule *natgw_rule_alloc(struct natgw_gw *gw, bool dnat)
{
	struct natgw_rule *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	r->stats = natgw_stats_alloc();
	if (!r->stats) {
		kfree(r);
		return NULL;
	}
	r->gw = gw;
	r->is_dnat = dnat;
	return r;
}

static void natgw_rule_free_rcu(struct rcu_head *rcu)
{
	struct natgw_rule *r = container_of(rcu, struct natgw_rule, rcu);

	if (!r->is_dnat)
		kfree(rcu_dereference_raw(r->snat.eips));
	free_percpu(r->stats);
	kfree(r);
}

/* Its sessions are gone: drop its EIP references and free it. */
static void natgw_rule_free(struct natgw_rule *r)
{
	struct natgw_eip_set *set;
	unsigned int i;

	list_del(&r->list);
	if (r->is_dnat) {
		r->gw->ndnat--;
		r->dnat.eip->dnat_users--;
	} else {
		r->gw->nsnat--;
		set = rcu_dereference_raw(r->snat.eips);
		for (i = 0; i < set->n; i++)
			set->eip[i]->snat_users--;
	}
	call_rcu(&r->rcu, natgw_rule_free_rcu);
}

/*
 * Check an EIP list for an SNAT entry and build its set.  @self is the entry
 * being changed, whose own EIPs are of course acceptable.
 */
static struct natgw_eip_set *natgw_eip_set_build(struct natgw_net *nn,
						 struct natgw_gw *gw,
						 const struct natgw_snat_cfg *cfg,
						 struct netlink_ext_ack *extack)
{
	struct natgw_eip_set *set;
	struct natgw_eip *eip;
	unsigned int i, j;

	if (!cfg->neips || cfg->neips > natgw_max_eips) {
		NL_SET_ERR_MSG_ATTR(extack, cfg->eips_attr, "an SNAT entry needs 1 to max_eips EIPs");
		return ERR_PTR(-EINVAL);
	}
	set = kzalloc(struct_size(set, eip, cfg->neips), GFP_KERNEL);
	if (!set)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < cfg->neips; i++) {
		eip = natgw_eip_find(nn, cfg->eips[i]);
		if (!eip || eip->gw != gw) {
			NL_SET_ERR_MSG_ATTR(extack, cfg->eips_attr, "EIP is not associated with this gateway");
			goto err;
		}
		if (rcu_access_pointer(eip->ipmap)) {
			NL_SET_ERR_MSG_ATTR(extack, cfg->eips_attr, "EIP is taken whole by a DNAT IP mapping");
			goto err;
		}
		for (j = 0; j < i; j++)
			if (set->eip[j] == eip) {
				NL_SET_ERR_MSG_ATTR(extack, cfg->eips_attr, "EIP listed twice");
				goto err;
			}
		set->eip[i] = eip;
	}
	set->n = cfg->neips;
	set->affinity = cfg->affinity == 1;
	return set;
err:
	kfree(set);
	return ERR_PTR(-EINVAL);
}

int natgw_snat_add(struct natgw_net *nn, struct natgw_gw *gw,
		   const struct natgw_snat_cfg *cfg,
		   struct netlink_ext_ack *extack, u32 *id)
{
	__be32 addr = cfg->src_vpc ? gw->vpc_addr : cfg->src_addr;
	u8 plen = cfg->src_vpc ? gw->vpc_plen : cfg->src_plen;
	struct natgw_eip_set *set;
	struct natgw_rule *r;
	unsigned int i;
	int ret;

	if (gw->nsnat >= natgw_max_snat) {
		NL_SET_ERR_MSG_MOD(extack, "SNAT entry quota of this gateway reached (module parameter max_snat_entries)");
		return -ENOSPC;
	}
	if (addr & ~inet_make_mask(plen)) {
		NL_SET_ERR_MSG_MOD(extack, "source CIDR has host bits set");
		return -EINVAL;
	}
	if (plen < gw->vpc_plen || !natgw_in_vpc(gw, addr)) {
		NL_SET_ERR_MSG_MOD(extack, "source CIDR is not within the gateway's VPC");
		return -EINVAL;
	}
	list_for_each_entry(r, &gw->snat, list)
		if (r->snat.src_addr == addr && r->snat.src_plen == plen) {
			NL_SET_ERR_MSG_MOD(extack, "an SNAT entry with this source CIDR already exists");
			return -EEXIST;
		}
	ret = natgw_rule_id(gw, false, *id, extack, id);
	if (ret)
		return ret;
	set = natgw_eip_set_build(nn, gw, cfg, extack);
	if (IS_ERR(set))
		return PTR_ERR(set);
	r = natgw_rule_alloc(gw, false);
	if (!r) {
		kfree(set);
		return -ENOMEM;
	}
	r->id = *id;
	r->snat.src_addr = addr;
	r->snat.src_plen = plen;
	r->snat.src_vpc = cfg->src_vpc;
	RCU_INIT_POINTER(r->snat.eips, set);
	list_add_tail(&r->list, &gw->snat);
	gw->nsnat++;
	for (i = 0; i < set->n; i++)
		set->eip[i]->snat_users++;
	ret = natgw_egress_rebuild(gw, GFP_KERNEL);
	if (ret) {
		natgw_rule_free(r);
		return ret;
	}
	natgw_bump(nn);
	*id = r->id;
	return 0;
}

struct natgw_set_change {
	const struct natgw_rule *rule;
	const struct natgw_eip_set *keep;
};

static bool natgw_match_dropped_eip(const struct natgw_session *s,
				    const void *arg)
{
	const struct natgw_set_change *c = arg;

	return s->rule == c->rule && !natgw_set_has(c->keep, s->eip);
}

int natgw_snat_set(struct natgw_net *nn, struct natgw_rule *r,
		   const struct natgw_snat_cfg *cfg,
		   struct netlink_ext_ack *extack)
{
	struct natgw_eip_set *old, *set;
	struct natgw_snat_cfg c = *cfg;
	struct natgw_set_change change;
	__be32 addrs[64];
	unsigned int i;

	old = rcu_dereference_protected(r->snat.eips, lockdep_is_held(&nn->lock));
	if (!c.eips) {
		if (old->n > ARRAY_SIZE(addrs))
			return -E2BIG;
		for (i = 0; i < old->n; i++)
			addrs[i] = old->eip[i]->addr;
		c.eips = addrs;
		c.neips = old->n;
	}
	if (c.affinity < 0)
		c.affinity = old->affinity;
	set = natgw_eip_set_build(nn, r->gw, &c, extack);
	if (IS_ERR(set))
		return PTR_ERR(set);
	for (i = 0; i < set->n; i++)
		set->eip[i]->snat_users++;
	for (i = 0; i < old->n; i++)
		old->eip[i]->snat_users--;
	rcu_assign_pointer(r->snat.eips, set);
	synchronize_rcu();
	change.rule = r;
	change.keep = set;
	natgw_end_sessions(nn, &r->nsess, natgw_match_dropped_eip, &change);
	kfree_rcu(old, rcu);
	natgw_bump(nn);
	return 0;
}

static bool natgw_ranges_overlap(u16 a0, u16 a1, u16 b0, u16 b1)
{
	return a0 <= b1 && b0 <= a1;
}

/*
 * Check a DNAT entry against the rest of the gateway.  @self is the entry it
 * replaces (SET), left out of the conflict checks.
 */
static int natgw_dnat_check(struct natgw_gw *gw, struct natgw_eip *eip,
			    const struct natgw_dnat_cfg *cfg,
			    const struct natgw_rule *self,
			    struct netlink_ext_ack *extack)
{
	struct natgw_rule *r;

	if (!natgw_in_vpc(gw, cfg->priv_addr)) {
		NL_SET_ERR_MSG_MOD(extack, "private address is not within the gateway's VPC");
		return -EINVAL;
	}
	if (!cfg->proto) {
		if (eip->snat_users || eip->dnat_users - (self ? 1 : 0)) {
			NL_SET_ERR_MSG_MOD(extack, "an IP mapping takes its EIP whole, and other entries use this EIP");
			return -EBUSY;
		}
		list_for_each_entry(r, &gw->dnat, list)
			if (r != self && !r->dnat.proto &&
			    r->dnat.priv_addr == cfg->priv_addr) {
				NL_SET_ERR_MSG_MOD(extack, "this private address already has an IP mapping");
				return -EEXIST;
			}
		return 0;
	}
	if (rcu_access_pointer(eip->ipmap) &&
	    rcu_access_pointer(eip->ipmap) != self) {
		NL_SET_ERR_MSG_MOD(extack, "EIP is taken whole by a DNAT IP mapping");
		return -EBUSY;
	}
	if (cfg->pub_max < cfg->pub_min || cfg->priv_max < cfg->priv_min) {
		NL_SET_ERR_MSG_MOD(extack, "a port range must be written low/high");
		return -EINVAL;
	}
	if (cfg->pub_max - cfg->pub_min != cfg->priv_max - cfg->priv_min) {
		NL_SET_ERR_MSG_MOD(extack, "public and private port ranges must be the same size");
		return -EINVAL;
	}
	list_for_each_entry(r, &gw->dnat, list)
		if (r != self && r->dnat.eip == eip &&
		    r->dnat.proto == cfg->proto &&
		    natgw_ranges_overlap(r->dnat.pub_min, r->dnat.pub_max,
					 cfg->pub_min, cfg->pub_max)) {
			NL_SET_ERR_MSG_MOD(extack, "public ports overlap another DNAT entry of this EIP and protocol");
			return -EEXIST;
		}
	if (eip->snat_users && !cfg->override &&
	    natgw_ranges_overlap(gw->port_min, gw->port_max,
				 cfg->pub_min, cfg->pub_max)) {
		NL_SET_ERR_MSG_MOD(extack, "public ports lie in the SNAT port range of an EIP used by SNAT; add port-override to take them");
		return -EBUSY;
	}
	return 0;
}

struct natgw_port_victims {
	const struct natgw_eip *eip;
	u8 proto;
	u16 lo, hi;
};

/* SNAT-allocated sessions holding a public port that DNAT now takes */
static bool natgw_match_port_victim(const struct natgw_session *s,
				    const void *arg)
{
	const struct natgw_port_victims *v = arg;
	const struct natgw_tuple *t = &s->th[NATGW_DIR_REPLY].t;
	u16 port = ntohs(t->dport);

	return s->eip == v->eip && (s->flags & NATGW_SF_PORT) &&
	       t->proto == v->proto && port >= v->lo && port <= v->hi;
}

/* Publish a (new) DNAT entry: reserve its ports, rebuild the snapshots. */
static int natgw_dnat_publish(struct natgw_net *nn, struct natgw_rule *r)
{
	struct natgw_eip *eip = r->dnat.eip;
	struct natgw_port_victims v;
	int ret, p;
	u32 held;

	if (!r->dnat.proto) {
		rcu_assign_pointer(eip->ipmap, r);
		return natgw_egress_rebuild(r->gw, GFP_KERNEL);
	}
	p = natgw_proto_index(r->dnat.proto);
	held = natgw_portalloc_reserve(&eip->pa[p], r->dnat.pub_min,
				       r->dnat.pub_max);
	ret = natgw_dnat_rebuild(eip, GFP_KERNEL);
	if (ret || !held)
		return ret;
	/*
	 * port-override: SNAT sessions holding these ports end now.  One that
	 * took its port before the reservation may still be on its way into
	 * the table: wait for it.
	 */
	synchronize_rcu();
	v.eip = eip;
	v.proto = r->dnat.proto;
	v.lo = r->dnat.pub_min;
	v.hi = r->dnat.pub_max;
	natgw_session_kill_matching(nn, natgw_match_port_victim, &v);
	return 0;
}

/*
 * Take a DNAT entry out of the packet path's view (no grace period yet).  It
 * is already off the gateway's list; the rebuilt snapshots must not fail,
 * or they would keep pointing at it.
 */
static void natgw_dnat_unpublish(struct natgw_rule *r)
{
	struct natgw_eip *eip = r->dnat.eip;

	if (!r->dnat.proto) {
		RCU_INIT_POINTER(eip->ipmap, NULL);
		natgw_egress_rebuild(r->gw, GFP_KERNEL | __GFP_NOFAIL);
		return;
	}
	natgw_dnat_rebuild(eip, GFP_KERNEL | __GFP_NOFAIL);
	natgw_portalloc_unreserve(&eip->pa[natgw_proto_index(r->dnat.proto)],
				  r->dnat.pub_min, r->dnat.pub_max);
}

static void natgw_dnat_fill(struct natgw_rule *r, struct natgw_eip *eip,
			    const struct natgw_dnat_cfg *cfg)
{
	r->dnat.eip = eip;
	r->dnat.priv_addr = cfg->priv_addr;
	r->dnat.proto = cfg->proto;
	r->dnat.override = cfg->override;
	r->dnat.pub_min = cfg->pub_min;
	r->dnat.pub_max = cfg->pub_max;
	r->dnat.priv_min = cfg->priv_min;
	r->dnat.priv_max = cfg->priv_max;
}

int natgw_dnat_add(struct natgw_net *nn, struct natgw_gw *gw,
		   const struct natgw_dnat_cfg *cfg,
		   struct netlink_ext_ack *extack, u32 *id)
{
	struct natgw_eip *eip = natgw_eip_find(nn, cfg->eip);
	struct natgw_rule *r;
	int ret;

	if (gw->ndnat >= natgw_max_dnat) {
		NL_SET_ERR_MSG_MOD(extack, "DNAT entry quota of this gateway reached (module parameter max_dnat_entries)");
		return -ENOSPC;
	}
	if (!eip || eip->gw != gw) {
		NL_SET_ERR_MSG_MOD(extack, "EIP is not associated with this gateway");
		return -ENOENT;
	}
	ret = natgw_dnat_check(gw, eip, cfg, NULL, extack);
	if (ret)
		return ret;
	ret = natgw_rule_id(gw, true, *id, extack, id);
	if (ret)
		return ret;
	r = natgw_rule_alloc(gw, true);
	if (!r)
		return -ENOMEM;
	r->id = *id;
	natgw_dnat_fill(r, eip, cfg);
	list_add_tail(&r->list, &gw->dnat);
	gw->ndnat++;
	eip->dnat_users++;
	ret = natgw_dnat_publish(nn, r);
	if (ret) {
		/* what was published may have made sessions: end them too */
		natgw_rule_unpublish(nn, r);
		synchronize_rcu();
		natgw_end_sessions(nn, &r->nsess, natgw_match_rule, r);
		natgw_rule_free(r);
		return ret;
	}
	natgw_bump(nn);
	*id = r->id;
	return 0;
}

/*
 * (Un)reserve the ports lo..hi of @pa that do not lie in skip_lo..skip_hi:
 * a changed port mapping keeps the reservation of the ports its old and new
 * ranges share (reservations do not nest).  Returns what reserve returns.
 */
static u32 natgw_reserve_diff(struct natgw_portalloc *pa, bool reserve,
			      u16 lo, u16 hi, u16 skip_lo, u16 skip_hi)
{
	u32 part[2][2] = { { lo, hi }, { 1, 0 } };	/* [1] empty */
	u32 held = 0;
	int i;

	if (natgw_ranges_overlap(lo, hi, skip_lo, skip_hi)) {
		/* below the skipped range, and above it; either may be empty */
		part[0][0] = lo;
		part[0][1] = skip_lo > lo ? skip_lo - 1 : 0;
		part[1][0] = (u32)skip_hi + 1;
		part[1][1] = skip_hi < hi ? hi : 0;
	}
	for (i = 0; i < 2; i++) {
		if (part[i][0] > part[i][1])
			continue;
		if (reserve)
			held += natgw_portalloc_reserve(pa, part[i][0],
							part[i][1]);
		else
			natgw_portalloc_unreserve(pa, part[i][0], part[i][1]);
	}
	return held;
}

/*
 * Change a DNAT entry.  The packet path must see the old mapping or the new
 * one, never a mix, so the entry is replaced by a new object with the same
 * id and counters (the statistics are shared; the count of sessions, which
 * decides when the old object may go, is each object's own).  The new
 * public ports are reserved before anything is published, the new mapping
 * is published last, and a failure on the way undoes every step: the entry
 * is then exactly as it was.  Sessions of the old mapping end.
 */
int natgw_dnat_set(struct natgw_net *nn, struct natgw_rule *old,
		   const struct natgw_dnat_cfg *cfg,
		   struct netlink_ext_ack *extack)
{
	struct natgw_eip *eip = old->dnat.eip;
	struct natgw_portalloc *pa = NULL;
	struct natgw_dnat_cfg c = *cfg;
	struct natgw_port_victims v;
	struct natgw_rule *r;
	u32 held = 0;
	int ret;

	if (!c.priv_addr)
		c.priv_addr = old->dnat.priv_addr;
	if (!c.pub_min) {
		c.pub_min = old->dnat.pub_min;
		c.pub_max = old->dnat.pub_max;
	}
	if (!c.priv_min) {
		/* keep the offset when only the public ports move */
		c.priv_min = old->dnat.priv_min;
		c.priv_max = old->dnat.priv_min + (c.pub_max - c.pub_min);
	}
	c.proto = old->dnat.proto;
	if (!c.proto && (cfg->pub_min || cfg->priv_min)) {
		NL_SET_ERR_MSG_MOD(extack, "an IP mapping has no ports");
		return -EINVAL;
	}
	ret = natgw_dnat_check(old->gw, eip, &c, old, extack);
	if (ret)
		return ret;
	r = kmemdup(old, sizeof(*old), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	atomic_set(&r->nsess, 0);
	natgw_dnat_fill(r, eip, &c);

	/* 1. reserve the new public ports the old mapping did not hold */
	if (c.proto) {
		pa = &eip->pa[natgw_proto_index(c.proto)];
		held = natgw_reserve_diff(pa, true, c.pub_min, c.pub_max,
					  old->dnat.pub_min, old->dnat.pub_max);
	}
	/* 2. publish: the snapshots are built from the list, with r in it */
	list_replace_init(&old->list, &r->list);
	if (c.proto)
		ret = natgw_dnat_rebuild(eip, GFP_KERNEL);
	else
		ret = natgw_egress_rebuild(r->gw, GFP_KERNEL);
	if (ret) {
		/* nothing was published: give back what step 1 took */
		list_replace_init(&r->list, &old->list);
		if (c.proto)
			natgw_reserve_diff(pa, false, c.pub_min, c.pub_max,
					   old->dnat.pub_min,
					   old->dnat.pub_max);
		kfree(r);
		return ret;
	}
	if (!c.proto)
		rcu_assign_pointer(eip->ipmap, r);
	/* 3. the old mapping's ports that the new one does not take go back */
	if (c.proto)
		natgw_reserve_diff(pa, false, old->dnat.pub_min,
				   old->dnat.pub_max, c.pub_min, c.pub_max);
	synchronize_rcu();
	/*
	 * 4. no packet still uses the old mapping: end its sessions, and the
	 * SNAT sessions that held the ports the new mapping took (a session
	 * that took its port before the reservation is linked by now).
	 */
	if (held) {
		v.eip = eip;
		v.proto = c.proto;
		v.lo = c.pub_min;
		v.hi = c.pub_max;
		natgw_session_kill_matching(nn, natgw_match_port_victim, &v);
	}
	natgw_end_sessions(nn, &old->nsess, natgw_match_rule, old);
	/* the counters moved to the new entry; the old object goes alone */
	kfree_rcu(old, rcu);
	natgw_bump(nn);
	return 0;
}

static void natgw_rule_unpublish(struct natgw_net *nn, struct natgw_rule *r)
{
	list_del_init(&r->list);
	if (r->is_dnat)
		natgw_dnat_unpublish(r);
	else
		natgw_egress_rebuild(r->gw, GFP_KERNEL | __GFP_NOFAIL);
}

void natgw_rule_del(struct natgw_net *nn, struct natgw_rule *r)
{
	natgw_rule_unpublish(nn, r);
	synchronize_rcu();
	natgw_end_sessions(nn, &r->nsess, natgw_match_rule, r);
	natgw_rule_free(r);
	natgw_bump(nn);
}
