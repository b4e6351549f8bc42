/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The natgw generic netlink family: configuration, dumps and events.
 */
#ifndef _NATGW_NETLINK_H
#define _NATGW_NETLINK_H

#include <linux/types.h>

struct natgw_net;
struct natgw_gw;
struct natgw_eip;
struct natgw_session;
struct natgw_tuple;
struct sk_buff;

int natgw_genl_init(void);
void natgw_genl_uninit(void);

/* natlog events; cheap when nobody listens.  Any context. */
void natgw_nl_session_event(struct natgw_net *nn,
			    const struct natgw_session *s, u8 cmd);
/*
 * The same in two steps, for a caller that must send under a lock what it
 * cannot allocate there: build (NULL when nobody listens or the event is
 * lost, which is counted), then send, or drop with consume_skb().
 */
struct sk_buff *natgw_nl_session_event_build(struct natgw_net *nn,
					     const struct natgw_session *s,
					     u8 cmd);
void natgw_nl_event_send(struct natgw_net *nn, struct sk_buff *msg);
void natgw_nl_portalloc_event(struct natgw_net *nn, const struct natgw_gw *gw,
			      const struct natgw_eip *eip,
			      const struct natgw_tuple *t);

#endif /* _NATGW_NETLINK_H */
