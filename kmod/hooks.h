/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netfilter hooks: where packets meet the gateways.
 */
#ifndef _NATGW_HOOKS_H
#define _NATGW_HOOKS_H

struct natgw_net;

int natgw_hooks_register(struct natgw_net *nn);
void natgw_hooks_unregister(struct natgw_net *nn);

#endif /* _NATGW_HOOKS_H */
