// SPDX-License-Identifier: GPL-2.0
/*
 * natctl stats: counters per gateway, per EIP and per SNAT/DNAT entry, as
 * text, JSON, or the Prometheus text exposition format (for node_exporter's
 * textfile collector).
 */
#include <stdio.h>
#include <stdlib.h>

#include "natctl.h"
#include "nl.h"
#include "print.h"
#include "utils.h"

static const char stats_usage[] =
"Usage: natctl stats [GW] [-j]\n"
"       natctl stats [GW] --prometheus\n";

/*
 * Every counter, in output order.  @line starts a line of text (a new
 * @line means a new line); @fmt and @key print it as text and JSON; the
 * Prometheus sample is @metric{..., @label}.  A row without @key exists for
 * Prometheus only.
 */
static const struct counter {
	int attr;
	const char *line;
	const char *fmt;
	const char *key;
	const char *metric;
	const char *label;
} counters[] = {
	{ NATGW_STATS_A_ACTIVE_TCP, "sessions active", " tcp %llu",
	  "sessions_active_tcp", "sessions_active", "proto=\"tcp\"" },
	{ NATGW_STATS_A_ACTIVE_UDP, "sessions active", " udp %llu",
	  "sessions_active_udp", "sessions_active", "proto=\"udp\"" },
	{ NATGW_STATS_A_ACTIVE_ICMP, "sessions active", " icmp %llu",
	  "sessions_active_icmp", "sessions_active", "proto=\"icmp\"" },
	{ NATGW_STATS_A_CREATED, "sessions active", " created %llu",
	  "sessions_created", "sessions_created_total", NULL },
	{ NATGW_STATS_A_EVICTED, "sessions active", " evicted %llu",
	  "sessions_evicted", "sessions_evicted_total", NULL },
	{ NATGW_STATS_A_PKTS_OUT, "packets", " out %llu",
	  "packets_out", "packets_total", "direction=\"out\"" },
	{ NATGW_STATS_A_PKTS_IN, "packets", " in %llu",
	  "packets_in", "packets_total", "direction=\"in\"" },
	{ NATGW_STATS_A_BYTES_OUT, "bytes", " out %llu",
	  "bytes_out", "bytes_total", "direction=\"out\"" },
	{ NATGW_STATS_A_BYTES_IN, "bytes", " in %llu",
	  "bytes_in", "bytes_total", "direction=\"in\"" },
	{ NATGW_STATS_A_DROP_NO_SESSION, "drops", " no-session %llu",
	  "drops_no_session", "drops_total", "reason=\"no_session\"" },
	{ NATGW_STATS_A_DROP_UNSOLICITED, "drops", " unsolicited %llu",
	  "drops_unsolicited", "drops_total", "reason=\"unsolicited\"" },
	{ NATGW_STATS_A_DROP_PORT_ALLOC, "drops", " port-alloc %llu",
	  "drops_port_alloc", "drops_total", "reason=\"port_alloc\"" },
	{ NATGW_STATS_A_DROP_SESSION_LIMIT, "drops", " session-limit %llu",
	  "drops_session_limit", "drops_total", "reason=\"session_limit\"" },
	{ NATGW_STATS_A_DROP_GW_SESSION_LIMIT, "drops",
	  " gateway-session-limit %llu", "drops_gateway_session_limit",
	  "drops_total", "reason=\"gateway_session_limit\"" },
	{ NATGW_STATS_A_DROP_MALFORMED, "drops", " malformed %llu",
	  "drops_malformed", "drops_total", "reason=\"malformed\"" },
	{ NATGW_STATS_A_DROP_ICMP_NO_SESSION, "drops", " icmp-no-session %llu",
	  "drops_icmp_no_session", "drops_total",
	  "reason=\"icmp_no_session\"" },
	{ NATGW_STATS_A_DROP_NO_SNAT, "drops", " no-snat %llu",
	  "drops_no_snat", "drops_total", "reason=\"no_snat\"" },
	{ NATGW_STATS_A_DROP_UNSUPPORTED, "drops", " unsupported %llu",
	  "drops_unsupported", "drops_total", "reason=\"unsupported\"" },
	/* ErrorPortAllocationCount, under the name alerts are written for. */
	{ NATGW_STATS_A_DROP_PORT_ALLOC, NULL, NULL, NULL,
	  "port_alloc_errors_total", NULL },
	{ NATGW_STATS_A_ICMP_REPLIES, "icmp-replies", " %llu",
	  "icmp_replies", "icmp_replies_total", NULL },
};

#define N_COUNTERS	(sizeof(counters) / sizeof(counters[0]))

/* Prometheus metric families, each printed once with its HELP and TYPE. */
static const struct family {
	const char *name;
	const char *type;
	const char *help;
} families[] = {
	{ "sessions_active", "gauge", "Active sessions, by protocol" },
	{ "sessions_created_total", "counter", "Sessions created" },
	{ "sessions_evicted_total", "counter",
	  "Unanswered sessions ended early to make room at a session limit" },
	{ "packets_total", "counter",
	  "Packets translated, by direction (out: private to Internet)" },
	{ "bytes_total", "counter",
	  "Bytes translated, by direction (out: private to Internet)" },
	{ "drops_total", "counter", "Packets dropped, by reason" },
	{ "port_alloc_errors_total", "counter",
	  "New sessions dropped because no public port was free (ErrorPortAllocationCount)" },
	{ "icmp_replies_total", "counter",
	  "ICMP echo requests to EIPs answered by the gateway" },
};

#define N_FAMILIES	(sizeof(families) / sizeof(families[0]))

/* Prometheus metrics come per gateway, per EIP, and per SNAT/DNAT entry. */
enum scope {
	SCOPE_GATEWAY,
	SCOPE_EIP,
	SCOPE_ENTRY,
	N_SCOPES,
};

static const struct {
	const char *prefix;
	const char *what;
} scopes[N_SCOPES] = {
	[SCOPE_GATEWAY]	= { "natgw_", "per gateway" },
	[SCOPE_EIP]	= { "natgw_eip_", "per EIP" },
	[SCOPE_ENTRY]	= { "natgw_entry_", "per SNAT or DNAT entry" },
};

/* One object's counters, with the Prometheus labels that identify it. */
struct sample_set {
	char labels[320];
	const struct nlattr *st[NATGW_STATS_A_MAX + 1];
};

struct prom {
	struct sample_set *sets[N_SCOPES];
	size_t n[N_SCOPES];
};

/* Text and JSON */

static void print_counters(const struct nlattr *nest, const char *indent)
{
	const struct nlattr *st[NATGW_STATS_A_MAX + 1];
	const char *line = NULL;
	size_t i;

	if (!nest || nl_parse_stats(nest, st))
		return;
	for (i = 0; i < N_COUNTERS; i++) {
		if (!counters[i].key || !st[counters[i].attr])
			continue;
		if (counters[i].line != line) {
			line = counters[i].line;
			print_string(PRINT_FP, NULL, "\n%s", indent);
			print_string(PRINT_FP, NULL, "%s", line);
		}
		print_u64(PRINT_ANY, counters[i].key, counters[i].fmt,
			  mnl_attr_get_u64(st[counters[i].attr]));
	}
}

static void print_items(const struct nlattr *list, const char *key,
			const char *kind)
{
	const struct nlattr *tb[NATGW_A_MAX + 1], *item;

	if (!list)
		return;
	open_json_array(key);
	mnl_attr_for_each_nested(item, list) {
		if (nl_parse_nest(item, tb))
			continue;
		open_json_object(NULL);
		if (tb[NATGW_A_EIP_ADDR])
			print_ipv4(PRINT_ANY, "eip", "\n\teip %s",
				   mnl_attr_get_u32(tb[NATGW_A_EIP_ADDR]));
		if (tb[NATGW_A_ENTRY_ID]) {
			print_string(PRINT_FP, NULL, "\n\t%s", kind);
			print_uint(PRINT_ANY, "id", " id %u",
				   mnl_attr_get_u32(tb[NATGW_A_ENTRY_ID]));
		}
		print_counters(tb[NATGW_A_STATS], "\t\t");
		close_json_object();
	}
	close_json_array();
}

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NATGW_A_MAX + 1];

	(void)data;
	if (nl_parse(nlh, tb))
		return MNL_CB_ERROR;
	open_json_object(NULL);
	if (tb[NATGW_A_GW_NAME])
		print_string(PRINT_ANY, "name", "gateway %s",
			     mnl_attr_get_str(tb[NATGW_A_GW_NAME]));
	print_counters(tb[NATGW_A_STATS], "\t");
	print_items(tb[NATGW_A_EIP_STATS_LIST], "eips", "eip");
	print_items(tb[NATGW_A_SNAT_STATS_LIST], "snat", "snat");
	print_items(tb[NATGW_A_DNAT_STATS_LIST], "dnat", "dnat");
	print_nl();
	close_json_object();
	return MNL_CB_OK;
}

/* {"gateways": [...]}: one object for the command, as for every result. */
static int stats_show(struct nl *nl, struct nlmsghdr *nlh)
{
	int ret;

	json_begin(false);
	open_json_array("gateways");
	ret = nl_talk(nl, nlh, show_cb, NULL);
	close_json_array();
	json_end();
	return ret;
}

/* Prometheus */

/*
 * Append name="value" to the @n bytes of labels in @buf, escaping
 * backslash, double quote and newline as the format requires.  The labels
 * of an object (a gateway name of less than NATGW_NAME_MAX bytes, an
 * address, a kind, an id) always fit in sample_set.labels.
 */
static size_t put_label(char *buf, size_t len, size_t n, const char *name,
			const char *value)
{
	n += (size_t)snprintf(buf + n, len - n, "%s%s=\"", n ? "," : "", name);
	for (; *value && n + 4 < len; value++) {
		if (*value == '\\' || *value == '"' || *value == '\n')
			buf[n++] = '\\';
		buf[n++] = *value == '\n' ? 'n' : *value;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return n;
}

static int add_set(struct prom *p, enum scope scope, const char *gw,
		   const char *name, const char *value, const char *name2,
		   const char *value2, const struct nlattr *stats)
{
	struct sample_set *sets, *s;
	size_t n;

	if (!stats)
		return NATCTL_OK;
	sets = realloc(p->sets[scope], (p->n[scope] + 1) * sizeof(*sets));
	if (!sets)
		return nerr("out of memory");
	p->sets[scope] = sets;
	s = &sets[p->n[scope]];
	if (nl_parse_stats(stats, s->st))
		return nerr("malformed statistics from the kernel");
	n = put_label(s->labels, sizeof(s->labels), 0, "gateway", gw);
	if (name)
		n = put_label(s->labels, sizeof(s->labels), n, name, value);
	if (name2)
		put_label(s->labels, sizeof(s->labels), n, name2, value2);
	p->n[scope]++;
	return NATCTL_OK;
}

static int add_items(struct prom *p, const char *gw, const struct nlattr *list,
		     const char *kind)
{
	const struct nlattr *tb[NATGW_A_MAX + 1], *item;
	char buf[IPV4_STRLEN];	/* also holds a u32 in decimal */
	int err = NATCTL_OK;

	if (!list)
		return NATCTL_OK;
	mnl_attr_for_each_nested(item, list) {
		if (nl_parse_nest(item, tb))
			return nerr("malformed statistics from the kernel");
		if (!kind && tb[NATGW_A_EIP_ADDR])
			err = add_set(p, SCOPE_EIP, gw, "eip",
				      format_ipv4(mnl_attr_get_u32(tb[NATGW_A_EIP_ADDR]), buf),
				      NULL, NULL, tb[NATGW_A_STATS]);
		else if (kind && tb[NATGW_A_ENTRY_ID]) {
			snprintf(buf, sizeof(buf), "%u",
				 mnl_attr_get_u32(tb[NATGW_A_ENTRY_ID]));
			err = add_set(p, SCOPE_ENTRY, gw, "kind", kind, "entry",
				      buf, tb[NATGW_A_STATS]);
		}
		if (err)
			return err;
	}
	return NATCTL_OK;
}

static int prom_collect(struct prom *p, const struct nl_msgs *msgs)
{
	const struct nlattr *tb[NATGW_A_MAX + 1];
	const char *gw;
	size_t i;
	int err;

	for (i = 0; i < msgs->n; i++) {
		if (nl_parse(msgs->msg[i], tb))
			return nerr("malformed statistics from the kernel");
		if (!tb[NATGW_A_GW_NAME])
			continue;
		gw = mnl_attr_get_str(tb[NATGW_A_GW_NAME]);
		err = add_set(p, SCOPE_GATEWAY, gw, NULL, NULL, NULL, NULL,
			      tb[NATGW_A_STATS]) ?:
		      add_items(p, gw, tb[NATGW_A_EIP_STATS_LIST], NULL) ?:
		      add_items(p, gw, tb[NATGW_A_SNAT_STATS_LIST], "snat") ?:
		      add_items(p, gw, tb[NATGW_A_DNAT_STATS_LIST], "dnat");
		if (err)
			return err;
	}
	return NATCTL_OK;
}

/* A family's HELP and TYPE, then its samples over all objects of @scope. */
static void prom_family(const struct prom *p, enum scope scope,
			const struct family *f)
{
	const struct sample_set *s;
	size_t i, j;

	printf("# HELP %s%s %s, %s.\n", scopes[scope].prefix, f->name,
	       f->help, scopes[scope].what);
	printf("# TYPE %s%s %s\n", scopes[scope].prefix, f->name, f->type);
	for (i = 0; i < p->n[scope]; i++) {
		s = &p->sets[scope][i];
		for (j = 0; j < N_COUNTERS; j++) {
			if (strcmp(counters[j].metric, f->name) ||
			    !s->st[counters[j].attr])
				continue;
			printf("%s%s{%s%s%s} %llu\n", scopes[scope].prefix,
			       f->name, s->labels, counters[j].label ? "," : "",
			       counters[j].label ? counters[j].label : "",
			       (unsigned long long)mnl_attr_get_u64(s->st[counters[j].attr]));
		}
	}
}

/*
 * The samples of one family must be contiguous, so the whole dump is read
 * first and then printed family by family.
 */
static int stats_prometheus(struct nl *nl, struct nlmsghdr *nlh)
{
	struct nl_msgs msgs = { 0 };
	struct prom p = { 0 };
	size_t scope, i;
	int ret;

	ret = nl_collect(nl, nlh, &msgs) ?: prom_collect(&p, &msgs);
	if (!ret)
		for (scope = 0; scope < N_SCOPES; scope++)
			for (i = 0; i < N_FAMILIES; i++)
				prom_family(&p, scope, &families[i]);
	for (scope = 0; scope < N_SCOPES; scope++)
		free(p.sets[scope]);
	nl_msgs_free(&msgs);
	return ret;
}

static int do_stats(int argc, char **argv)
{
	bool json = false, prometheus = false, was;
	const char *gw = NULL;
	struct nlmsghdr *nlh;
	struct nl *nl;
	int ret;

	if (argc && argv[0][0] != '-') {
		if (check_gw_name(*argv))
			return NATCTL_ERR;
		gw = *argv;
		argc--;
		argv++;
	}
	for (; argc > 0; argc--, argv++) {
		if (matches(*argv, "-j") && !json)
			json = true;
		else if (matches(*argv, "--prometheus") && !prometheus)
			prometheus = true;
		else
			return usage_error(&stats_object, "unexpected \"%s\"", *argv);
	}
	if (prometheus && (json || is_json()))
		return usage_error(&stats_object, "--prometheus and -j exclude each other");

	nl = natctl_nl();
	if (!nl)
		return NATCTL_ERR;
	nlh = nl_msg(nl, NATGW_CMD_STATS_GET, NLM_F_DUMP);
	if (gw)
		mnl_attr_put_strz(nlh, NATGW_A_GW_NAME, gw);
	if (prometheus)
		return stats_prometheus(nl, nlh);
	was = set_json(json || is_json());
	ret = stats_show(nl, nlh);
	set_json(was);
	return ret;
}

const struct object stats_object = {
	.name = "stats",
	.usage = stats_usage,
	.run = do_stats,
};
