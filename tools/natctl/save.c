// SPDX-License-Identifier: GPL-2.0
/*
 * natctl save: print the namespace's configuration as a batch file that
 * "natctl -f FILE" applies to an empty namespace to rebuild it.
 *
 * Everything is read before anything is printed, so a configuration that
 * cannot be saved (a gateway whose device is gone) prints nothing rather
 * than half a file.
 */
#include <stdio.h>
#include <stdlib.h>

#include "natctl.h"
#include "nl.h"
#include "print.h"
#include "utils.h"

static const char save_usage[] =
"Usage: natctl save\n";

/* Room for a quoted description: each byte escaped, two quotes, a NUL. */
#define WORD_MAX	(2 * NATGW_DESCR_MAX + 3)

struct config {
	struct nl_msgs gws;
	struct nl_msgs eips;
	struct nl_msgs snat;
	struct nl_msgs dnat;
	struct nl_msgs timeouts;
};

/* An entry of a gateway, to be written in id order. */
struct entry {
	uint32_t id;
	const struct nlmsghdr *nlh;
};

static int dump(struct nl *nl, uint8_t cmd, uint16_t flags,
		struct nl_msgs *msgs)
{
	return nl_collect(nl, nl_msg(nl, cmd, flags), msgs);
}

static int read_config(struct nl *nl, struct config *c)
{
	return dump(nl, NATGW_CMD_TIMEOUT_GET, NLM_F_ACK, &c->timeouts) ?:
	       dump(nl, NATGW_CMD_GW_GET, NLM_F_DUMP, &c->gws) ?:
	       dump(nl, NATGW_CMD_EIP_GET, NLM_F_DUMP, &c->eips) ?:
	       dump(nl, NATGW_CMD_SNAT_GET, NLM_F_DUMP, &c->snat) ?:
	       dump(nl, NATGW_CMD_DNAT_GET, NLM_F_DUMP, &c->dnat);
}

static void free_config(struct config *c)
{
	nl_msgs_free(&c->gws);
	nl_msgs_free(&c->eips);
	nl_msgs_free(&c->snat);
	nl_msgs_free(&c->dnat);
	nl_msgs_free(&c->timeouts);
}

static const char *str(const struct nlattr *attr)
{
	return attr ? mnl_attr_get_str(attr) : "";
}

static bool attr_is(const struct nlattr *attr, const char *s)
{
	return attr && !strcmp(mnl_attr_get_str(attr), s);
}

/* A gateway can be saved when it has what "gateway add" needs. */
static int check_gateway(const struct nlattr **tb)
{
	char word[WORD_MAX];
	const char *name = str(tb[NATGW_A_GW_NAME]);

	if (!tb[NATGW_A_GW_NAME] || !tb[NATGW_A_GW_VPC_ADDR] ||
	    !tb[NATGW_A_GW_VPC_PLEN])
		return nerr("the kernel described a gateway incompletely");
	if (!tb[NATGW_A_GW_IFNAME])
		return nerr("gateway \"%s\" has no device (it was deleted): attach one with \"natctl gateway set %s dev IFNAME\" before saving",
			    name, name);
	if (tb[NATGW_A_GW_DESCR] &&
	    quote_word(str(tb[NATGW_A_GW_DESCR]), word, sizeof(word)))
		return nerr("the description of gateway \"%s\" has control characters, which a batch file cannot hold",
			    name);
	return NATCTL_OK;
}

static bool snat_complete(const struct nlattr **tb)
{
	return tb[NATGW_A_GW_NAME] && tb[NATGW_A_ENTRY_ID] &&
	       tb[NATGW_A_EIP_LIST] &&
	       (tb[NATGW_A_SNAT_SRC_VPC] ||
		(tb[NATGW_A_SNAT_SRC_ADDR] && tb[NATGW_A_SNAT_SRC_PLEN]));
}

static bool dnat_complete(const struct nlattr **tb)
{
	if (!tb[NATGW_A_GW_NAME] || !tb[NATGW_A_ENTRY_ID] ||
	    !tb[NATGW_A_EIP_ADDR] || !tb[NATGW_A_DNAT_PRIV_ADDR])
		return false;
	if (!tb[NATGW_A_DNAT_PROTO])
		return true;
	return proto_name(mnl_attr_get_u8(tb[NATGW_A_DNAT_PROTO])) &&
	       tb[NATGW_A_DNAT_PUB_PORT_MIN] && tb[NATGW_A_DNAT_PRIV_PORT_MIN];
}

static bool eip_complete(const struct nlattr **tb)
{
	return tb[NATGW_A_GW_NAME] && tb[NATGW_A_EIP_ADDR];
}

/* Every message parses and has what its natctl command needs. */
static int check_msgs(const struct nl_msgs *msgs, const char *what,
		      bool (*complete)(const struct nlattr **tb))
{
	const struct nlattr *tb[NATGW_A_MAX + 1];
	size_t i;

	for (i = 0; i < msgs->n; i++)
		if (nl_parse(msgs->msg[i], tb) || !complete(tb))
			return nerr("the kernel described %s incompletely",
				    what);
	return NATCTL_OK;
}

static int check_config(const struct config *c)
{
	const struct nlattr *tb[NATGW_A_MAX + 1];
	size_t i;

	for (i = 0; i < c->gws.n; i++)
		if (nl_parse(c->gws.msg[i], tb) || check_gateway(tb))
			return NATCTL_ERR;
	return check_msgs(&c->eips, "an EIP", eip_complete) ?:
	       check_msgs(&c->snat, "an SNAT entry", snat_complete) ?:
	       check_msgs(&c->dnat, "a DNAT entry", dnat_complete);
}

static const char *quoted(const struct nlattr *attr, char *buf)
{
	quote_word(str(attr), buf, WORD_MAX);
	return buf;
}

static const char *on_off(const struct nlattr *attr)
{
	return mnl_attr_get_u8(attr) ? "on" : "off";
}

static void save_gateway(FILE *out, const struct nlattr **tb, const char *name)
{
	char dev[WORD_MAX], descr[WORD_MAX], buf[CIDR_STRLEN];

	fprintf(out, "gateway add %s dev %s vpc %s", name,
		quoted(tb[NATGW_A_GW_IFNAME], dev),
		format_cidr(mnl_attr_get_u32(tb[NATGW_A_GW_VPC_ADDR]),
			    mnl_attr_get_u8(tb[NATGW_A_GW_VPC_PLEN]), buf));
	if (tb[NATGW_A_GW_SNAT_PORT_MIN] && tb[NATGW_A_GW_SNAT_PORT_MAX])
		fprintf(out, " snat-ports %s",
			format_port_range(mnl_attr_get_u16(tb[NATGW_A_GW_SNAT_PORT_MIN]),
					 mnl_attr_get_u16(tb[NATGW_A_GW_SNAT_PORT_MAX]),
					 '-', buf));
	if (tb[NATGW_A_GW_PROTECT])
		fprintf(out, " deletion-protection %s", on_off(tb[NATGW_A_GW_PROTECT]));
	if (tb[NATGW_A_GW_DESCR] && *str(tb[NATGW_A_GW_DESCR]))
		fprintf(out, " description %s", quoted(tb[NATGW_A_GW_DESCR], descr));
	fputc('\n', out);
	/* Not part of add's grammar: written out even when at the default. */
	if (tb[NATGW_A_GW_ICMP_REPLY] || tb[NATGW_A_GW_EIP_ARP]) {
		fprintf(out, "gateway set %s", name);
		if (tb[NATGW_A_GW_ICMP_REPLY])
			fprintf(out, " icmp-reply %s", on_off(tb[NATGW_A_GW_ICMP_REPLY]));
		if (tb[NATGW_A_GW_EIP_ARP])
			fprintf(out, " eip-arp %s", on_off(tb[NATGW_A_GW_EIP_ARP]));
		fputc('\n', out);
	}
}

static void save_eips(FILE *out, const struct config *c, const char *gw,
		      const char *name)
{
	const struct nlattr *tb[NATGW_A_MAX + 1];
	char buf[IPV4_STRLEN];
	size_t i;

	for (i = 0; i < c->eips.n; i++) {
		nl_parse(c->eips.msg[i], tb);
		if (!attr_is(tb[NATGW_A_GW_NAME], gw))
			continue;
		fprintf(out, "eip add %s %s\n", name,
			format_ipv4(mnl_attr_get_u32(tb[NATGW_A_EIP_ADDR]), buf));
	}
}

static void save_snat(FILE *out, const struct nlattr **tb, const char *name)
{
	char buf[CIDR_STRLEN];
	const struct nlattr *a;
	const char *sep = " eip ";

	fprintf(out, "snat add %s id %u source ", name,
		mnl_attr_get_u32(tb[NATGW_A_ENTRY_ID]));
	if (tb[NATGW_A_SNAT_SRC_VPC])
		fputs("vpc", out);
	else
		fputs(format_cidr(mnl_attr_get_u32(tb[NATGW_A_SNAT_SRC_ADDR]),
				  mnl_attr_get_u8(tb[NATGW_A_SNAT_SRC_PLEN]), buf),
		      out);
	mnl_attr_for_each_nested(a, tb[NATGW_A_EIP_LIST]) {
		if (mnl_attr_get_type(a) != NATGW_A_EIP_ADDR ||
		    mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			continue;
		fprintf(out, "%s%s", sep, format_ipv4(mnl_attr_get_u32(a), buf));
		sep = ",";
	}
	if (tb[NATGW_A_SNAT_AFFINITY])
		fprintf(out, " affinity %s", on_off(tb[NATGW_A_SNAT_AFFINITY]));
	fputc('\n', out);
}

static void save_dnat(FILE *out, const struct nlattr **tb, const char *name)
{
	char buf[IPV4_STRLEN], ports[PORT_RANGE_STRLEN];
	const char *proto = NULL;

	fprintf(out, "dnat add %s id %u eip %s", name,
		mnl_attr_get_u32(tb[NATGW_A_ENTRY_ID]),
		format_ipv4(mnl_attr_get_u32(tb[NATGW_A_EIP_ADDR]), buf));
	if (tb[NATGW_A_DNAT_PROTO])
		proto = proto_name(mnl_attr_get_u8(tb[NATGW_A_DNAT_PROTO]));
	if (proto) {
		fprintf(out, " proto %s port %s", proto,
			format_port_range(mnl_attr_get_u16(tb[NATGW_A_DNAT_PUB_PORT_MIN]),
					 tb[NATGW_A_DNAT_PUB_PORT_MAX] ?
					 mnl_attr_get_u16(tb[NATGW_A_DNAT_PUB_PORT_MAX]) :
					 mnl_attr_get_u16(tb[NATGW_A_DNAT_PUB_PORT_MIN]),
					 '/', ports));
		fprintf(out, " to %s",
			format_ipv4(mnl_attr_get_u32(tb[NATGW_A_DNAT_PRIV_ADDR]), buf));
		fprintf(out, " port %s",
			format_port_range(mnl_attr_get_u16(tb[NATGW_A_DNAT_PRIV_PORT_MIN]),
					 tb[NATGW_A_DNAT_PRIV_PORT_MAX] ?
					 mnl_attr_get_u16(tb[NATGW_A_DNAT_PRIV_PORT_MAX]) :
					 mnl_attr_get_u16(tb[NATGW_A_DNAT_PRIV_PORT_MIN]),
					 '/', ports));
		if (nl_get_bool(tb[NATGW_A_DNAT_PORT_OVERRIDE]))
			fputs(" port-override", out);
	} else {
		fprintf(out, " to %s",
			format_ipv4(mnl_attr_get_u32(tb[NATGW_A_DNAT_PRIV_ADDR]), buf));
	}
	fputc('\n', out);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The SNAT or DNAT entries of gateway @gw in id order, each with its id
 * ("snat add GW id N ..."), so that applying the file gives every entry
 * its id back, gaps left by deleted entries included.
 */
static int save_entries(FILE *out, const struct nl_msgs *msgs, const char *gw,
			const char *name,
			void (*save)(FILE *out, const struct nlattr **tb,
				     const char *name))
{
	const struct nlattr *tb[NATGW_A_MAX + 1];
	struct entry *e;
	size_t i, n = 0;

	e = calloc(msgs->n ? msgs->n : 1, sizeof(*e));
	if (!e)
		return nerr("out of memory");
	for (i = 0; i < msgs->n; i++) {
		nl_parse(msgs->msg[i], tb);
		if (!attr_is(tb[NATGW_A_GW_NAME], gw))
			continue;
		e[n].id = mnl_attr_get_u32(tb[NATGW_A_ENTRY_ID]);
		e[n++].nlh = msgs->msg[i];
	}
	qsort(e, n, sizeof(*e), cmp_entry);
	for (i = 0; i < n; i++) {
		nl_parse(e[i].nlh, tb);
		save(out, tb, name);
	}
	free(e);
	return NATCTL_OK;
}

static int save_config(FILE *out, const struct config *c)
{
	const struct nlattr *tb[NATGW_A_MAX + 1];
	char name[WORD_MAX];
	const char *gw;
	size_t i;
	int err;

	fprintf(out, "# natgw configuration written by natctl save; apply with natctl -f FILE\n");
	if (c->timeouts.n && !nl_parse(c->timeouts.msg[0], tb))
		timeout_save(out, tb);
	for (i = 0; i < c->gws.n; i++) {
		nl_parse(c->gws.msg[i], tb);
		gw = str(tb[NATGW_A_GW_NAME]);
		quote_word(gw, name, sizeof(name));
		save_gateway(out, tb, name);
		save_eips(out, c, gw, name);
		err = save_entries(out, &c->snat, gw, name, save_snat) ?:
		      save_entries(out, &c->dnat, gw, name, save_dnat);
		if (err)
			return err;
	}
	return NATCTL_OK;
}

/*
 * Write the running configuration to @out as natctl save prints it; apply
 * and batch files (natctl -f) read it back as the state to return to.
 */
int natctl_save(FILE *out)
{
	struct config c = { 0 };
	struct nl *nl;
	int ret;

	nl = natctl_nl();
	if (!nl)
		return NATCTL_ERR;
	ret = read_config(nl, &c) ?: check_config(&c) ?: save_config(out, &c);
	free_config(&c);
	return ret;
}

static int do_save(int argc, char **argv)
{
	if (argc)
		return usage_error(&save_object, "unexpected \"%s\"", *argv);
	if (is_json())
		return usage_error(&save_object, "save writes a batch file, not JSON");
	return natctl_save(stdout);
}

const struct object save_object = {
	.name = "save",
	.usage = save_usage,
	.run = do_save,
};
