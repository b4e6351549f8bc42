// SPDX-License-Identifier: GPL-2.0
/*
 * natgw generic netlink family.
 *
 * Every command has its own attribute policy; attributes a command does not
 * know are refused by strict validation.  Every refusal carries an extack
 * message and, where one attribute is at fault, points at it.
 *
 * Privilege: commands that change state, and the reads that show traffic
 * (sessions, their count, statistics) and the natlog multicast group, need
 * CAP_NET_ADMIN in the user namespace that owns the socket's network
 * namespace (GENL_UNS_ADMIN_PERM, GENL_MCAST_CAP_NET_ADMIN), as nftables
 * and conntrack do: root in a user namespace manages natgw in its own
 * network namespaces and nowhere else.  The configuration (gateways, EIPs,
 * entries, timeouts, quotas) and its "config" group stay readable by
 * anyone in the namespace, like `ip route`.
 *
 * Locking: the family is parallel_ops, so no command runs under the global
 * genl mutex.  Configuration commands and configuration dumps take
 * natgw_net.lock (their work is bounded by the quotas); session dumps,
 * counts and flushes never take it: they walk the session table one bucket
 * per RCU read-side section.  Dumps record the configuration generation in
 * cb->seq, so a dump that raced with a configuration change or a flush is
 * flagged NLM_F_DUMP_INTR; sessions coming and going are not changes a
 * reader could act on and flag nothing.
 */
#include <linux/inetdevice.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "gateway.h"
#include "netlink.h"

static struct genl_family natgw_family;

enum natgw_mcgrp {
	NATGW_GRP_CONFIG,
	NATGW_GRP_NATLOG,
};

static const struct genl_multicast_group natgw_mcgrps[] = {
	[NATGW_GRP_CONFIG] = { .name = NATGW_MCGRP_CONFIG },
	/* the NAT log shows every flow: CAP_NET_ADMIN, as conntrack events */
	[NATGW_GRP_NATLOG] = { .name = NATGW_MCGRP_NATLOG,
			       .flags = GENL_MCAST_CAP_NET_ADMIN },
};


/*
 * Cleared once the family is unregistered at module exit, before the
 * namespaces are torn down: their sessions end without events.
 */
static bool natgw_genl_live __read_mostly;

/* ---- policies ---------------------------------------------------------- */

#define NATGW_POL_NAME	{ .type = NLA_NUL_STRING, .len = NATGW_NAME_MAX - 1 }
#define NATGW_POL_DESCR	{ .type = NLA_NUL_STRING, .len = NATGW_DESCR_MAX - 1 }
#define NATGW_POL_BOOL	NLA_POLICY_MAX(NLA_U8, 1)
#define NATGW_POL_ADDR	{ .type = NLA_BE32 }
#define NATGW_POL_PORT	NLA_POLICY_MIN(NLA_U16, 1)
#define NATGW_POL_ID	NLA_POLICY_MIN(NLA_U32, 1)
#define NATGW_POL_FLAG	{ .type = NLA_FLAG }
#define NATGW_POL_TIMEOUT NLA_POLICY_FULL_RANGE(NLA_U32, &natgw_timeout_range)

/* session timeouts: one second to one week */
static struct netlink_range_validation natgw_timeout_range __ro_after_init = {
	.min = 1,
	.max = 7 * 24 * 3600,
};

static const struct nla_policy natgw_eip_list_policy[NATGW_A_MAX + 1] = {
	[NATGW_A_EIP_ADDR] = NATGW_POL_ADDR,
};

static const struct nla_policy natgw_gw_new_policy[NATGW_A_MAX + 1] = {
	[NATGW_A_GW_NAME] = NATGW_POL_NAME,
	[NATGW_A_GW_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[NATGW_A_GW_VPC_ADDR] = NATGW_POL_ADDR,
	[NATGW_A_GW_VPC_PLEN] = NLA_POLICY_RANGE(NLA_U8, 1, 32),
	[NATGW_A_GW_SNAT_PORT_MIN] = NATGW_POL_PORT,
	[NATGW_A_GW_SNAT_PORT_MAX] = NATGW_POL_PORT,
	[NATGW_A_GW_ICMP_REPLY] = NATGW_POL_BOOL,
	[NATGW_A_GW_EIP_ARP] = NATGW_POL_BOOL,
	[NATGW_A_GW_PROTECT] = NATGW_POL_BOOL,
	[NATGW_A_GW_DESCR] = NATGW_POL_DESCR,
	[NATGW_A_GW_MAX_SESSIONS] = { .type = NLA_U32 },
};

static const struct nla_policy natgw_gw_set_policy[NATGW_A_MAX + 1] = {
	[NATGW_A_GW_NAME] = NATGW_POL_NAME,
	[NATGW_A_GW_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[NATGW_A_GW_ICMP_REPLY] = NATGW_POL_BOOL,
	[NATGW_A_GW_EIP_ARP] = NATGW_POL_BOOL,
	[NATGW_A_GW_PROTECT] = NATGW_POL_BOOL,
	[NATGW_A_GW_DESCR] = NATGW_POL_DESCR,
	[NATGW_A_GW_MAX_SESSIONS] = { .type = NLA_U32 },
};

static const struct nla_policy natgw_gw_del_policy[NATGW_A_MAX + 1] = {
	[NATGW_A_GW_NAME] = NATGW_POL_NAME,
	[NATGW_A_FORCE] = NATGW_POL_FLAG,
};

/* GW_GET, EIP_GET, SNAT_GET, DNAT_GET, STATS_GET: an optional gateway */
static const struct nla_policy natgw_name_policy[NATGW_A_MAX + 1] = {
	[NATGW_A_GW_NAME] = NATGW_POL_NAME,
};

static const struct nla_policy natgw_eip_policy[NATGW_A_MAX + 1] = {
	[NATGW_A_GW_NAME] = NATGW_POL_NAME,
	[NATGW_A_EIP_ADDR] = NATGW_POL_ADDR,
	[NATGW_A_FORCE] = NATGW_POL_FLAG,
};

static const struct nla_policy natgw_snat_policy[NATGW_A_MAX + 1] = {
	[NATGW_A_GW_NAME] = NATGW_POL_NAME,
	[NATGW_A_ENTRY_ID] = NATGW_POL_ID,
	[NATGW_A_SNAT_SRC_ADDR] = NATGW_POL_ADDR,
	[NATGW_A_SNAT_SRC_PLEN] = NLA_POLICY_MAX(NLA_U8, 32),
	[NATGW_A_SNAT_SRC_VPC] = NATGW_POL_FLAG,
	[NATGW_A_EIP_LIST] = NLA_POLICY_NESTED(natgw_eip_list_policy),
	[NATGW_A_SNAT_AFFINITY] = NATGW_POL_BOOL,
};

static const struct nla_policy natgw_dnat_policy[NATGW_A_MAX + 1] = {
	[NATGW_A_GW_NAME] = NATGW_POL_NAME,
	[NATGW_A_ENTRY_ID] = NATGW_POL_ID,
	[NATGW_A_EIP_ADDR] = NATGW_POL_ADDR,
	[NATGW_A_DNAT_PRIV_ADDR] = NATGW_POL_ADDR,
	[NATGW_A_DNAT_PROTO] = { .type = NLA_U8 },
	[NATGW_A_DNAT_PUB_PORT_MIN] = NATGW_POL_PORT,
	[NATGW_A_DNAT_PUB_PORT_MAX] = NATGW_POL_PORT,
	[NATGW_A_DNAT_PRIV_PORT_MIN] = NATGW_POL_PORT,
	[NATGW_A_DNAT_PRIV_PORT_MAX] = NATGW_POL_PORT,
	[NATGW_A_DNAT_PORT_OVERRIDE] = NATGW_POL_FLAG,
};

static const struct nla_policy natgw_session_policy[NATGW_A_MAX + 1] = {
	[NATGW_A_GW_NAME] = NATGW_POL_NAME,
	[NATGW_A_SESS_PROTO] = { .type = NLA_U8 },
	[NATGW_A_SESS_IN_ADDR] = NATGW_POL_ADDR,
	[NATGW_A_SESS_REM_ADDR] = NATGW_POL_ADDR,
	[NATGW_A_SESS_EIP_ADDR] = NATGW_POL_ADDR,
	[NATGW_A_SESS_EIP_PORT] = NATGW_POL_PORT,
};

static const struct nla_policy natgw_timeout_policy[NATGW_A_MAX + 1] = {
	[NATGW_A_TIMEOUT_UDP] = NATGW_POL_TIMEOUT,
	[NATGW_A_TIMEOUT_ICMP] = NATGW_POL_TIMEOUT,
	[NATGW_A_TIMEOUT_TCP_SYN] = NATGW_POL_TIMEOUT,
	[NATGW_A_TIMEOUT_TCP_EST] = NATGW_POL_TIMEOUT,
	[NATGW_A_TIMEOUT_TCP_TRANS] = NATGW_POL_TIMEOUT,
	[NATGW_A_TIMEOUT_TCP_CLOSE] = NATGW_POL_TIMEOUT,
	[NATGW_A_TIMEOUT_IN_UNREPLIED] = NATGW_POL_TIMEOUT,
};

static const struct nla_policy natgw_empty_policy[NATGW_A_MAX + 1] = {
};

/* ---- helpers ----------------------------------------------------------- */

static struct natgw_net *natgw_info_net(struct genl_info *info)
{
	return natgw_pernet(genl_info_net(info));
}

/* The gateway named by NATGW_A_GW_NAME, which the command requires. */
static struct natgw_gw *natgw_get_gw(struct natgw_net *nn,
				     struct genl_info *info)
{
	struct nlattr *a = info->attrs[NATGW_A_GW_NAME];
	struct natgw_gw *gw;

	if (GENL_REQ_ATTR_CHECK(info, NATGW_A_GW_NAME))
		return NULL;
	gw = natgw_gw_find(nn, nla_data(a));
	if (!gw)
		NL_SET_ERR_MSG_ATTR(info->extack, a, "no such gateway");
	return gw;
}

static struct natgw_rule *natgw_get_rule(struct natgw_gw *gw, bool dnat,
					 struct genl_info *info)
{
	struct nlattr *a = info->attrs[NATGW_A_ENTRY_ID];
	struct natgw_rule *r;

	if (GENL_REQ_ATTR_CHECK(info, NATGW_A_ENTRY_ID))
		return NULL;
	r = natgw_rule_find(gw, dnat, nla_get_u32(a));
	if (!r && dnat)
		NL_SET_ERR_MSG_ATTR(info->extack, a, "no such DNAT entry");
	else if (!r)
		NL_SET_ERR_MSG_ATTR(info->extack, a, "no such SNAT entry");
	return r;
}

static int natgw_put_flag(struct sk_buff *skb, int type, bool on)
{
	return on ? nla_put_flag(skb, type) : 0;
}

static void natgw_gw_refresh_ifname(struct natgw_gw *gw)
{
	struct net_device *dev;

	if (!gw->ifindex)
		return;
	rcu_read_lock();
	dev = dev_get_by_index_rcu(gw->nn->net, gw->ifindex);
	if (dev)
		strscpy(gw->ifname, dev->name, sizeof(gw->ifname));
	rcu_read_unlock();
}

static int natgw_fill_gw(struct sk_buff *skb, struct natgw_gw *gw)
{
	natgw_gw_refresh_ifname(gw);
	if (nla_put_string(skb, NATGW_A_GW_NAME, gw->name) ||
	    nla_put_u32(skb, NATGW_A_GW_ID, gw->id) ||
	    (gw->ifindex && nla_put_u32(skb, NATGW_A_GW_IFINDEX, gw->ifindex)) ||
	    nla_put_string(skb, NATGW_A_GW_IFNAME, gw->ifname) ||
	    nla_put_in_addr(skb, NATGW_A_GW_VPC_ADDR, gw->vpc_addr) ||
	    nla_put_u8(skb, NATGW_A_GW_VPC_PLEN, gw->vpc_plen) ||
	    nla_put_u16(skb, NATGW_A_GW_SNAT_PORT_MIN, gw->port_min) ||
	    nla_put_u16(skb, NATGW_A_GW_SNAT_PORT_MAX, gw->port_max) ||
	    nla_put_u8(skb, NATGW_A_GW_STATE, gw->ifindex ? NATGW_GW_STATE_UP :
						     NATGW_GW_STATE_DOWN) ||
	    nla_put_u8(skb, NATGW_A_GW_ICMP_REPLY, gw->icmp_reply) ||
	    nla_put_u8(skb, NATGW_A_GW_EIP_ARP, gw->eip_arp) ||
	    nla_put_u8(skb, NATGW_A_GW_PROTECT, gw->protect) ||
	    nla_put_u32(skb, NATGW_A_GW_MAX_SESSIONS, gw->max_sessions) ||
	    (gw->descr && nla_put_string(skb, NATGW_A_GW_DESCR, gw->descr)))
		return -EMSGSIZE;
	return 0;
}

static int natgw_fill_eip(struct sk_buff *skb, struct natgw_eip *eip)
{
	if (nla_put_string(skb, NATGW_A_GW_NAME, eip->gw->name) ||
	    nla_put_in_addr(skb, NATGW_A_EIP_ADDR, eip->addr))
		return -EMSGSIZE;
	return 0;
}

static int natgw_fill_rule(struct sk_buff *skb, struct natgw_rule *r)
{
	const struct natgw_eip_set *set;
	struct nlattr *nest;
	unsigned int i;

	if (nla_put_string(skb, NATGW_A_GW_NAME, r->gw->name) ||
	    nla_put_u32(skb, NATGW_A_ENTRY_ID, r->id))
		return -EMSGSIZE;
	if (r->is_dnat) {
		if (nla_put_in_addr(skb, NATGW_A_EIP_ADDR, r->dnat.eip->addr) ||
		    nla_put_in_addr(skb, NATGW_A_DNAT_PRIV_ADDR, r->dnat.priv_addr))
			return -EMSGSIZE;
		if (!r->dnat.proto)
			return 0;
		if (nla_put_u8(skb, NATGW_A_DNAT_PROTO, r->dnat.proto) ||
		    nla_put_u16(skb, NATGW_A_DNAT_PUB_PORT_MIN, r->dnat.pub_min) ||
		    nla_put_u16(skb, NATGW_A_DNAT_PUB_PORT_MAX, r->dnat.pub_max) ||
		    nla_put_u16(skb, NATGW_A_DNAT_PRIV_PORT_MIN, r->dnat.priv_min) ||
		    nla_put_u16(skb, NATGW_A_DNAT_PRIV_PORT_MAX, r->dnat.priv_max) ||
		    natgw_put_flag(skb, NATGW_A_DNAT_PORT_OVERRIDE, r->dnat.override))
			return -EMSGSIZE;
		return 0;
	}
	set = rcu_dereference_protected(r->snat.eips, true);
	if (nla_put_in_addr(skb, NATGW_A_SNAT_SRC_ADDR, r->snat.src_addr) ||
	    nla_put_u8(skb, NATGW_A_SNAT_SRC_PLEN, r->snat.src_plen) ||
	    natgw_put_flag(skb, NATGW_A_SNAT_SRC_VPC, r->snat.src_vpc) ||
	    nla_put_u8(skb, NATGW_A_SNAT_AFFINITY, set->affinity))
		return -EMSGSIZE;
	nest = nla_nest_start(skb, NATGW_A_EIP_LIST);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < set->n; i++)
		if (nla_put_in_addr(skb, NATGW_A_EIP_ADDR, set->eip[i]->addr))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Reply to a doit with one object; @fill runs under natgw_net.lock. */
static int natgw_reply(struct genl_info *info, u8 cmd,
		       int (*fill)(struct sk_buff *skb, void *obj), void *obj)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &natgw_family, 0, cmd);
	if (!hdr || fill(msg, obj)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * Tell "config" listeners what changed: the command, then the object as a
 * GET would show it (@fill, under natgw_net.lock, so the object is alive),
 * or for a deletion the keys the request named.
 */
static void natgw_config_event(struct genl_info *info, u8 cmd,
			       int (*fill)(struct sk_buff *skb, void *obj),
			       void *obj)
{
	struct net *net = genl_info_net(info);
	static const int keys[] = {
		NATGW_A_GW_NAME, NATGW_A_EIP_ADDR, NATGW_A_ENTRY_ID,
	};
	struct sk_buff *msg;
	unsigned int i;
	void *hdr;

	if (!genl_has_listeners(&natgw_family, net, NATGW_GRP_CONFIG))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto lost;
	hdr = genlmsg_put(msg, 0, 0, &natgw_family, 0, NATGW_CMD_CONFIG_NTF);
	if (!hdr || nla_put_u8(msg, NATGW_A_NTF_CMD, cmd))
		goto err;
	if (fill) {
		if (fill(msg, obj))
			goto err;
	} else {
		for (i = 0; i < ARRAY_SIZE(keys); i++) {
			const struct nlattr *a = info->attrs[keys[i]];

			if (a && nla_put(msg, keys[i], nla_len(a), nla_data(a)))
				goto err;
		}
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&natgw_family, net, msg, 0, NATGW_GRP_CONFIG,
				GFP_KERNEL);
	return;
err:
	nlmsg_free(msg);
lost:
	atomic64_inc(&natgw_pernet(net)->events_lost);
}

/* ---- gateway ----------------------------------------------------------- */

static int natgw_fill_gw_obj(struct sk_buff *skb, void *obj)
{
	return natgw_fill_gw(skb, obj);
}

static int natgw_nl_gw_new(struct sk_buff *skb, struct genl_info *info)
{
	struct natgw_net *nn = natgw_info_net(info);
	struct nlattr **a = info->attrs;
	struct natgw_gw_cfg cfg = {
		.port_min = 1025, .port_max = 65535,
		.icmp_reply = -1, .eip_arp = -1, .protect = -1,
		.max_sessions = -1,
	};
	struct natgw_gw *gw;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, NATGW_A_GW_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, NATGW_A_GW_IFINDEX) ||
	    GENL_REQ_ATTR_CHECK(info, NATGW_A_GW_VPC_ADDR) ||
	    GENL_REQ_ATTR_CHECK(info, NATGW_A_GW_VPC_PLEN))
		return -EINVAL;
	cfg.name = nla_data(a[NATGW_A_GW_NAME]);
	cfg.name_attr = a[NATGW_A_GW_NAME];
	if (!cfg.name[0]) {
		NL_SET_ERR_MSG_ATTR(info->extack, cfg.name_attr, "gateway name is empty");
		return -EINVAL;
	}
	cfg.ifindex = nla_get_u32(a[NATGW_A_GW_IFINDEX]);
	cfg.vpc_addr = nla_get_in_addr(a[NATGW_A_GW_VPC_ADDR]);
	cfg.vpc_plen = nla_get_u8(a[NATGW_A_GW_VPC_PLEN]);
	if (cfg.vpc_addr & ~inet_make_mask(cfg.vpc_plen)) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[NATGW_A_GW_VPC_ADDR],
				    "VPC CIDR has host bits set");
		return -EINVAL;
	}
	if (a[NATGW_A_GW_SNAT_PORT_MIN])
		cfg.port_min = nla_get_u16(a[NATGW_A_GW_SNAT_PORT_MIN]);
	if (a[NATGW_A_GW_SNAT_PORT_MAX])
		cfg.port_max = nla_get_u16(a[NATGW_A_GW_SNAT_PORT_MAX]);
	if (cfg.port_min > cfg.port_max) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[NATGW_A_GW_SNAT_PORT_MIN],
				    "SNAT port range is empty (low > high)");
		return -EINVAL;
	}
	if (a[NATGW_A_GW_ICMP_REPLY])
		cfg.icmp_reply = nla_get_u8(a[NATGW_A_GW_ICMP_REPLY]);
	if (a[NATGW_A_GW_EIP_ARP])
		cfg.eip_arp = nla_get_u8(a[NATGW_A_GW_EIP_ARP]);
	if (a[NATGW_A_GW_PROTECT])
		cfg.protect = nla_get_u8(a[NATGW_A_GW_PROTECT]);
	if (a[NATGW_A_GW_DESCR])
		cfg.descr = nla_data(a[NATGW_A_GW_DESCR]);
	if (a[NATGW_A_GW_MAX_SESSIONS])
		cfg.max_sessions = nla_get_u32(a[NATGW_A_GW_MAX_SESSIONS]);

	mutex_lock(&nn->lock);
	ret = natgw_gw_add(nn, &cfg, info->extack, &gw);
	if (!ret) {
		natgw_config_event(info, NATGW_CMD_GW_NEW, natgw_fill_gw_obj, gw);
		ret = natgw_reply(info, NATGW_CMD_GW_NEW, natgw_fill_gw_obj, gw);
	}
	mutex_unlock(&nn->lock);
	return ret;
}

static int natgw_nl_gw_set(struct sk_buff *skb, struct genl_info *info)
{
	struct natgw_net *nn = natgw_info_net(info);
	struct nlattr **a = info->attrs;
	struct natgw_gw_cfg cfg = {
		.icmp_reply = -1, .eip_arp = -1, .protect = -1,
		.max_sessions = -1,
	};
	struct natgw_gw *gw;
	int ret = -ENOENT;

	if (a[NATGW_A_GW_IFINDEX])
		cfg.ifindex = nla_get_u32(a[NATGW_A_GW_IFINDEX]);
	if (a[NATGW_A_GW_ICMP_REPLY])
		cfg.icmp_reply = nla_get_u8(a[NATGW_A_GW_ICMP_REPLY]);
	if (a[NATGW_A_GW_EIP_ARP])
		cfg.eip_arp = nla_get_u8(a[NATGW_A_GW_EIP_ARP]);
	if (a[NATGW_A_GW_PROTECT])
		cfg.protect = nla_get_u8(a[NATGW_A_GW_PROTECT]);
	if (a[NATGW_A_GW_DESCR])
		cfg.descr = nla_data(a[NATGW_A_GW_DESCR]);
	if (a[NATGW_A_GW_MAX_SESSIONS])
		cfg.max_sessions = nla_get_u32(a[NATGW_A_GW_MAX_SESSIONS]);

	mutex_lock(&nn->lock);
	gw = natgw_get_gw(nn, info);
	if (gw)
		ret = natgw_gw_set(nn, gw, &cfg, info->extack);
	if (!ret)
		natgw_config_event(info, NATGW_CMD_GW_SET, natgw_fill_gw_obj, gw);
	mutex_unlock(&nn->lock);
	return ret;
}

static int natgw_nl_gw_del(struct sk_buff *skb, struct genl_info *info)
{
	struct natgw_net *nn = natgw_info_net(info);
	struct natgw_gw *gw;
	int ret = -ENOENT;

	mutex_lock(&nn->lock);
	gw = natgw_get_gw(nn, info);
	if (gw)
		ret = natgw_gw_del(nn, gw, !!info->attrs[NATGW_A_FORCE],
				   info->extack);
	if (!ret)
		natgw_config_event(info, NATGW_CMD_GW_DEL, NULL, NULL);
	mutex_unlock(&nn->lock);
	return ret;
}

static int natgw_nl_gw_get(struct sk_buff *skb, struct genl_info *info)
{
	struct natgw_net *nn = natgw_info_net(info);
	struct natgw_gw *gw;
	int ret = -ENOENT;

	mutex_lock(&nn->lock);
	gw = natgw_get_gw(nn, info);
	if (gw)
		ret = natgw_reply(info, NATGW_CMD_GW_GET, natgw_fill_gw_obj, gw);
	mutex_unlock(&nn->lock);
	return ret;
}

/*
 * Configuration dumps.  The objects are few (quotas), so each dump call
 * walks them in order under the lock and skips what earlier calls sent:
 * cb->args[0] counts the objects sent so far.
 */
enum natgw_obj { NATGW_OBJ_GW, NATGW_OBJ_EIP, NATGW_OBJ_SNAT, NATGW_OBJ_DNAT };

static int natgw_dump_one(struct sk_buff *skb, struct netlink_callback *cb,
			  u8 cmd, enum natgw_obj type, void *obj)
{
	void *hdr;
	int ret;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &natgw_family, NLM_F_MULTI, cmd);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	switch (type) {
	case NATGW_OBJ_GW:
		ret = natgw_fill_gw(skb, obj);
		break;
	case NATGW_OBJ_EIP:
		ret = natgw_fill_eip(skb, obj);
		break;
	default:
		ret = natgw_fill_rule(skb, obj);
		break;
	}
	if (ret) {
		genlmsg_cancel(skb, hdr);
		return ret;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int natgw_dump_cfg(struct sk_buff *skb, struct netlink_callback *cb,
			  u8 cmd, enum natgw_obj type)
{
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);
	struct natgw_net *nn = natgw_pernet(sock_net(skb->sk));
	struct nlattr *name = di->attrs[NATGW_A_GW_NAME];
	long idx = 0, skip = cb->args[0];
	struct natgw_rule *r;
	struct natgw_eip *eip;
	struct natgw_gw *gw;
	int ret = 0;

	mutex_lock(&nn->lock);
	cb->seq = nn->gen + 1;	/* never 0: 0 means "not tracked" */
	if (name && !natgw_gw_find(nn, nla_data(name))) {
		NL_SET_ERR_MSG_ATTR(cb->extack, name, "no such gateway");
		ret = -ENOENT;
		goto out;
	}
	list_for_each_entry(gw, &nn->gateways, list) {
		if (name && strcmp(gw->name, nla_data(name)))
			continue;
		switch (type) {
		case NATGW_OBJ_GW:
			if (idx++ < skip)
				break;
			ret = natgw_dump_one(skb, cb, cmd, type, gw);
			break;
		case NATGW_OBJ_EIP:
			list_for_each_entry(eip, &gw->eips, list) {
				if (idx++ < skip)
					continue;
				ret = natgw_dump_one(skb, cb, cmd, type, eip);
				if (ret)
					break;
			}
			break;
		default:
			list_for_each_entry(r, type == NATGW_OBJ_SNAT ?
					    &gw->snat : &gw->dnat, list) {
				if (idx++ < skip)
					continue;
				ret = natgw_dump_one(skb, cb, cmd, type, r);
				if (ret)
					break;
			}
			break;
		}
		if (ret)
			break;
	}
	if (ret == -EMSGSIZE) {
		/* the object that did not fit goes first next time */
		idx--;
		ret = 0;
	}
	cb->args[0] = idx;
out:
	mutex_unlock(&nn->lock);
	return ret ?: skb->len;
}

static int natgw_nl_gw_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return natgw_dump_cfg(skb, cb, NATGW_CMD_GW_GET, NATGW_OBJ_GW);
}

/* ---- EIP --------------------------------------------------------------- */

static int natgw_fill_eip_obj(struct sk_buff *skb, void *obj)
{
	return natgw_fill_eip(skb, obj);
}

static int natgw_nl_eip_new(struct sk_buff *skb, struct genl_info *info)
{
	struct natgw_net *nn = natgw_info_net(info);
	struct natgw_eip *eip;
	struct natgw_gw *gw;
	__be32 addr;
	int ret = -ENOENT;

	if (GENL_REQ_ATTR_CHECK(info, NATGW_A_EIP_ADDR))
		return -EINVAL;
	addr = nla_get_in_addr(info->attrs[NATGW_A_EIP_ADDR]);
	mutex_lock(&nn->lock);
	gw = natgw_get_gw(nn, info);
	if (gw)
		ret = natgw_eip_add(nn, gw, addr, info->extack);
	if (!ret) {
		eip = natgw_eip_find(nn, addr);
		natgw_config_event(info, NATGW_CMD_EIP_NEW, natgw_fill_eip_obj, eip);
		ret = natgw_reply(info, NATGW_CMD_EIP_NEW, natgw_fill_eip_obj, eip);
	} else if (gw && ret != -ENOMEM && !info->extack->bad_attr) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[NATGW_A_EIP_ADDR]);
	}
	mutex_unlock(&nn->lock);
	return ret;
}

static int natgw_nl_eip_del(struct sk_buff *skb, struct genl_info *info)
{
	struct natgw_net *nn = natgw_info_net(info);
	struct nlattr *a = info->attrs[NATGW_A_EIP_ADDR];
	struct natgw_eip *eip;
	struct natgw_gw *gw;
	int ret = -ENOENT;

	if (GENL_REQ_ATTR_CHECK(info, NATGW_A_EIP_ADDR))
		return -EINVAL;
	mutex_lock(&nn->lock);
	gw = natgw_get_gw(nn, info);
	if (!gw)
		goto out;
	eip = natgw_eip_find(nn, nla_get_in_addr(a));
	if (!eip || eip->gw != gw) {
		NL_SET_ERR_MSG_ATTR(info->extack, a, "EIP is not associated with this gateway");
		goto out;
	}
	ret = natgw_eip_del(nn, eip, !!info->attrs[NATGW_A_FORCE], info->extack);
	if (!ret)
		natgw_config_event(info, NATGW_CMD_EIP_DEL, NULL, NULL);
out:
	mutex_unlock(&nn->lock);
	return ret;
}

static int natgw_nl_eip_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return natgw_dump_cfg(skb, cb, NATGW_CMD_EIP_GET, NATGW_OBJ_EIP);
}

/* ---- SNAT and DNAT entries ---------------------------------------------- */

static int natgw_fill_rule_obj(struct sk_buff *skb, void *obj)
{
	return natgw_fill_rule(skb, obj);
}

static int natgw_fill_id(struct sk_buff *skb, void *obj)
{
	const struct natgw_rule *r = obj;

	if (nla_put_string(skb, NATGW_A_GW_NAME, r->gw->name) ||
	    nla_put_u32(skb, NATGW_A_ENTRY_ID, r->id))
		return -EMSGSIZE;
	return 0;
}

#define NATGW_MAX_LIST	64

static int natgw_parse_eips(struct genl_info *info, struct natgw_snat_cfg *cfg,
			    __be32 *addrs)
{
	struct nlattr *list = info->attrs[NATGW_A_EIP_LIST], *a;
	int rem;

	cfg->eips_attr = list;
	nla_for_each_nested(a, list, rem) {
		if (nla_type(a) != NATGW_A_EIP_ADDR || nla_len(a) != 4) {
			NL_SET_ERR_MSG_ATTR(info->extack, a, "EIP list holds only EIP addresses");
			return -EINVAL;
		}
		if (cfg->neips == NATGW_MAX_LIST) {
			NL_SET_ERR_MSG_ATTR(info->extack, list, "too many EIPs");
			return -E2BIG;
		}
		addrs[cfg->neips++] = nla_get_in_addr(a);
	}
	cfg->eips = addrs;
	return 0;
}

static int natgw_nl_snat_new(struct sk_buff *skb, struct genl_info *info)
{
	struct natgw_net *nn = natgw_info_net(info);
	struct nlattr **a = info->attrs;
	struct natgw_snat_cfg cfg = { .affinity = -1 };
	__be32 addrs[NATGW_MAX_LIST];
	struct natgw_rule *r;
	struct natgw_gw *gw;
	u32 id;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, NATGW_A_EIP_LIST))
		return -EINVAL;
	if (a[NATGW_A_SNAT_SRC_VPC]) {
		cfg.src_vpc = true;
	} else {
		if (GENL_REQ_ATTR_CHECK(info, NATGW_A_SNAT_SRC_ADDR) ||
		    GENL_REQ_ATTR_CHECK(info, NATGW_A_SNAT_SRC_PLEN))
			return -EINVAL;
		cfg.src_addr = nla_get_in_addr(a[NATGW_A_SNAT_SRC_ADDR]);
		cfg.src_plen = nla_get_u8(a[NATGW_A_SNAT_SRC_PLEN]);
	}
	if (a[NATGW_A_SNAT_AFFINITY])
		cfg.affinity = nla_get_u8(a[NATGW_A_SNAT_AFFINITY]);
	ret = natgw_parse_eips(info, &cfg, addrs);
	if (ret)
		return ret;

	id = a[NATGW_A_ENTRY_ID] ? nla_get_u32(a[NATGW_A_ENTRY_ID]) : 0;
	mutex_lock(&nn->lock);
	gw = natgw_get_gw(nn, info);
	ret = gw ? natgw_snat_add(nn, gw, &cfg, info->extack, &id) : -ENOENT;
	if (!ret) {
		r = natgw_rule_find(gw, false, id);
		natgw_config_event(info, NATGW_CMD_SNAT_NEW, natgw_fill_rule_obj, r);
		ret = natgw_reply(info, NATGW_CMD_SNAT_NEW, natgw_fill_id, r);
	}
	mutex_unlock(&nn->lock);
	return ret;
}

static int natgw_nl_snat_set(struct sk_buff *skb, struct genl_info *info)
{
	struct natgw_net *nn = natgw_info_net(info);
	struct natgw_snat_cfg cfg = { .affinity = -1 };
	__be32 addrs[NATGW_MAX_LIST];
	struct natgw_rule *r = NULL;
	struct nlattr *bad;
	struct natgw_gw *gw;
	int ret = 0;

	/* what identifies the entry cannot change: refuse, never ignore */
	bad = info->attrs[NATGW_A_SNAT_SRC_ADDR] ?:
	      info->attrs[NATGW_A_SNAT_SRC_PLEN] ?:
	      info->attrs[NATGW_A_SNAT_SRC_VPC];
	if (bad) {
		NL_SET_ERR_MSG_ATTR(info->extack, bad, "the source of an SNAT entry cannot be changed; delete the entry and add it anew");
		return -EOPNOTSUPP;
	}
	if (info->attrs[NATGW_A_SNAT_AFFINITY])
		cfg.affinity = nla_get_u8(info->attrs[NATGW_A_SNAT_AFFINITY]);
	if (info->attrs[NATGW_A_EIP_LIST])
		ret = natgw_parse_eips(info, &cfg, addrs);
	if (ret)
		return ret;

	mutex_lock(&nn->lock);
	gw = natgw_get_gw(nn, info);
	if (gw)
		r = natgw_get_rule(gw, false, info);
	ret = r ? natgw_snat_set(nn, r, &cfg, info->extack) : -ENOENT;
	if (!ret)
		natgw_config_event(info, NATGW_CMD_SNAT_SET, natgw_fill_rule_obj, r);
	mutex_unlock(&nn->lock);
	return ret;
}

static int natgw_nl_rule_del(struct genl_info *info, bool dnat)
{
	struct natgw_net *nn = natgw_info_net(info);
	struct natgw_rule *r = NULL;
	struct natgw_gw *gw;

	mutex_lock(&nn->lock);
	gw = natgw_get_gw(nn, info);
	if (gw)
		r = natgw_get_rule(gw, dnat, info);
	if (r) {
		natgw_rule_del(nn, r);
		natgw_config_event(info, dnat ? NATGW_CMD_DNAT_DEL :
					      NATGW_CMD_SNAT_DEL, NULL, NULL);
	}
	mutex_unlock(&nn->lock);
	return r ? 0 : -ENOENT;
}

static int natgw_nl_snat_del(struct sk_buff *skb, struct genl_info *info)
{
	return natgw_nl_rule_del(info, false);
}

static int natgw_nl_snat_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return natgw_dump_cfg(skb, cb, NATGW_CMD_SNAT_GET, NATGW_OBJ_SNAT);
}

/* Ports of a DNAT request; both sides single or ranges of one size. */
static int natgw_parse_dnat_ports(struct genl_info *info,
				  struct natgw_dnat_cfg *cfg)
{
	struct nlattr **a = info->attrs;

	if (a[NATGW_A_DNAT_PUB_PORT_MIN]) {
		cfg->pub_min = nla_get_u16(a[NATGW_A_DNAT_PUB_PORT_MIN]);
		cfg->pub_max = a[NATGW_A_DNAT_PUB_PORT_MAX] ?
			nla_get_u16(a[NATGW_A_DNAT_PUB_PORT_MAX]) : cfg->pub_min;
	}
	if (a[NATGW_A_DNAT_PRIV_PORT_MIN]) {
		cfg->priv_min = nla_get_u16(a[NATGW_A_DNAT_PRIV_PORT_MIN]);
		cfg->priv_max = a[NATGW_A_DNAT_PRIV_PORT_MAX] ?
			nla_get_u16(a[NATGW_A_DNAT_PRIV_PORT_MAX]) : cfg->priv_min;
	}
	if (cfg->pub_max < cfg->pub_min) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[NATGW_A_DNAT_PUB_PORT_MAX],
				    "public port range is reversed");
		return -EINVAL;
	}
	if (cfg->priv_max < cfg->priv_min) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[NATGW_A_DNAT_PRIV_PORT_MAX],
				    "private port range is reversed");
		return -EINVAL;
	}
	cfg->override = !!a[NATGW_A_DNAT_PORT_OVERRIDE];
	return 0;
}

static int natgw_nl_dnat_new(struct sk_buff *skb, struct genl_info *info)
{
	struct natgw_net *nn = natgw_info_net(info);
	struct nlattr **a = info->attrs;
	struct natgw_dnat_cfg cfg = {};
	struct natgw_rule *r;
	struct natgw_gw *gw;
	u32 id;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, NATGW_A_EIP_ADDR) ||
	    GENL_REQ_ATTR_CHECK(info, NATGW_A_DNAT_PRIV_ADDR))
		return -EINVAL;
	cfg.eip = nla_get_in_addr(a[NATGW_A_EIP_ADDR]);
	cfg.priv_addr = nla_get_in_addr(a[NATGW_A_DNAT_PRIV_ADDR]);
	if (a[NATGW_A_DNAT_PROTO]) {
		cfg.proto = nla_get_u8(a[NATGW_A_DNAT_PROTO]);
		if (cfg.proto != IPPROTO_TCP && cfg.proto != IPPROTO_UDP) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[NATGW_A_DNAT_PROTO],
					    "a port mapping is for tcp or udp");
			return -EINVAL;
		}
		if (GENL_REQ_ATTR_CHECK(info, NATGW_A_DNAT_PUB_PORT_MIN) ||
		    GENL_REQ_ATTR_CHECK(info, NATGW_A_DNAT_PRIV_PORT_MIN))
			return -EINVAL;
	} else if (a[NATGW_A_DNAT_PUB_PORT_MIN] || a[NATGW_A_DNAT_PRIV_PORT_MIN]) {
		NL_SET_ERR_MSG_MOD(info->extack, "a port mapping needs a protocol");
		return -EINVAL;
	}
	ret = natgw_parse_dnat_ports(info, &cfg);
	if (ret)
		return ret;

	id = a[NATGW_A_ENTRY_ID] ? nla_get_u32(a[NATGW_A_ENTRY_ID]) : 0;
	mutex_lock(&nn->lock);
	gw = natgw_get_gw(nn, info);
	ret = gw ? natgw_dnat_add(nn, gw, &cfg, info->extack, &id) : -ENOENT;
	if (!ret) {
		r = natgw_rule_find(gw, true, id);
		natgw_config_event(info, NATGW_CMD_DNAT_NEW, natgw_fill_rule_obj, r);
		ret = natgw_reply(info, NATGW_CMD_DNAT_NEW, natgw_fill_id, r);
	}
	mutex_unlock(&nn->lock);
	return ret;
}

static int natgw_nl_dnat_set(struct sk_buff *skb, struct genl_info *info)
{
	struct natgw_net *nn = natgw_info_net(info);
	struct natgw_dnat_cfg cfg = {};
	struct natgw_rule *r = NULL;
	struct natgw_gw *gw;
	u32 id;
	int ret;

	/* what identifies the entry cannot change: refuse, never ignore */
	if (info->attrs[NATGW_A_EIP_ADDR]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NATGW_A_EIP_ADDR],
				    "the EIP of a DNAT entry cannot be changed; delete the entry and add it anew");
		return -EOPNOTSUPP;
	}
	if (info->attrs[NATGW_A_DNAT_PROTO]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NATGW_A_DNAT_PROTO],
				    "the protocol of a DNAT entry cannot be changed; delete the entry and add it anew");
		return -EOPNOTSUPP;
	}
	if (info->attrs[NATGW_A_DNAT_PRIV_ADDR])
		cfg.priv_addr = nla_get_in_addr(info->attrs[NATGW_A_DNAT_PRIV_ADDR]);
	ret = natgw_parse_dnat_ports(info, &cfg);
	if (ret)
		return ret;

	mutex_lock(&nn->lock);
	gw = natgw_get_gw(nn, info);
	if (gw)
		r = natgw_get_rule(gw, true, info);
	id = r ? r->id : 0;
	ret = r ? natgw_dnat_set(nn, r, &cfg, info->extack) : -ENOENT;
	if (!ret)	/* the entry was replaced: show the new one */
		natgw_config_event(info, NATGW_CMD_DNAT_SET, natgw_fill_rule_obj,
				   natgw_rule_find(gw, true, id));
	mutex_unlock(&nn->lock);
	return ret;
}

static int natgw_nl_dnat_del(struct sk_buff *skb, struct genl_info *info)
{
	return natgw_nl_rule_del(info, true);
}

static int natgw_nl_dnat_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return natgw_dump_cfg(skb, cb, NATGW_CMD_DNAT_GET, NATGW_OBJ_DNAT);
}

/* ---- sessions ---------------------------------------------------------- */

struct natgw_sess_filter {
	const struct natgw_gw *gw;	/* compared, never dereferenced */
	u8 proto;
	__be32 in_addr, rem_addr, eip_addr;
	u16 eip_port;
};

/* The private, public and remote ends of a session. */
struct natgw_sess_ends {
	__be32 in_addr, eip_addr, rem_addr;
	__be16 in_port, eip_port, rem_port;
};

static void natgw_sess_ends(const struct natgw_session *s,
			    struct natgw_sess_ends *e)
{
	const struct natgw_tuple *o = &s->th[NATGW_DIR_ORIG].t;
	const struct natgw_tuple *r = &s->th[NATGW_DIR_REPLY].t;

	switch (s->kind) {
	case NATGW_SESS_SNAT:
	case NATGW_SESS_IPMAP_OUT:
		e->in_addr = o->src;
		e->in_port = o->sport;
		e->rem_addr = o->dst;
		e->rem_port = o->dport;
		e->eip_addr = r->dst;
		e->eip_port = r->dport;
		break;
	default:	/* started from outside, or hairpinned */
		e->in_addr = r->src;
		e->in_port = r->sport;
		e->rem_addr = o->src;
		e->rem_port = o->sport;
		e->eip_addr = o->dst;
		e->eip_port = o->dport;
		/* a hairpin's ORIG is after DNAT (session.h) */
		if (s->kind == NATGW_SESS_HAIRPIN) {
			e->eip_addr = s->eip->addr;
			e->eip_port = natgw_dnat_pub_port(s->rule, o->dport);
		}
		break;
	}
	/* ICMP: the identifier is the only port that means anything */
	if (o->proto == IPPROTO_ICMP) {
		e->in_port = e->in_port ?: o->sport;
		e->eip_port = e->eip_port ?: r->dport;
		e->rem_port = 0;
	}
}

static bool natgw_sess_match(const struct natgw_session *s, const void *arg)
{
	const struct natgw_sess_filter *f = arg;
	struct natgw_sess_ends e;

	if (f->gw && s->eip->gw != f->gw)
		return false;
	if (f->proto && s->th[0].t.proto != f->proto)
		return false;
	natgw_sess_ends(s, &e);
	return (!f->in_addr || e.in_addr == f->in_addr) &&
	       (!f->rem_addr || e.rem_addr == f->rem_addr) &&
	       (!f->eip_addr || e.eip_addr == f->eip_addr) &&
	       (!f->eip_port || ntohs(e.eip_port) == f->eip_port);
}

/*
 * Parse a session filter, without natgw_net.lock.  The gateway is looked up
 * under RCU and only its address is kept: sessions are matched by
 * comparing s->eip->gw with it, so a gateway deleted during the walk
 * matches nothing more (its sessions go with it).
 */
static int natgw_sess_filter(struct natgw_net *nn, struct nlattr **a,
			     struct netlink_ext_ack *extack,
			     struct natgw_sess_filter *f)
{
	const char *name;
	struct natgw_gw *gw;

	memset(f, 0, sizeof(*f));
	if (a[NATGW_A_GW_NAME]) {
		name = nla_data(a[NATGW_A_GW_NAME]);
		rcu_read_lock();
		list_for_each_entry_rcu(gw, &nn->gateways, list)
			if (!strcmp(gw->name, name)) {
				f->gw = gw;
				break;
			}
		rcu_read_unlock();
		if (!f->gw) {
			NL_SET_ERR_MSG_ATTR(extack, a[NATGW_A_GW_NAME], "no such gateway");
			return -ENOENT;
		}
	}
	if (a[NATGW_A_SESS_PROTO])
		f->proto = nla_get_u8(a[NATGW_A_SESS_PROTO]);
	if (a[NATGW_A_SESS_IN_ADDR])
		f->in_addr = nla_get_in_addr(a[NATGW_A_SESS_IN_ADDR]);
	if (a[NATGW_A_SESS_REM_ADDR])
		f->rem_addr = nla_get_in_addr(a[NATGW_A_SESS_REM_ADDR]);
	if (a[NATGW_A_SESS_EIP_ADDR])
		f->eip_addr = nla_get_in_addr(a[NATGW_A_SESS_EIP_ADDR]);
	if (a[NATGW_A_SESS_EIP_PORT])
		f->eip_port = nla_get_u16(a[NATGW_A_SESS_EIP_PORT]);
	return 0;
}

static int natgw_fill_session(struct sk_buff *skb,
			      const struct natgw_session *s)
{
	struct natgw_sess_ends e;
	s32 left = READ_ONCE(s->expires) - (u32)jiffies;
	u32 age = (u32)jiffies - s->start;

	natgw_sess_ends(s, &e);
	if (nla_put_string(skb, NATGW_A_GW_NAME, s->eip->gw->name) ||
	    nla_put_u8(skb, NATGW_A_SESS_PROTO, s->th[0].t.proto) ||
	    nla_put_u8(skb, NATGW_A_SESS_KIND, s->kind) ||
	    nla_put_in_addr(skb, NATGW_A_SESS_IN_ADDR, e.in_addr) ||
	    nla_put_u16(skb, NATGW_A_SESS_IN_PORT, ntohs(e.in_port)) ||
	    nla_put_in_addr(skb, NATGW_A_SESS_EIP_ADDR, e.eip_addr) ||
	    nla_put_u16(skb, NATGW_A_SESS_EIP_PORT, ntohs(e.eip_port)) ||
	    nla_put_in_addr(skb, NATGW_A_SESS_REM_ADDR, e.rem_addr) ||
	    nla_put_u16(skb, NATGW_A_SESS_REM_PORT, ntohs(e.rem_port)) ||
	    (s->rule && nla_put_u32(skb, NATGW_A_ENTRY_ID, s->rule->id)) ||
	    nla_put_u32(skb, NATGW_A_SESS_TIMEOUT,
			left > 0 ? DIV_ROUND_UP(left, HZ) : 0) ||
	    nla_put_u32(skb, NATGW_A_SESS_AGE, age / HZ) ||
	    nla_put_u64_64bit(skb, NATGW_A_SESS_BYTES_OUT,
			      READ_ONCE(s->bytes[NATGW_DIR_ORIG]), NATGW_A_PAD) ||
	    nla_put_u64_64bit(skb, NATGW_A_SESS_BYTES_IN,
			      READ_ONCE(s->bytes[NATGW_DIR_REPLY]), NATGW_A_PAD))
		return -EMSGSIZE;
	if (s->th[0].t.proto == IPPROTO_TCP &&
	    nla_put_u8(skb, NATGW_A_SESS_TCP_STATE, READ_ONCE(s->tcp_state)))
		return -EMSGSIZE;
	return 0;
}

/*
 * The session reads and the flush run without natgw_net.lock: a count of a
 * million sessions must not hold up configuration changes, nor the device
 * notifier that takes that lock under RTNL.  They visit one bucket per RCU
 * read-side section, taking the table anew each time (the namespace's last
 * gateway may take it away, see natgw_session_buckets()).
 */

/* The configuration generation, for cb->seq; never 0 ("not tracked"). */
static unsigned int natgw_dump_gen(struct natgw_net *nn)
{
	return READ_ONCE(nn->gen) + 1;
}

/*
 * Session dump: cb->args[0] is the next bucket, cb->args[1] how many
 * sessions of it were sent already.  Sessions come and go between two
 * calls (a dump is a walk, not a snapshot); a configuration change or a
 * flush changes the generation in cb->seq and flags the dump interrupted.
 */
static int natgw_nl_session_dump(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);
	struct natgw_net *nn = natgw_pernet(sock_net(skb->sk));
	struct natgw_session_table *tbl = &nn->sessions;
	unsigned long b = cb->args[0], skip = cb->args[1], n;
	struct natgw_sess_filter f;
	struct hlist_head *buckets;
	struct natgw_session *s;
	struct natgw_thash *th;
	void *hdr;
	int ret;

	ret = natgw_sess_filter(nn, di->attrs, cb->extack, &f);
	if (ret)
		return ret;
	cb->seq = natgw_dump_gen(nn);
	for (;; b++, skip = 0) {
		n = 0;
		rcu_read_lock();
		buckets = natgw_session_buckets(tbl);
		if (!buckets || b > tbl->mask) {
			rcu_read_unlock();
			break;
		}
		hlist_for_each_entry_rcu(th, &buckets[b], node) {
			if (th->t.dir != NATGW_DIR_ORIG)
				continue;
			s = container_of(th, struct natgw_session, th[0]);
			if (natgw_session_expired(s) || !natgw_sess_match(s, &f))
				continue;
			if (n++ < skip)
				continue;
			hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, &natgw_family,
					  NLM_F_MULTI, NATGW_CMD_SESSION_GET);
			if (!hdr)
				goto full;
			genl_dump_check_consistent(cb, hdr);
			if (natgw_fill_session(skb, s)) {
				genlmsg_cancel(skb, hdr);
				goto full;
			}
			genlmsg_end(skb, hdr);
		}
		rcu_read_unlock();
		if (!(b & 255))
			cond_resched();
	}
	cb->args[0] = b;
	cb->args[1] = 0;
	return skb->len;
full:
	rcu_read_unlock();
	cb->args[0] = b;
	cb->args[1] = n - 1;
	return skb->len;
}

static u64 natgw_session_count_matching(struct natgw_net *nn,
					const struct natgw_sess_filter *f)
{
	struct natgw_session_table *tbl = &nn->sessions;
	struct hlist_head *buckets;
	struct natgw_session *s;
	struct natgw_thash *th;
	unsigned int b;
	u64 n = 0;

	for (b = 0;; b++) {
		rcu_read_lock();
		buckets = natgw_session_buckets(tbl);
		if (!buckets || b > tbl->mask) {
			rcu_read_unlock();
			break;
		}
		hlist_for_each_entry_rcu(th, &buckets[b], node) {
			if (th->t.dir != NATGW_DIR_ORIG)
				continue;
			s = container_of(th, struct natgw_session, th[0]);
			if (!natgw_session_expired(s) && natgw_sess_match(s, f))
				n++;
		}
		rcu_read_unlock();
		if (!(b & 255))
			cond_resched();
	}
	return n;
}

static int natgw_fill_count(struct sk_buff *skb, void *obj)
{
	return nla_put_u64_64bit(skb, NATGW_A_SESS_COUNT, *(u64 *)obj,
				 NATGW_A_PAD);
}

static int natgw_nl_session_count(struct sk_buff *skb, struct genl_info *info)
{
	struct natgw_net *nn = natgw_info_net(info);
	struct natgw_sess_filter f;
	u64 n;
	int ret;

	ret = natgw_sess_filter(nn, info->attrs, info->extack, &f);
	if (ret)
		return ret;
	n = natgw_session_count_matching(nn, &f);
	return natgw_reply(info, NATGW_CMD_SESSION_COUNT, natgw_fill_count, &n);
}

struct natgw_flushed {
	const char *gw_name;
	u64 n;
};

static int natgw_fill_flushed(struct sk_buff *skb, void *obj)
{
	const struct natgw_flushed *f = obj;

	if (f->gw_name && nla_put_string(skb, NATGW_A_GW_NAME, f->gw_name))
		return -EMSGSIZE;
	return natgw_fill_count(skb, (void *)&f->n);
}

/* A flush is a change a dump reader should know of; under natgw_net.lock. */
static void natgw_flush_bump(struct natgw_net *nn)
{
	WRITE_ONCE(nn->gen, nn->gen + 1);
}

/*
 * The walk runs without natgw_net.lock (natgw_session_kill() is safe
 * against every other killer); the generation changes before and after it,
 * so that any dump call that overlaps it is flagged.
 */
static int natgw_nl_session_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct natgw_net *nn = natgw_info_net(info);
	struct nlattr *name = info->attrs[NATGW_A_GW_NAME];
	struct natgw_sess_filter f;
	struct natgw_flushed done;
	int ret;

	ret = natgw_sess_filter(nn, info->attrs, info->extack, &f);
	if (ret)
		return ret;
	mutex_lock(&nn->lock);
	natgw_flush_bump(nn);
	mutex_unlock(&nn->lock);
	done.gw_name = name ? nla_data(name) : NULL;
	done.n = natgw_session_kill_matching(nn, natgw_sess_match, &f);
	mutex_lock(&nn->lock);
	natgw_flush_bump(nn);
	natgw_config_event(info, NATGW_CMD_SESSION_FLUSH, natgw_fill_flushed,
			   &done);
	mutex_unlock(&nn->lock);
	return natgw_reply(info, NATGW_CMD_SESSION_FLUSH, natgw_fill_count,
			   &done.n);
}

/* ---- timeouts, quotas -------------------------------------------------- */

static const struct {
	int attr;
	size_t off;
} natgw_timeout_attrs[] = {
	{ NATGW_A_TIMEOUT_UDP, offsetof(struct natgw_timeouts, udp) },
	{ NATGW_A_TIMEOUT_ICMP, offsetof(struct natgw_timeouts, icmp) },
	{ NATGW_A_TIMEOUT_TCP_SYN, offsetof(struct natgw_timeouts, tcp_syn) },
	{ NATGW_A_TIMEOUT_TCP_EST, offsetof(struct natgw_timeouts, tcp_est) },
	{ NATGW_A_TIMEOUT_TCP_TRANS, offsetof(struct natgw_timeouts, tcp_trans) },
	{ NATGW_A_TIMEOUT_TCP_CLOSE, offsetof(struct natgw_timeouts, tcp_close) },
	{ NATGW_A_TIMEOUT_IN_UNREPLIED,
	  offsetof(struct natgw_timeouts, in_unreplied) },
};

static u32 *natgw_timeout_field(struct natgw_timeouts *to, unsigned int i)
{
	return (u32 *)((char *)to + natgw_timeout_attrs[i].off);
}

static int natgw_fill_timeouts(struct sk_buff *skb, void *obj)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(natgw_timeout_attrs); i++)
		if (nla_put_u32(skb, natgw_timeout_attrs[i].attr,
				READ_ONCE(*natgw_timeout_field(obj, i))))
			return -EMSGSIZE;
	return 0;
}

static int natgw_nl_timeout_get(struct sk_buff *skb, struct genl_info *info)
{
	struct natgw_net *nn = natgw_info_net(info);

	return natgw_reply(info, NATGW_CMD_TIMEOUT_GET, natgw_fill_timeouts,
			   &nn->timeouts);
}

static int natgw_nl_timeout_set(struct sk_buff *skb, struct genl_info *info)
{
	struct natgw_net *nn = natgw_info_net(info);
	unsigned int i, n = 0;

	mutex_lock(&nn->lock);
	for (i = 0; i < ARRAY_SIZE(natgw_timeout_attrs); i++) {
		struct nlattr *a = info->attrs[natgw_timeout_attrs[i].attr];

		if (!a)
			continue;
		WRITE_ONCE(*natgw_timeout_field(&nn->timeouts, i),
			   nla_get_u32(a));
		n++;
	}
	if (n)
		natgw_config_event(info, NATGW_CMD_TIMEOUT_SET,
				   natgw_fill_timeouts, &nn->timeouts);
	mutex_unlock(&nn->lock);
	if (!n) {
		NL_SET_ERR_MSG_MOD(info->extack, "no timeout given");
		return -EINVAL;
	}
	return 0;
}

static int natgw_fill_quotas(struct sk_buff *skb, void *obj)
{
	if (nla_put_u32(skb, NATGW_A_QUOTA_GATEWAYS, natgw_max_gateways) ||
	    nla_put_u32(skb, NATGW_A_QUOTA_EIPS, natgw_max_eips) ||
	    nla_put_u32(skb, NATGW_A_QUOTA_SNAT_ENTRIES, natgw_max_snat) ||
	    nla_put_u32(skb, NATGW_A_QUOTA_DNAT_ENTRIES, natgw_max_dnat) ||
	    nla_put_u32(skb, NATGW_A_QUOTA_SESSIONS, natgw_max_sessions))
		return -EMSGSIZE;
	return 0;
}

static int natgw_nl_quota_get(struct sk_buff *skb, struct genl_info *info)
{
	return natgw_reply(info, NATGW_CMD_QUOTA_GET, natgw_fill_quotas, NULL);
}

/* ---- statistics -------------------------------------------------------- */

/* The attribute of each enum natgw_drop reason. */
static const u16 natgw_drop_attr[NATGW_NDROP] = {
	[NATGW_DROP_NO_SESSION] = NATGW_STATS_A_DROP_NO_SESSION,
	[NATGW_DROP_UNSOLICITED] = NATGW_STATS_A_DROP_UNSOLICITED,
	[NATGW_DROP_PORT_ALLOC] = NATGW_STATS_A_DROP_PORT_ALLOC,
	[NATGW_DROP_SESSION_LIMIT] = NATGW_STATS_A_DROP_SESSION_LIMIT,
	[NATGW_DROP_MALFORMED] = NATGW_STATS_A_DROP_MALFORMED,
	[NATGW_DROP_ICMP_NO_SESSION] = NATGW_STATS_A_DROP_ICMP_NO_SESSION,
	[NATGW_DROP_NO_SNAT] = NATGW_STATS_A_DROP_NO_SNAT,
	[NATGW_DROP_UNSUPPORTED] = NATGW_STATS_A_DROP_UNSUPPORTED,
	[NATGW_DROP_GW_SESSION_LIMIT] = NATGW_STATS_A_DROP_GW_SESSION_LIMIT,
};

static int natgw_put_stats(struct sk_buff *skb,
			   struct natgw_pcpu_stats __percpu *st)
{
	struct natgw_stats_sum sum;
	struct nlattr *nest;
	unsigned int i;

	natgw_stats_sum(st, &sum);
	nest = nla_nest_start(skb, NATGW_A_STATS);
	if (!nest)
		return -EMSGSIZE;
#define PUT(a, v) \
	nla_put_u64_64bit(skb, NATGW_STATS_A_##a, (v), NATGW_STATS_A_PAD)
	if (PUT(ACTIVE_TCP, max_t(s64, sum.active[NATGW_PROTO_TCP], 0)) ||
	    PUT(ACTIVE_UDP, max_t(s64, sum.active[NATGW_PROTO_UDP], 0)) ||
	    PUT(ACTIVE_ICMP, max_t(s64, sum.active[NATGW_PROTO_ICMP], 0)) ||
	    PUT(CREATED, sum.created) ||
	    PUT(PKTS_OUT, sum.pkts[0]) || PUT(BYTES_OUT, sum.bytes[0]) ||
	    PUT(PKTS_IN, sum.pkts[1]) || PUT(BYTES_IN, sum.bytes[1]) ||
	    PUT(ICMP_REPLIES, sum.icmp_replies) || PUT(EVICTED, sum.evicted))
		return -EMSGSIZE;
#undef PUT
	for (i = 0; i < NATGW_NDROP; i++)
		if (nla_put_u64_64bit(skb, natgw_drop_attr[i], sum.drops[i],
				      NATGW_STATS_A_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int natgw_fill_stats(struct sk_buff *skb, struct natgw_gw *gw)
{
	struct nlattr *list, *item;
	struct natgw_eip *eip;
	struct natgw_rule *r;
	int i;

	if (nla_put_string(skb, NATGW_A_GW_NAME, gw->name) ||
	    natgw_put_stats(skb, gw->stats))
		return -EMSGSIZE;
	list = nla_nest_start(skb, NATGW_A_EIP_STATS_LIST);
	if (!list)
		return -EMSGSIZE;
	list_for_each_entry(eip, &gw->eips, list) {
		item = nla_nest_start(skb, NATGW_A_STATS_ITEM);
		if (!item || nla_put_in_addr(skb, NATGW_A_EIP_ADDR, eip->addr) ||
		    natgw_put_stats(skb, eip->stats))
			return -EMSGSIZE;
		nla_nest_end(skb, item);
	}
	nla_nest_end(skb, list);
	for (i = 0; i < 2; i++) {
		list = nla_nest_start(skb, i ? NATGW_A_DNAT_STATS_LIST :
					       NATGW_A_SNAT_STATS_LIST);
		if (!list)
			return -EMSGSIZE;
		list_for_each_entry(r, i ? &gw->dnat : &gw->snat, list) {
			item = nla_nest_start(skb, NATGW_A_STATS_ITEM);
			if (!item || nla_put_u32(skb, NATGW_A_ENTRY_ID, r->id) ||
			    natgw_put_stats(skb, r->stats))
				return -EMSGSIZE;
			nla_nest_end(skb, item);
		}
		nla_nest_end(skb, list);
	}
	return 0;
}

/* One gateway's statistics can outgrow a page: ask for room up front. */
static int natgw_nl_stats_start(struct netlink_callback *cb)
{
	cb->min_dump_alloc = 65536;
	return 0;
}

static int natgw_nl_stats_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);
	struct natgw_net *nn = natgw_pernet(sock_net(skb->sk));
	struct nlattr *name = di->attrs[NATGW_A_GW_NAME];
	long idx = 0, skip = cb->args[0];
	struct natgw_gw *gw;
	int ret = 0;
	void *hdr;

	mutex_lock(&nn->lock);
	cb->seq = nn->gen + 1;
	if (name && !natgw_gw_find(nn, nla_data(name))) {
		NL_SET_ERR_MSG_ATTR(cb->extack, name, "no such gateway");
		ret = -ENOENT;
		goto out;
	}
	list_for_each_entry(gw, &nn->gateways, list) {
		if ((name && strcmp(gw->name, nla_data(name))) || idx++ < skip)
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &natgw_family,
				  NLM_F_MULTI, NATGW_CMD_STATS_GET);
		if (!hdr) {
			idx--;
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		if (natgw_fill_stats(skb, gw)) {
			genlmsg_cancel(skb, hdr);
			idx--;
			/* a lone gateway that cannot fit is an error, not a loop */
			if (!skb->len)
				ret = -EMSGSIZE;
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = idx;
out:
	mutex_unlock(&nn->lock);
	return ret ?: skb->len;
}

/* ---- events ------------------------------------------------------------ */

/*
 * Events are never waited for: one that cannot be allocated or that a
 * listener's full socket refuses is counted.  The count reaches listeners
 * as an EVENTS_LOST event ahead of the next event that gets through.
 */
static void natgw_events_lost_report(struct natgw_net *nn)
{
	s64 lost = atomic64_read(&nn->events_lost);
	struct sk_buff *msg;
	void *hdr;

	if (lost == atomic64_read(&nn->events_reported))
		return;
	msg = genlmsg_new(nla_total_size_64bit(sizeof(u64)), GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &natgw_family, 0,
			  NATGW_CMD_EVENTS_LOST_NTF);
	if (!hdr || nla_put_u64_64bit(msg, NATGW_A_NTF_LOST, lost,
				      NATGW_A_PAD)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	if (!genlmsg_multicast_netns(&natgw_family, nn->net, msg, 0,
				     NATGW_GRP_NATLOG, GFP_ATOMIC))
		atomic64_set(&nn->events_reported, lost);
}

void natgw_nl_event_send(struct natgw_net *nn, struct sk_buff *msg)
{
	natgw_events_lost_report(nn);
	if (genlmsg_multicast_netns(&natgw_family, nn->net, msg, 0,
				    NATGW_GRP_NATLOG, GFP_ATOMIC) == -ENOBUFS)
		atomic64_inc(&nn->events_lost);
}

/*
 * Events are allocated at the size they need (under 200 bytes), not a
 * page: there may be tens of thousands a second, all GFP_ATOMIC.
 */
static size_t natgw_session_msg_size(void)
{
	return nla_total_size(NATGW_NAME_MAX) +		/* GW_NAME */
	       2 * nla_total_size(sizeof(u8)) +		/* PROTO, KIND */
	       3 * nla_total_size(sizeof(__be32)) +	/* IN, EIP, REM_ADDR */
	       3 * nla_total_size(sizeof(u16)) +	/* IN, EIP, REM_PORT */
	       3 * nla_total_size(sizeof(u32)) +	/* ENTRY_ID, TIMEOUT, AGE */
	       2 * nla_total_size_64bit(sizeof(u64)) +	/* BYTES_OUT, _IN */
	       nla_total_size(sizeof(u8)) +		/* TCP_STATE */
	       nla_total_size_64bit(sizeof(u64));	/* START */
}

static size_t natgw_portalloc_msg_size(void)
{
	return nla_total_size(NATGW_NAME_MAX) +		/* GW_NAME */
	       nla_total_size(sizeof(u8)) +		/* PROTO */
	       3 * nla_total_size(sizeof(__be32)) +	/* IN, EIP, REM_ADDR */
	       2 * nla_total_size(sizeof(u16));		/* IN, REM_PORT */
}

struct sk_buff *natgw_nl_session_event_build(struct natgw_net *nn,
					     const struct natgw_session *s,
					     u8 cmd)
{
	struct sk_buff *msg;
	void *hdr;

	if (!READ_ONCE(natgw_genl_live) ||
	    !genl_has_listeners(&natgw_family, nn->net, NATGW_GRP_NATLOG))
		return NULL;
	msg = genlmsg_new(natgw_session_msg_size(), GFP_ATOMIC);
	if (!msg)
		goto lost;
	hdr = genlmsg_put(msg, 0, 0, &natgw_family, 0, cmd);
	if (!hdr || natgw_fill_session(msg, s) ||
	    nla_put_u64_64bit(msg, NATGW_A_SESS_START,
			      (u64)s->start_wall * NSEC_PER_SEC, NATGW_A_PAD)) {
		nlmsg_free(msg);
		goto lost;
	}
	genlmsg_end(msg, hdr);
	return msg;
lost:
	atomic64_inc(&nn->events_lost);
	return NULL;
}

void natgw_nl_session_event(struct natgw_net *nn,
			    const struct natgw_session *s, u8 cmd)
{
	struct sk_buff *msg = natgw_nl_session_event_build(nn, s, cmd);

	if (msg)
		natgw_nl_event_send(nn, msg);
}

void natgw_nl_portalloc_event(struct natgw_net *nn, const struct natgw_gw *gw,
			      const struct natgw_eip *eip,
			      const struct natgw_tuple *t)
{
	struct sk_buff *msg;
	void *hdr;

	if (!READ_ONCE(natgw_genl_live) ||
	    !genl_has_listeners(&natgw_family, nn->net, NATGW_GRP_NATLOG))
		return;
	msg = genlmsg_new(natgw_portalloc_msg_size(), GFP_ATOMIC);
	if (!msg)
		goto lost;
	hdr = genlmsg_put(msg, 0, 0, &natgw_family, 0,
			  NATGW_CMD_PORTALLOC_FAIL_NTF);
	if (!hdr || nla_put_string(msg, NATGW_A_GW_NAME, gw->name) ||
	    nla_put_u8(msg, NATGW_A_SESS_PROTO, t->proto) ||
	    nla_put_in_addr(msg, NATGW_A_SESS_IN_ADDR, t->src) ||
	    nla_put_u16(msg, NATGW_A_SESS_IN_PORT, ntohs(t->sport)) ||
	    nla_put_in_addr(msg, NATGW_A_SESS_EIP_ADDR, eip->addr) ||
	    nla_put_in_addr(msg, NATGW_A_SESS_REM_ADDR, t->dst) ||
	    nla_put_u16(msg, NATGW_A_SESS_REM_PORT, ntohs(t->dport))) {
		nlmsg_free(msg);
		goto lost;
	}
	genlmsg_end(msg, hdr);
	natgw_nl_event_send(nn, msg);
	return;
lost:
	atomic64_inc(&nn->events_lost);
}

/* ---- family ------------------------------------------------------------ */

#define NATGW_DOIT(c, fn, pol, fl) {				\
	.cmd = NATGW_CMD_##c, .doit = fn, .policy = pol,	\
	.maxattr = NATGW_A_MAX, .flags = fl,			\
}
#define NATGW_DUMPIT(c, fn, pol, fl) {				\
	.cmd = NATGW_CMD_##c, .dumpit = fn, .policy = pol,	\
	.maxattr = NATGW_A_MAX, .flags = fl,			\
}

static const struct genl_ops natgw_ops[] = {
	NATGW_DOIT(GW_NEW, natgw_nl_gw_new, natgw_gw_new_policy, GENL_UNS_ADMIN_PERM),
	NATGW_DOIT(GW_DEL, natgw_nl_gw_del, natgw_gw_del_policy, GENL_UNS_ADMIN_PERM),
	{
		.cmd = NATGW_CMD_GW_GET,
		.doit = natgw_nl_gw_get,
		.dumpit = natgw_nl_gw_dump,
		.policy = natgw_name_policy,
		.maxattr = NATGW_A_MAX,
	},
	NATGW_DOIT(GW_SET, natgw_nl_gw_set, natgw_gw_set_policy, GENL_UNS_ADMIN_PERM),
	NATGW_DOIT(EIP_NEW, natgw_nl_eip_new, natgw_eip_policy, GENL_UNS_ADMIN_PERM),
	NATGW_DOIT(EIP_DEL, natgw_nl_eip_del, natgw_eip_policy, GENL_UNS_ADMIN_PERM),
	NATGW_DUMPIT(EIP_GET, natgw_nl_eip_dump, natgw_name_policy, 0),
	NATGW_DOIT(SNAT_NEW, natgw_nl_snat_new, natgw_snat_policy, GENL_UNS_ADMIN_PERM),
	NATGW_DOIT(SNAT_SET, natgw_nl_snat_set, natgw_snat_policy, GENL_UNS_ADMIN_PERM),
	NATGW_DOIT(SNAT_DEL, natgw_nl_snat_del, natgw_snat_policy, GENL_UNS_ADMIN_PERM),
	NATGW_DUMPIT(SNAT_GET, natgw_nl_snat_dump, natgw_name_policy, 0),
	NATGW_DOIT(DNAT_NEW, natgw_nl_dnat_new, natgw_dnat_policy, GENL_UNS_ADMIN_PERM),
	NATGW_DOIT(DNAT_SET, natgw_nl_dnat_set, natgw_dnat_policy, GENL_UNS_ADMIN_PERM),
	NATGW_DOIT(DNAT_DEL, natgw_nl_dnat_del, natgw_dnat_policy, GENL_UNS_ADMIN_PERM),
	NATGW_DUMPIT(DNAT_GET, natgw_nl_dnat_dump, natgw_name_policy, 0),
	NATGW_DUMPIT(SESSION_GET, natgw_nl_session_dump, natgw_session_policy,
		     GENL_UNS_ADMIN_PERM),
	NATGW_DOIT(SESSION_FLUSH, natgw_nl_session_flush, natgw_session_policy,
		   GENL_UNS_ADMIN_PERM),
	NATGW_DOIT(SESSION_COUNT, natgw_nl_session_count, natgw_session_policy,
		   GENL_UNS_ADMIN_PERM),
	NATGW_DOIT(TIMEOUT_GET, natgw_nl_timeout_get, natgw_empty_policy, 0),
	NATGW_DOIT(TIMEOUT_SET, natgw_nl_timeout_set, natgw_timeout_policy,
		   GENL_UNS_ADMIN_PERM),
	{
		.cmd = NATGW_CMD_STATS_GET,
		.start = natgw_nl_stats_start,
		.dumpit = natgw_nl_stats_dump,
		.policy = natgw_name_policy,
		.maxattr = NATGW_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	NATGW_DOIT(QUOTA_GET, natgw_nl_quota_get, natgw_empty_policy, 0),
};

static struct genl_family natgw_family __ro_after_init = {
	.name		= NATGW_GENL_NAME,
	.version	= NATGW_GENL_VERSION,
	.maxattr	= NATGW_A_MAX,
	.netnsok	= true,
	.parallel_ops	= true,	/* every command does its own locking */
	.module		= THIS_MODULE,
	.ops		= natgw_ops,
	.n_ops		= ARRAY_SIZE(natgw_ops),
	.resv_start_op	= NATGW_CMD_UNSPEC + 1,
	.mcgrps		= natgw_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(natgw_mcgrps),
};

int __init natgw_genl_init(void)
{
	int ret = genl_register_family(&natgw_family);

	if (!ret)
		WRITE_ONCE(natgw_genl_live, true);
	return ret;
}

void natgw_genl_uninit(void)
{
	WRITE_ONCE(natgw_genl_live, false);
	genl_unregister_family(&natgw_family);
	/* events already under way finish before the namespaces go */
	synchronize_rcu();
}
