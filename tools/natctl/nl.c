// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink helpers of natctl: family resolution, request/ACK with
 * extended ACK messages, dumps with NLM_F_DUMP_INTR detection, multicast
 * groups, and validated attribute parsing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "natctl.h"
#include "nl.h"

#define NL_TX_SIZE	8192
/* Large enough that the kernel packs many dump messages in each read. */
#define NL_RX_SIZE	65536
/* The socket queue, for dumps and for bursts of events in monitor. */
#define NL_RCVBUF	(8 << 20)

/* A refusal, as the kernel explained it. */
struct nl_err {
	int code;		/* positive errno; 0: no error */
	uint8_t cmd;		/* the request's natgw command */
	char msg[256];		/* extended ACK message, or "" */
	int attr;		/* attribute at fault (0: none said) */
	bool missing;		/* @attr was missing rather than refused */
};

/* State of one request while its replies are read. */
struct talk {
	mnl_cb_t cb;
	void *data;
	const struct nlmsghdr *req;
	struct nl_err *err;
	bool intr;
};

/* A request, named in natctl's words, for errors the kernel did not explain. */
static const char *const cmd_names[NATGW_CMD_MAX + 1] = {
	[NATGW_CMD_GW_NEW]		= "gateway add",
	[NATGW_CMD_GW_DEL]		= "gateway del",
	[NATGW_CMD_GW_GET]		= "gateway show",
	[NATGW_CMD_GW_SET]		= "gateway set",
	[NATGW_CMD_EIP_NEW]		= "eip add",
	[NATGW_CMD_EIP_DEL]		= "eip del",
	[NATGW_CMD_EIP_GET]		= "eip show",
	[NATGW_CMD_SNAT_NEW]		= "snat add",
	[NATGW_CMD_SNAT_SET]		= "snat set",
	[NATGW_CMD_SNAT_DEL]		= "snat del",
	[NATGW_CMD_SNAT_GET]		= "snat show",
	[NATGW_CMD_DNAT_NEW]		= "dnat add",
	[NATGW_CMD_DNAT_SET]		= "dnat set",
	[NATGW_CMD_DNAT_DEL]		= "dnat del",
	[NATGW_CMD_DNAT_GET]		= "dnat show",
	[NATGW_CMD_SESSION_GET]		= "session show",
	[NATGW_CMD_SESSION_FLUSH]	= "session flush",
	[NATGW_CMD_SESSION_COUNT]	= "session count",
	[NATGW_CMD_TIMEOUT_GET]		= "timeout show",
	[NATGW_CMD_TIMEOUT_SET]		= "timeout set",
	[NATGW_CMD_STATS_GET]		= "stats",
	[NATGW_CMD_QUOTA_GET]		= "quota show",
};

#define A(x) [NATGW_A_##x] = "NATGW_A_" #x
static const char *const attr_names[NATGW_A_MAX + 1] = {
	A(GW_NAME), A(GW_IFINDEX), A(GW_IFNAME), A(GW_VPC_ADDR),
	A(GW_VPC_PLEN), A(GW_SNAT_PORT_MIN), A(GW_SNAT_PORT_MAX), A(GW_STATE),
	A(GW_ICMP_REPLY), A(GW_EIP_ARP), A(GW_PROTECT), A(GW_DESCR), A(GW_ID),
	A(FORCE), A(EIP_ADDR), A(EIP_LIST), A(ENTRY_ID), A(SNAT_SRC_ADDR),
	A(SNAT_SRC_PLEN), A(SNAT_SRC_VPC), A(SNAT_AFFINITY),
	A(DNAT_PRIV_ADDR), A(DNAT_PROTO), A(DNAT_PUB_PORT_MIN),
	A(DNAT_PUB_PORT_MAX), A(DNAT_PRIV_PORT_MIN), A(DNAT_PRIV_PORT_MAX),
	A(DNAT_PORT_OVERRIDE), A(SESS_PROTO), A(SESS_KIND), A(SESS_IN_ADDR),
	A(SESS_IN_PORT), A(SESS_EIP_ADDR), A(SESS_EIP_PORT), A(SESS_REM_ADDR),
	A(SESS_REM_PORT), A(SESS_TCP_STATE), A(SESS_TIMEOUT), A(SESS_AGE),
	A(SESS_BYTES_OUT), A(SESS_BYTES_IN), A(SESS_COUNT), A(TIMEOUT_UDP),
	A(TIMEOUT_ICMP), A(TIMEOUT_TCP_SYN), A(TIMEOUT_TCP_EST),
	A(TIMEOUT_TCP_TRANS), A(STATS), A(EIP_STATS_LIST), A(SNAT_STATS_LIST),
	A(DNAT_STATS_LIST), A(STATS_ITEM), A(QUOTA_GATEWAYS), A(QUOTA_EIPS),
	A(QUOTA_SNAT_ENTRIES), A(QUOTA_DNAT_ENTRIES), A(QUOTA_SESSIONS),
	A(NTF_CMD), A(NTF_LOST), A(SESS_START), A(PAD), A(TIMEOUT_TCP_CLOSE),
};
#undef A

/*
 * What each attribute of a reply must look like.  MNL_TYPE_UNSPEC is not
 * checked: NATGW_A_DNAT_PORT_OVERRIDE may be a flag or a u8 (see
 * nl_get_bool()), and NATGW_A_PAD carries nothing.
 */
static const enum mnl_attr_data_type attr_types[NATGW_A_MAX + 1] = {
	[NATGW_A_GW_NAME]		= MNL_TYPE_NUL_STRING,
	[NATGW_A_GW_IFINDEX]		= MNL_TYPE_U32,
	[NATGW_A_GW_IFNAME]		= MNL_TYPE_NUL_STRING,
	[NATGW_A_GW_VPC_ADDR]		= MNL_TYPE_U32,
	[NATGW_A_GW_VPC_PLEN]		= MNL_TYPE_U8,
	[NATGW_A_GW_SNAT_PORT_MIN]	= MNL_TYPE_U16,
	[NATGW_A_GW_SNAT_PORT_MAX]	= MNL_TYPE_U16,
	[NATGW_A_GW_STATE]		= MNL_TYPE_U8,
	[NATGW_A_GW_ICMP_REPLY]		= MNL_TYPE_U8,
	[NATGW_A_GW_EIP_ARP]		= MNL_TYPE_U8,
	[NATGW_A_GW_PROTECT]		= MNL_TYPE_U8,
	[NATGW_A_GW_DESCR]		= MNL_TYPE_NUL_STRING,
	[NATGW_A_GW_ID]			= MNL_TYPE_U32,
	[NATGW_A_FORCE]			= MNL_TYPE_FLAG,
	[NATGW_A_EIP_ADDR]		= MNL_TYPE_U32,
	[NATGW_A_EIP_LIST]		= MNL_TYPE_NESTED,
	[NATGW_A_ENTRY_ID]		= MNL_TYPE_U32,
	[NATGW_A_SNAT_SRC_ADDR]		= MNL_TYPE_U32,
	[NATGW_A_SNAT_SRC_PLEN]		= MNL_TYPE_U8,
	[NATGW_A_SNAT_SRC_VPC]		= MNL_TYPE_FLAG,
	[NATGW_A_SNAT_AFFINITY]		= MNL_TYPE_U8,
	[NATGW_A_DNAT_PRIV_ADDR]	= MNL_TYPE_U32,
	[NATGW_A_DNAT_PROTO]		= MNL_TYPE_U8,
	[NATGW_A_DNAT_PUB_PORT_MIN]	= MNL_TYPE_U16,
	[NATGW_A_DNAT_PUB_PORT_MAX]	= MNL_TYPE_U16,
	[NATGW_A_DNAT_PRIV_PORT_MIN]	= MNL_TYPE_U16,
	[NATGW_A_DNAT_PRIV_PORT_MAX]	= MNL_TYPE_U16,
	[NATGW_A_SESS_PROTO]		= MNL_TYPE_U8,
	[NATGW_A_SESS_KIND]		= MNL_TYPE_U8,
	[NATGW_A_SESS_IN_ADDR]		= MNL_TYPE_U32,
	[NATGW_A_SESS_IN_PORT]		= MNL_TYPE_U16,
	[NATGW_A_SESS_EIP_ADDR]		= MNL_TYPE_U32,
	[NATGW_A_SESS_EIP_PORT]		= MNL_TYPE_U16,
	[NATGW_A_SESS_REM_ADDR]		= MNL_TYPE_U32,
	[NATGW_A_SESS_REM_PORT]		= MNL_TYPE_U16,
	[NATGW_A_SESS_TCP_STATE]	= MNL_TYPE_U8,
	[NATGW_A_SESS_TIMEOUT]		= MNL_TYPE_U32,
	[NATGW_A_SESS_AGE]		= MNL_TYPE_U32,
	[NATGW_A_SESS_BYTES_OUT]	= MNL_TYPE_U64,
	[NATGW_A_SESS_BYTES_IN]		= MNL_TYPE_U64,
	[NATGW_A_SESS_COUNT]		= MNL_TYPE_U64,
	[NATGW_A_TIMEOUT_UDP]		= MNL_TYPE_U32,
	[NATGW_A_TIMEOUT_ICMP]		= MNL_TYPE_U32,
	[NATGW_A_TIMEOUT_TCP_SYN]	= MNL_TYPE_U32,
	[NATGW_A_TIMEOUT_TCP_EST]	= MNL_TYPE_U32,
	[NATGW_A_TIMEOUT_TCP_TRANS]	= MNL_TYPE_U32,
	[NATGW_A_TIMEOUT_TCP_CLOSE]	= MNL_TYPE_U32,
	[NATGW_A_STATS]			= MNL_TYPE_NESTED,
	[NATGW_A_EIP_STATS_LIST]	= MNL_TYPE_NESTED,
	[NATGW_A_SNAT_STATS_LIST]	= MNL_TYPE_NESTED,
	[NATGW_A_DNAT_STATS_LIST]	= MNL_TYPE_NESTED,
	[NATGW_A_STATS_ITEM]		= MNL_TYPE_NESTED,
	[NATGW_A_QUOTA_GATEWAYS]	= MNL_TYPE_U32,
	[NATGW_A_QUOTA_EIPS]		= MNL_TYPE_U32,
	[NATGW_A_QUOTA_SNAT_ENTRIES]	= MNL_TYPE_U32,
	[NATGW_A_QUOTA_DNAT_ENTRIES]	= MNL_TYPE_U32,
	[NATGW_A_QUOTA_SESSIONS]	= MNL_TYPE_U32,
	[NATGW_A_NTF_CMD]		= MNL_TYPE_U8,
	[NATGW_A_NTF_LOST]		= MNL_TYPE_U64,
	[NATGW_A_SESS_START]		= MNL_TYPE_U64,
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	/* Attributes newer than this natctl are skipped, not refused. */
	if (type > NATGW_A_MAX)
		return MNL_CB_OK;
	if (attr_types[type] != MNL_TYPE_UNSPEC &&
	    mnl_attr_validate(attr, attr_types[type]) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

/* @tb has NATGW_A_MAX + 1 entries.  Returns 0, or -1 with errno EBADMSG. */
int nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	memset(tb, 0, sizeof(*tb) * (NATGW_A_MAX + 1));
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, tb) < 0) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

/* A nest whose members are top-level attributes (stats list items). */
int nl_parse_nest(const struct nlattr *nest, const struct nlattr **tb)
{
	memset(tb, 0, sizeof(*tb) * (NATGW_A_MAX + 1));
	if (mnl_attr_parse_nested(nest, attr_cb, tb) < 0) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

static int stats_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type > NATGW_STATS_A_MAX || type == NATGW_STATS_A_PAD)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

/* A NATGW_A_STATS nest; @tb has NATGW_STATS_A_MAX + 1 entries. */
int nl_parse_stats(const struct nlattr *nest, const struct nlattr **tb)
{
	memset(tb, 0, sizeof(*tb) * (NATGW_STATS_A_MAX + 1));
	if (mnl_attr_parse_nested(nest, stats_cb, tb) < 0) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

/* An on/off attribute sent either as a flag or as a u8. */
bool nl_get_bool(const struct nlattr *attr)
{
	if (!attr)
		return false;
	if (!mnl_attr_get_payload_len(attr))
		return true;
	return mnl_attr_get_u8(attr) != 0;
}

uint8_t nl_cmd(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	return genl->cmd;
}

static int ext_ack_cb(const struct nlattr *attr, void *data)
{
	struct talk *t = data;
	const struct nlattr *bad;
	uint32_t offs;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(t->err->msg, sizeof(t->err->msg), "%s",
				 mnl_attr_get_str(attr));
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			break;
		/* The offset is into the request, which is still ours. */
		offs = mnl_attr_get_u32(attr);
		if (offs + sizeof(*bad) > t->req->nlmsg_len)
			break;
		bad = (const struct nlattr *)((const char *)t->req + offs);
		t->err->attr = mnl_attr_get_type(bad);
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			break;
		t->err->attr = (int)mnl_attr_get_u32(attr);
		t->err->missing = true;
		break;
	}
	return MNL_CB_OK;
}

static void parse_ext_ack(const struct nlmsghdr *nlh, size_t offset,
			  struct talk *t)
{
	size_t len = mnl_nlmsg_get_payload_len(nlh);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || offset >= len)
		return;
	mnl_attr_parse_payload((const char *)mnl_nlmsg_get_payload(nlh) +
			       offset, len - offset, ext_ack_cb, t);
}

static int error_cb(const struct nlmsghdr *nlh, struct talk *t)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t offset = sizeof(*e);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		t->err->code = EBADMSG;
		return MNL_CB_ERROR;
	}
	/* Without NETLINK_CAP_ACK the request is echoed before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len > sizeof(struct nlmsghdr))
		offset += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	parse_ext_ack(nlh, offset, t);
	if (!e->error) {
		if (t->err->msg[0])
			nwarn("%s", t->err->msg);
		return MNL_CB_STOP;
	}
	t->err->code = -e->error;
	return MNL_CB_ERROR;
}

/* A dump ends with NLMSG_DONE, which carries the dump's own error, if any. */
static int done_cb(const struct nlmsghdr *nlh, struct talk *t)
{
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(err))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err >= 0)
		return MNL_CB_STOP;
	parse_ext_ack(nlh, sizeof(err), t);
	t->err->code = -err;
	return MNL_CB_ERROR;
}

/*
 * The messages of one read.  Not mnl_cb_run(): it stops a dump at the
 * first NLM_F_DUMP_INTR message, and natctl wants the whole dump and a
 * warning.  With @seq, replies to an earlier request (left over by a
 * command that failed mid-dump) are skipped.
 */
static int run_msgs(const void *buf, ssize_t n, unsigned int seq,
		    struct talk *t)
{
	const struct nlmsghdr *nlh = buf;
	int ret = MNL_CB_OK, len = (int)n;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (seq && nlh->nlmsg_seq != seq)
			continue;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			t->intr = true;
		if (nlh->nlmsg_type == NLMSG_ERROR)
			ret = error_cb(nlh, t);
		else if (nlh->nlmsg_type == NLMSG_DONE)
			ret = done_cb(nlh, t);
		else if (nlh->nlmsg_type >= NLMSG_MIN_TYPE && t->cb)
			ret = t->cb(nlh, t->data);
		if (ret <= MNL_CB_STOP)
			return ret;
	}
	return ret;
}

/*
 * Send @nlh and read until its ACK, or the end of its dump.  Returns 0, or
 * -1 with @err filled in; prints nothing but the kernel's warnings.
 */
static int exchange(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		    void *data, struct nl_err *err, bool *intr)
{
	struct talk t = { .cb = cb, .data = data, .req = nlh, .err = err };
	int ret = MNL_CB_OK;
	ssize_t n;

	memset(err, 0, sizeof(*err));
	if (nlh->nlmsg_type == nl->family)
		err->cmd = nl_cmd(nlh);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		err->code = errno;
		return -1;
	}
	while (ret > MNL_CB_STOP) {
		n = mnl_socket_recvfrom(nl->sock, nl->rxbuf, NL_RX_SIZE);
		if (n < 0) {
			err->code = errno;
			return -1;
		}
		errno = 0;
		ret = run_msgs(nl->rxbuf, n, nlh->nlmsg_seq, &t);
	}
	if (intr)
		*intr = t.intr;
	if (ret == MNL_CB_ERROR) {
		if (!err->code)
			err->code = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

/*
 * Linux 6.1 cannot format extack messages, so a quota refusal names its
 * module parameter ("... (module parameter max_eips)") but not its value:
 * add the value, which natctl reads from sysfs, the way an operator would.
 */
static void add_quota_value(char *msg, size_t size)
{
	static const char tag[] = "(module parameter ";
	char name[64], path[128], val[32];
	char *p = strstr(msg, tag), *end;
	size_t n;
	FILE *f;

	if (!p)
		return;
	p += sizeof(tag) - 1;
	end = strchr(p, ')');
	n = end ? (size_t)(end - p) : 0;
	if (!n || n >= sizeof(name))
		return;
	memcpy(name, p, n);
	name[n] = '\0';
	snprintf(path, sizeof(path), "/sys/module/natgw/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(val, sizeof(val), f)) {
		val[strcspn(val, "\n")] = '\0';
		snprintf(end, size - (size_t)(end - msg), " = %s)", val);
	}
	fclose(f);
}

static int report(struct nl_err *err)
{
	const char *name = NULL, *cmd = NULL;

	if (err->attr > 0 && err->attr <= NATGW_A_MAX)
		name = attr_names[err->attr];
	if (err->cmd <= NATGW_CMD_MAX)
		cmd = cmd_names[err->cmd];
	if (!cmd)
		cmd = "natgw";
	if (err->msg[0]) {
		add_quota_value(err->msg, sizeof(err->msg));
		return nerr("%s", err->msg);
	}
	if (err->code == EPERM)
		return nerr("Operation not permitted (need CAP_NET_ADMIN)");
	if (err->code == EBADMSG)
		return nerr("%s: malformed reply from the kernel (natctl and natgw.ko of different versions?)",
			    cmd);
	if (name && err->missing)
		return nerr("%s: the kernel requires attribute %s (%s)", cmd,
			    name, strerror(err->code));
	if (name)
		return nerr("%s: the kernel refused attribute %s (%s)", cmd,
			    name, strerror(err->code));
	return nerr("%s: %s", cmd, strerror(err->code));
}

/*
 * Send a request and pass each reply message to @cb (may be NULL).
 * Returns 0, or 1 after printing the kernel's reason on stderr.
 */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct nl_err err;
	bool intr = false;
	int ret;

	/* nl_open_dry(): the request was built, which is all it checks. */
	if (!nl->sock)
		return 0;

	ret = exchange(nl, nlh, cb, data, &err, &intr);
	if (intr)
		nwarn("dump was interrupted, output may be inconsistent");
	return ret ? report(&err) : 0;
}

static int collect_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_msgs *msgs = data;
	struct nlmsghdr **grown, *copy;

	grown = realloc(msgs->msg, (msgs->n + 1) * sizeof(*grown));
	if (!grown)
		goto nomem;
	msgs->msg = grown;
	copy = malloc(nlh->nlmsg_len);
	if (!copy)
		goto nomem;
	memcpy(copy, nlh, nlh->nlmsg_len);
	msgs->msg[msgs->n++] = copy;
	return MNL_CB_OK;
nomem:
	errno = ENOMEM;
	return MNL_CB_ERROR;
}

/* Like nl_talk(), keeping a copy of every reply in @msgs. */
int nl_collect(struct nl *nl, struct nlmsghdr *nlh, struct nl_msgs *msgs)
{
	return nl_talk(nl, nlh, collect_cb, msgs);
}

void nl_msgs_free(struct nl_msgs *msgs)
{
	size_t i;

	for (i = 0; i < msgs->n; i++)
		free(msgs->msg[i]);
	free(msgs->msg);
	msgs->msg = NULL;
	msgs->n = 0;
}

/*
 * The buffer is cleared first: libmnl leaves the padding of attributes
 * as it finds it, and no stale byte should reach the kernel.
 */
static struct nlmsghdr *put_header(struct nl *nl, uint16_t type, uint8_t cmd,
				   uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	memset(nl->txbuf, 0, NL_TX_SIZE);
	nlh = mnl_nlmsg_put_header(nl->txbuf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

/* A natgw request; the attributes go after it with mnl_attr_put_*(). */
struct nlmsghdr *nl_msg(struct nl *nl, uint8_t cmd, uint16_t flags)
{
	return put_header(nl, nl->family, cmd, NATGW_GENL_VERSION, flags);
}

static void family_group(const struct nlattr *grp, struct nl *nl)
{
	const struct nlattr *a, *name = NULL, *id = NULL;

	mnl_attr_for_each_nested(a, grp) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			name = a;
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
			 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			id = a;
	}
	if (!name || !id)
		return;
	if (!strcmp(mnl_attr_get_str(name), NATGW_MCGRP_CONFIG))
		nl->grp_config = mnl_attr_get_u32(id);
	else if (!strcmp(mnl_attr_get_str(name), NATGW_MCGRP_NATLOG))
		nl->grp_natlog = mnl_attr_get_u32(id);
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a, *grp;
	struct nl *nl = data;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
				nl->family = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, a)
				family_group(grp, nl);
			break;
		}
	}
	return MNL_CB_OK;
}

static int resolve_family(struct nl *nl)
{
	struct nlmsghdr *nlh;
	struct nl_err err;

	nlh = put_header(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NATGW_GENL_NAME);

	if (exchange(nl, nlh, family_cb, nl, &err, NULL)) {
		if (err.code == ENOENT)
			return nerr("natgw module not loaded (modprobe natgw / insmod natgw.ko)");
		return report(&err);
	}
	if (!nl->family)
		return nerr("malformed reply from the kernel's genetlink controller");
	return 0;
}

/* Returns 0, or 1 after printing why natgw cannot be reached. */
int nl_open(struct nl *nl)
{
	int one = 1, rcvbuf = NL_RCVBUF;

	memset(nl, 0, sizeof(*nl));
	nl->txbuf = malloc(NL_TX_SIZE);
	nl->rxbuf = malloc(NL_RX_SIZE);
	if (!nl->txbuf || !nl->rxbuf)
		goto fail;
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		goto fail;
	/* Best effort: without them errors are still reported, only plainer. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	/* FORCE works for root despite rmem_max; the plain one is the fallback. */
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUF,
			   &rcvbuf, sizeof(rcvbuf));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned int)time(NULL);
	if (resolve_family(nl)) {
		nl_close(nl);
		return 1;
	}
	return 0;
fail:
	nerr("cannot open a generic netlink socket: %s", strerror(errno));
	nl_close(nl);
	return 1;
}

/*
 * Buffers without a socket (natctl -c): requests are built as usual and
 * nl_talk() drops them, answering as if the kernel had accepted them.
 */
int nl_open_dry(struct nl *nl)
{
	memset(nl, 0, sizeof(*nl));
	nl->txbuf = malloc(NL_TX_SIZE);
	nl->rxbuf = malloc(NL_RX_SIZE);
	if (!nl->txbuf || !nl->rxbuf) {
		nl_close(nl);
		return nerr("out of memory");
	}
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->txbuf);
	free(nl->rxbuf);
	memset(nl, 0, sizeof(*nl));
}

/* Returns 0, or 1 after printing why group @name cannot be joined. */
int nl_join(struct nl *nl, uint32_t group, const char *name)
{
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0)
		return nerr("cannot join multicast group \"%s\": %s", name,
			    strerror(errno));
	return 0;
}

/*
 * Read one batch of notifications and pass each to @cb.  Returns 0, or the
 * positive errno of a failed read (ENOBUFS: the socket queue overflowed and
 * events were lost), or EBADMSG when @cb refused a message.
 */
int nl_recv(struct nl *nl, mnl_cb_t cb, void *data)
{
	struct nl_err err = { 0 };
	struct talk t = { .cb = cb, .data = data, .err = &err };
	ssize_t n;

	n = mnl_socket_recvfrom(nl->sock, nl->rxbuf, NL_RX_SIZE);
	if (n < 0)
		return errno;
	if (run_msgs(nl->rxbuf, n, 0, &t) == MNL_CB_ERROR)
		return EBADMSG;
	return 0;
}
