// SPDX-License-Identifier: GPL-2.0
/*
 * natctl monitor: follow natgw's events, the NAT log (sessions created and
 * ended, port allocation failures) and configuration changes.  One line of
 * text, or one JSON document, per event, flushed at once so that a pipe or
 * a journal gets each event as it happens.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>

#include "natctl.h"
#include "nl.h"
#include "print.h"
#include "utils.h"

static const char monitor_usage[] =
"Usage: natctl monitor [natlog | config] [-j]\n";

struct monitor {
	struct nl *nl;
	bool gone;		/* the natgw family went away */
};

/* What a config event reports, by the command that made the change. */
static const struct {
	uint8_t cmd;
	const char *object;
	const char *action;
	void (*print)(const struct nlattr **tb);
} changes[] = {
	{ NATGW_CMD_GW_NEW,	"gateway",	"add",	gateway_print },
	{ NATGW_CMD_GW_SET,	"gateway",	"set",	gateway_print },
	{ NATGW_CMD_GW_DEL,	"gateway",	"del",	gateway_print },
	{ NATGW_CMD_EIP_NEW,	"eip",		"add",	eip_print },
	{ NATGW_CMD_EIP_DEL,	"eip",		"del",	eip_print },
	{ NATGW_CMD_SNAT_NEW,	"snat",		"add",	snat_print },
	{ NATGW_CMD_SNAT_SET,	"snat",		"set",	snat_print },
	{ NATGW_CMD_SNAT_DEL,	"snat",		"del",	snat_print },
	{ NATGW_CMD_DNAT_NEW,	"dnat",		"add",	dnat_print },
	{ NATGW_CMD_DNAT_SET,	"dnat",		"set",	dnat_print },
	{ NATGW_CMD_DNAT_DEL,	"dnat",		"del",	dnat_print },
	{ NATGW_CMD_SESSION_FLUSH, "session",	"flush", NULL },
	{ NATGW_CMD_TIMEOUT_SET, "timeout",	"set",	NULL },
};

/* Text fields follow the event name after one blank. */
static void blank(void)
{
	print_string(PRINT_FP, NULL, "%s", " ");
}

static void print_config(const struct nlattr **tb)
{
	uint8_t cmd;
	size_t i;

	if (!tb[NATGW_A_NTF_CMD])
		return;
	cmd = mnl_attr_get_u8(tb[NATGW_A_NTF_CMD]);
	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
		if (changes[i].cmd == cmd)
			break;
	if (i == sizeof(changes) / sizeof(changes[0])) {
		print_uint(PRINT_ANY, "cmd", " cmd %u", cmd);
		return;
	}
	print_string(PRINT_ANY, "object", " %s", changes[i].object);
	print_string(PRINT_ANY, "action", " %s", changes[i].action);
	if (changes[i].print) {
		blank();
		changes[i].print(tb);
	} else if (cmd == NATGW_CMD_TIMEOUT_SET) {
		timeout_print(tb, false);
	} else {
		if (tb[NATGW_A_GW_NAME])
			print_string(PRINT_ANY, "gateway", " gw %s",
				     mnl_attr_get_str(tb[NATGW_A_GW_NAME]));
		if (tb[NATGW_A_SESS_COUNT])
			print_u64(PRINT_ANY, "count", " count %llu",
				  mnl_attr_get_u64(tb[NATGW_A_SESS_COUNT]));
	}
}

static const char *event_name(uint8_t cmd)
{
	switch (cmd) {
	case NATGW_CMD_SESSION_NEW_NTF:
		return "session-new";
	case NATGW_CMD_SESSION_END_NTF:
		return "session-end";
	case NATGW_CMD_PORTALLOC_FAIL_NTF:
		return "port-alloc-error";
	case NATGW_CMD_CONFIG_NTF:
		return "config";
	case NATGW_CMD_EVENTS_LOST_NTF:
		return "events-lost";
	}
	return "unknown";
}

static void print_now(void)
{
	char buf[TIME_STRLEN];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	print_string(PRINT_ANY, "time", "%s",
		     format_time((uint64_t)ts.tv_sec * 1000000000 +
				 (uint64_t)ts.tv_nsec, buf));
}

/* The genetlink controller says that a family was unregistered: is it ours? */
static bool natgw_gone(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	if (nl_cmd(nlh) != CTRL_CMD_DELFAMILY)
		return false;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
		    !strcmp(mnl_attr_get_str(a), NATGW_GENL_NAME))
			return true;
	return false;
}

/* TIME EVENT FIELDS..., the fields being those of session show, etc. */
static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NATGW_A_MAX + 1];
	struct monitor *m = data;
	uint8_t cmd = nl_cmd(nlh);

	if (nlh->nlmsg_type == GENL_ID_CTRL) {
		m->gone = natgw_gone(nlh);
		return m->gone ? MNL_CB_STOP : MNL_CB_OK;
	}
	if (nlh->nlmsg_type != m->nl->family)
		return MNL_CB_OK;
	if (nl_parse(nlh, tb))
		return MNL_CB_ERROR;
	json_begin(false);
	print_now();
	print_string(PRINT_ANY, "event", " %s", event_name(cmd));
	switch (cmd) {
	case NATGW_CMD_SESSION_NEW_NTF:
	case NATGW_CMD_SESSION_END_NTF:
	case NATGW_CMD_PORTALLOC_FAIL_NTF:
		blank();
		session_print(tb);
		break;
	case NATGW_CMD_CONFIG_NTF:
		print_config(tb);
		break;
	case NATGW_CMD_EVENTS_LOST_NTF:
		if (tb[NATGW_A_NTF_LOST])
			print_u64(PRINT_ANY, "lost", " %llu",
				  mnl_attr_get_u64(tb[NATGW_A_NTF_LOST]));
		break;
	default:
		print_uint(PRINT_ANY, "cmd", " cmd %u", cmd);
	}
	print_nl();
	json_end();
	fflush(stdout);
	return MNL_CB_OK;
}

static int join(struct nl *nl, uint32_t group, const char *name)
{
	if (!group)
		return nerr("the natgw module has no multicast group \"%s\"",
			    name);
	return nl_join(nl, group, name);
}

/*
 * Runs until killed, or until the natgw module goes away (rmmod, an
 * upgrade), which the genetlink controller's notify group tells: then it
 * exits with status 1, so that a unit's Restart= starts it again on the
 * new module.  When natctl falls behind, the kernel drops what does not
 * fit in the socket's queue (ENOBUFS): that is reported and the monitor
 * goes on, since a NAT log with a gap beats none.
 */
static int do_monitor(int argc, char **argv)
{
	bool natlog = false, config = false;
	struct monitor m = { 0 };
	int err;

	for (; argc; argc--, argv++) {
		if (matches(*argv, "-j"))
			set_json(true);
		else if (matches(*argv, "natlog"))
			natlog = true;
		else if (matches(*argv, "config"))
			config = true;
		else
			return usage_error(&monitor_object, "unexpected \"%s\"", *argv);
	}
	if (!natlog && !config)
		natlog = config = true;
	m.nl = natctl_nl();
	if (!m.nl)
		return NATCTL_ERR;
	err = nl_join(m.nl, GENL_ID_CTRL, "nlctrl notify") ?:
	      (config ? join(m.nl, m.nl->grp_config, NATGW_MCGRP_CONFIG) : 0) ?:
	      (natlog ? join(m.nl, m.nl->grp_natlog, NATGW_MCGRP_NATLOG) : 0);
	if (err)
		return err;
	for (;;) {
		err = nl_recv(m.nl, event_cb, &m);
		if (m.gone)
			return nerr("the natgw module was unloaded");
		if (!err || err == EINTR)
			continue;
		if (err == ENOBUFS) {
			nwarn("events were lost: natctl did not read them fast enough");
			continue;
		}
		if (err == EBADMSG)
			return nerr("malformed event from the kernel");
		return nerr("cannot read events: %s", strerror(err));
	}
}

const struct object monitor_object = {
	.name = "monitor",
	.usage = monitor_usage,
	.run = do_monitor,
};
