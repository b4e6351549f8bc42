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

#include "natctl.h"
#include "nl.h"
#include "print.h"
#include "utils.h"

static const char monitor_usage[] =
"Usage: natctl monitor [-j]\n";

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

/* TIME EVENT FIELDS..., the fields being those of session show, etc. */
static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NATGW_A_MAX + 1];
	uint8_t cmd = nl_cmd(nlh);

	(void)data;
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
 * Runs until killed.  When natctl falls behind, the kernel drops what does
 * not fit in the socket's queue (ENOBUFS): that is reported and the
 * monitor goes on, since a NAT log with a gap beats none.
 */
static int do_monitor(int argc, char **argv)
{
	struct nl *nl;
	int err;

	if (argc && matches(*argv, "-j")) {
		set_json(true);
		argc--;
		argv++;
	}
	if (argc)
		return usage_error(&monitor_object, "unexpected \"%s\"", *argv);
	nl = natctl_nl();
	if (!nl)
		return NATCTL_ERR;
	err = join(nl, nl->grp_config, NATGW_MCGRP_CONFIG) ?:
	      join(nl, nl->grp_natlog, NATGW_MCGRP_NATLOG);
	if (err)
		return err;
	for (;;) {
		err = nl_recv(nl, event_cb, NULL);
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
