/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Gateways, EIPs, SNAT and DNAT entries: the configuration objects.
 * Every function here runs in process context under natgw_net.lock, except
 * the lookups marked RCU, which the packet path uses.
 */
#ifndef _NATGW_GATEWAY_H
#define _NATGW_GATEWAY_H

#include "natgw.h"

struct netlink_ext_ack;
struct nlattr;

/* A gateway as asked for; also the changes of a GW_SET (has_* flags). */
struct natgw_gw_cfg {
	const char *name;
	const struct nlattr *name_attr;
	int ifindex;
	__be32 vpc_addr;
	u8 vpc_plen;
	u16 port_min, port_max;
	int icmp_reply, eip_arp, protect;	/* -1: unchanged / default */
	s64 max_sessions;			/* -1: unchanged / none */
	const char *descr;			/* NULL: unchanged / none */
};

struct natgw_snat_cfg {
	__be32 src_addr;
	u8 src_plen;
	bool src_vpc;
	int affinity;				/* -1: unchanged / off */
	const __be32 *eips;			/* NULL: unchanged */
	unsigned int neips;
	const struct nlattr *eips_attr;
};

struct natgw_dnat_cfg {
	__be32 eip;
	__be32 priv_addr;			/* 0: unchanged (SET) */
	u8 proto;				/* 0: IP mapping */
	u16 pub_min, pub_max;			/* 0: unchanged (SET) */
	u16 priv_min, priv_max;
	bool override;
};

struct natgw_gw *natgw_gw_find(struct natgw_net *nn, const char *name);
int natgw_gw_add(struct natgw_net *nn, const struct natgw_gw_cfg *cfg,
		 struct netlink_ext_ack *extack, struct natgw_gw **out);
int natgw_gw_set(struct natgw_net *nn, struct natgw_gw *gw,
		 const struct natgw_gw_cfg *cfg, struct netlink_ext_ack *extack);
int natgw_gw_del(struct natgw_net *nn, struct natgw_gw *gw, bool force,
		 struct netlink_ext_ack *extack);
void natgw_gw_dev_gone(struct natgw_net *nn, int ifindex);
void natgw_net_flush(struct natgw_net *nn);

struct natgw_eip *natgw_eip_find(struct natgw_net *nn, __be32 addr); /* RCU or lock */
int natgw_eip_add(struct natgw_net *nn, struct natgw_gw *gw, __be32 addr,
		  struct netlink_ext_ack *extack);
int natgw_eip_del(struct natgw_net *nn, struct natgw_eip *eip, bool force,
		  struct netlink_ext_ack *extack);

struct natgw_rule *natgw_rule_find(struct natgw_gw *gw, bool dnat, u32 id);
/* *id: the id asked for, or 0 for the next free one; then the entry's id */
int natgw_snat_add(struct natgw_net *nn, struct natgw_gw *gw,
		   const struct natgw_snat_cfg *cfg,
		   struct netlink_ext_ack *extack, u32 *id);
int natgw_snat_set(struct natgw_net *nn, struct natgw_rule *r,
		   const struct natgw_snat_cfg *cfg,
		   struct netlink_ext_ack *extack);
int natgw_dnat_add(struct natgw_net *nn, struct natgw_gw *gw,
		   const struct natgw_dnat_cfg *cfg,
		   struct netlink_ext_ack *extack, u32 *id);
int natgw_dnat_set(struct natgw_net *nn, struct natgw_rule *r,
		   const struct natgw_dnat_cfg *cfg,
		   struct netlink_ext_ack *extack);
void natgw_rule_del(struct natgw_net *nn, struct natgw_rule *r);

/* Packet path (RCU) */
struct natgw_gw *natgw_gw_lookup(struct natgw_net *nn, int ifindex,
				 __be32 addr);
struct natgw_gw *natgw_gw_on_dev(struct natgw_net *nn, int ifindex);
struct natgw_rule *natgw_egress_rule(struct natgw_gw *gw, __be32 src);
struct natgw_rule *natgw_dnat_rule(struct natgw_eip *eip, u8 proto, u16 port);

#endif /* _NATGW_GATEWAY_H */
