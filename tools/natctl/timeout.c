// SPDX-License-Identifier: GPL-2.0
/*
 * natctl timeout: the session timeouts of the namespace.
 */
#include <stdio.h>

#include "natctl.h"
#include "nl.h"
#include "print.h"
#include "utils.h"

/* The range of NATGW_A_TIMEOUT_* (see natgw.h). */
#define TIMEOUT_MIN	1
#define TIMEOUT_MAX	604800

static const char timeout_usage[] =
"Usage: natctl timeout show\n"
"       natctl timeout set NAME SECONDS\n"
"NAME := { udp | icmp | tcp-syn | tcp-established | tcp-transitory | tcp-close }\n";

static const struct {
	uint16_t attr;
	const char *name;	/* in the grammar and the text output */
	const char *key;	/* in JSON */
} timeouts[] = {
	{ NATGW_A_TIMEOUT_UDP,		"udp",			"udp" },
	{ NATGW_A_TIMEOUT_ICMP,		"icmp",			"icmp" },
	{ NATGW_A_TIMEOUT_TCP_SYN,	"tcp-syn",		"tcp_syn" },
	{ NATGW_A_TIMEOUT_TCP_EST,	"tcp-established",	"tcp_established" },
	{ NATGW_A_TIMEOUT_TCP_TRANS,	"tcp-transitory",	"tcp_transitory" },
	{ NATGW_A_TIMEOUT_TCP_CLOSE,	"tcp-close",		"tcp_close" },
};

#define N_TIMEOUTS	(sizeof(timeouts) / sizeof(timeouts[0]))

/*
 * "NAME SECONDS" for each timeout the message has: one per line for show,
 * on the current line (after a blank) for monitor.
 */
void timeout_print(const struct nlattr **tb, bool lines)
{
	char fmt[40];
	size_t i;

	for (i = 0; i < N_TIMEOUTS; i++) {
		if (!tb[timeouts[i].attr])
			continue;
		snprintf(fmt, sizeof(fmt), lines ? "%s %%u\n" : " %s %%u",
			 timeouts[i].name);
		print_uint(PRINT_ANY, timeouts[i].key, fmt,
			   mnl_attr_get_u32(tb[timeouts[i].attr]));
	}
}

/* For save: a "timeout set" line per timeout the message has. */
void timeout_save(FILE *out, const struct nlattr **tb)
{
	size_t i;

	for (i = 0; i < N_TIMEOUTS; i++)
		if (tb[timeouts[i].attr])
			fprintf(out, "timeout set %s %u\n", timeouts[i].name,
			       mnl_attr_get_u32(tb[timeouts[i].attr]));
}

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NATGW_A_MAX + 1];

	(void)data;
	if (nl_parse(nlh, tb))
		return MNL_CB_ERROR;
	timeout_print(tb, true);
	return MNL_CB_OK;
}

static int timeout_show(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct nl *nl;
	int ret;

	if (argc)
		return usage_error(&timeout_object, "unexpected \"%s\"", *argv);
	nl = natctl_nl();
	if (!nl)
		return NATCTL_ERR;
	nlh = nl_msg(nl, NATGW_CMD_TIMEOUT_GET, NLM_F_ACK);
	json_begin(false);
	ret = nl_talk(nl, nlh, show_cb, NULL);
	json_end();
	return ret;
}

static int timeout_set(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	uint32_t seconds;
	struct nl *nl;
	size_t i;
	int ret;

	if (argc < 2)
		return usage_error(&timeout_object, argc ? "missing SECONDS" :
				   "missing NAME");
	if (argc > 2)
		return usage_error(&timeout_object, "unexpected \"%s\"", argv[2]);
	for (i = 0; i < N_TIMEOUTS; i++)
		if (matches(argv[0], timeouts[i].name))
			break;
	if (i == N_TIMEOUTS)
		return nerr("invalid timeout name \"%s\": expected udp, icmp, tcp-syn, tcp-established, tcp-transitory or tcp-close",
			    argv[0]);
	if (parse_uint(argv[1], TIMEOUT_MIN, TIMEOUT_MAX, &seconds))
		return nerr("invalid SECONDS \"%s\": expected %d to %d",
			    argv[1], TIMEOUT_MIN, TIMEOUT_MAX);

	nl = natctl_nl();
	if (!nl)
		return NATCTL_ERR;
	nlh = nl_msg(nl, NATGW_CMD_TIMEOUT_SET, NLM_F_ACK);
	mnl_attr_put_u32(nlh, timeouts[i].attr, seconds);
	ret = nl_talk(nl, nlh, NULL, NULL);
	if (!ret && is_json()) {
		json_begin(false);
		print_uint(PRINT_JSON, timeouts[i].key, NULL, seconds);
		json_end();
	}
	return ret;
}

static int do_timeout(int argc, char **argv)
{
	if (argc < 1 || matches(*argv, "show"))
		return timeout_show(argc - !!argc, argv + !!argc);
	if (matches(*argv, "set"))
		return timeout_set(argc - 1, argv + 1);
	return usage_error(&timeout_object, "unknown verb \"%s\"", *argv);
}

const struct object timeout_object = {
	.name = "timeout",
	.usage = timeout_usage,
	.run = do_timeout,
};
