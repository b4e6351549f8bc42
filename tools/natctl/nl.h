/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink plumbing of natctl, on libmnl.
 *
 * One socket talks to the natgw family of the namespace natctl runs in.
 * Requests get NLM_F_ACK; extended ACKs are enabled and capped, so a refusal
 * comes back as the kernel's message, which nl_talk() prints verbatim.
 */
#ifndef NATCTL_NL_H
#define NATCTL_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>
#include <linux/natgw.h>

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;
	uint32_t grp_config;		/* multicast group ids, 0 if absent */
	uint32_t grp_natlog;
	char *txbuf;
	char *rxbuf;
};

/* Copies of the messages of a dump, for output that needs them all first. */
struct nl_msgs {
	struct nlmsghdr **msg;
	size_t n;
};

int nl_open(struct nl *nl);
int nl_open_dry(struct nl *nl);
void nl_close(struct nl *nl);
struct nlmsghdr *nl_msg(struct nl *nl, uint8_t cmd, uint16_t flags);
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
int nl_collect(struct nl *nl, struct nlmsghdr *nlh, struct nl_msgs *msgs);
void nl_msgs_free(struct nl_msgs *msgs);
int nl_join(struct nl *nl, uint32_t group, const char *name);
int nl_recv(struct nl *nl, mnl_cb_t cb, void *data);

uint8_t nl_cmd(const struct nlmsghdr *nlh);
int nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb);
int nl_parse_nest(const struct nlattr *nest, const struct nlattr **tb);
int nl_parse_stats(const struct nlattr *nest, const struct nlattr **tb);
bool nl_get_bool(const struct nlattr *attr);

#endif /* NATCTL_NL_H */
