// SPDX-License-Identifier: GPL-2.0
/*
 * natctl gateway: create, change, delete and list NAT gateways.
 */
#include <net/if.h>
#include <stdio.h>

#include "natctl.h"
#include "nl.h"
#include "print.h"
#include "utils.h"

static const char gateway_usage[] =
"Usage: natctl gateway add NAME dev IFNAME vpc CIDR [snat-ports LO-HI] [max-sessions N] [deletion-protection on|off] [description TEXT]\n"
"       natctl gateway set NAME [dev IFNAME] [icmp-reply on|off] [eip-arp on|off] [max-sessions N] [deletion-protection on|off] [description TEXT]\n"
"       natctl gateway del NAME [force]\n"
"       natctl gateway show [NAME]\n"
"N := 0 (the default: no limit but the namespace's) to 4294967295\n";

/*
 * Words that may follow an optional gateway name (session and stats
 * filters, help), so a gateway may not be called that.
 */
static const char *const reserved_names[] = {
	"help", "proto", "src", "dst", "eip", "port", NULL
};

/* Keywords of add and set, as bits of gw_opts.seen. */
enum {
	GW_DEV		= 1 << 0,
	GW_VPC		= 1 << 1,
	GW_PORTS	= 1 << 2,
	GW_PROTECT	= 1 << 3,
	GW_DESCR	= 1 << 4,
	GW_ICMP		= 1 << 5,
	GW_ARP		= 1 << 6,
	GW_MAXSESS	= 1 << 7,
};

struct gw_opts {
	unsigned int seen;
	uint32_t ifindex;
	struct cidr vpc;
	struct port_range ports;
	bool protect;
	bool icmp_reply;
	bool eip_arp;
	uint32_t max_sessions;
	const char *descr;
};

static int parse_on_off_arg(const char *kw, const char *word, bool *on)
{
	if (parse_on_off(word, on))
		return nerr("invalid %s \"%s\": expected on or off", kw, word);
	return NATCTL_OK;
}

static int parse_dev(const char *word, uint32_t *ifindex)
{
	*ifindex = if_nametoindex(word);
	if (!*ifindex)
		return nerr("unknown device \"%s\"", word);
	return NATCTL_OK;
}

static int parse_vpc(const char *word, struct cidr *vpc)
{
	int err = parse_cidr(word, vpc);

	return err ? bad_arg("CIDR", word, err) : NATCTL_OK;
}

static int parse_snat_ports(const char *word, struct port_range *ports)
{
	int err = parse_port_range(word, '-', false, ports);

	return err ? bad_arg("port range LO-HI", word, err) : NATCTL_OK;
}

static int parse_descr(const char *word)
{
	if (check_text(word))
		return nerr("invalid description: %s",
			    parse_strerror(PARSE_CONTROL));
	if (strlen(word) >= NATGW_DESCR_MAX)
		return nerr("invalid description: it has more than %d bytes",
			    NATGW_DESCR_MAX - 1);
	return NATCTL_OK;
}

/* The keywords of add or set (@allowed), in any order, each at most once. */
static int parse_opts(int argc, char **argv, unsigned int allowed,
		      struct gw_opts *o)
{
	const struct object *obj = &gateway_object;
	int err;

	for (; argc > 0; argc--, argv++) {
		if ((allowed & GW_DEV) && matches(*argv, "dev")) {
			ONCE(obj, o->seen, GW_DEV);
			NEXT_ARG(obj);
			err = parse_dev(*argv, &o->ifindex);
		} else if ((allowed & GW_VPC) && matches(*argv, "vpc")) {
			ONCE(obj, o->seen, GW_VPC);
			NEXT_ARG(obj);
			err = parse_vpc(*argv, &o->vpc);
		} else if ((allowed & GW_PORTS) && matches(*argv, "snat-ports")) {
			ONCE(obj, o->seen, GW_PORTS);
			NEXT_ARG(obj);
			err = parse_snat_ports(*argv, &o->ports);
		} else if (matches(*argv, "deletion-protection")) {
			ONCE(obj, o->seen, GW_PROTECT);
			NEXT_ARG(obj);
			err = parse_on_off_arg("deletion-protection", *argv,
					       &o->protect);
		} else if ((allowed & GW_ICMP) && matches(*argv, "icmp-reply")) {
			ONCE(obj, o->seen, GW_ICMP);
			NEXT_ARG(obj);
			err = parse_on_off_arg("icmp-reply", *argv, &o->icmp_reply);
		} else if ((allowed & GW_ARP) && matches(*argv, "eip-arp")) {
			ONCE(obj, o->seen, GW_ARP);
			NEXT_ARG(obj);
			err = parse_on_off_arg("eip-arp", *argv, &o->eip_arp);
		} else if ((allowed & GW_MAXSESS) &&
			   matches(*argv, "max-sessions")) {
			ONCE(obj, o->seen, GW_MAXSESS);
			NEXT_ARG(obj);
			err = parse_uint(*argv, 0, UINT32_MAX, &o->max_sessions) ?
			      nerr("invalid max-sessions \"%s\": expected 0 to %u",
				   *argv, UINT32_MAX) : NATCTL_OK;
		} else if (matches(*argv, "description")) {
			ONCE(obj, o->seen, GW_DESCR);
			NEXT_ARG(obj);
			o->descr = *argv;
			err = parse_descr(*argv);
		} else {
			return usage_error(obj, "unexpected \"%s\"", *argv);
		}
		if (err)
			return err;
	}
	return NATCTL_OK;
}

static void put_opts(struct nlmsghdr *nlh, const struct gw_opts *o)
{
	if (o->seen & GW_DEV)
		mnl_attr_put_u32(nlh, NATGW_A_GW_IFINDEX, o->ifindex);
	if (o->seen & GW_VPC) {
		mnl_attr_put_u32(nlh, NATGW_A_GW_VPC_ADDR, o->vpc.addr);
		mnl_attr_put_u8(nlh, NATGW_A_GW_VPC_PLEN, o->vpc.plen);
	}
	if (o->seen & GW_PORTS) {
		mnl_attr_put_u16(nlh, NATGW_A_GW_SNAT_PORT_MIN, o->ports.lo);
		mnl_attr_put_u16(nlh, NATGW_A_GW_SNAT_PORT_MAX, o->ports.hi);
	}
	if (o->seen & GW_PROTECT)
		mnl_attr_put_u8(nlh, NATGW_A_GW_PROTECT, o->protect);
	if (o->seen & GW_ICMP)
		mnl_attr_put_u8(nlh, NATGW_A_GW_ICMP_REPLY, o->icmp_reply);
	if (o->seen & GW_ARP)
		mnl_attr_put_u8(nlh, NATGW_A_GW_EIP_ARP, o->eip_arp);
	if (o->seen & GW_MAXSESS)
		mnl_attr_put_u32(nlh, NATGW_A_GW_MAX_SESSIONS, o->max_sessions);
	if (o->seen & GW_DESCR)
		mnl_attr_put_strz(nlh, NATGW_A_GW_DESCR, o->descr);
}

static const char *state_name(uint8_t state)
{
	switch (state) {
	case NATGW_GW_STATE_UP:
		return "up";
	case NATGW_GW_STATE_DOWN:
		return "down";
	}
	return "unknown";
}

/* The fields of a gateway; those the message lacks are left out. */
void gateway_print(const struct nlattr **tb)
{
	char buf[CIDR_STRLEN];

	if (tb[NATGW_A_GW_NAME])
		print_string(PRINT_ANY, "name", "%s",
			     mnl_attr_get_str(tb[NATGW_A_GW_NAME]));
	if (tb[NATGW_A_GW_ID])
		print_uint(PRINT_JSON, "id", NULL,
			   mnl_attr_get_u32(tb[NATGW_A_GW_ID]));
	if (tb[NATGW_A_GW_IFNAME])
		print_string(PRINT_ANY, "dev", " dev %s",
			     mnl_attr_get_str(tb[NATGW_A_GW_IFNAME]));
	if (tb[NATGW_A_GW_IFINDEX])
		print_uint(PRINT_JSON, "ifindex", NULL,
			   mnl_attr_get_u32(tb[NATGW_A_GW_IFINDEX]));
	if (tb[NATGW_A_GW_VPC_ADDR] && tb[NATGW_A_GW_VPC_PLEN])
		print_string(PRINT_ANY, "vpc", " vpc %s",
			     format_cidr(mnl_attr_get_u32(tb[NATGW_A_GW_VPC_ADDR]),
					 mnl_attr_get_u8(tb[NATGW_A_GW_VPC_PLEN]),
					 buf));
	if (tb[NATGW_A_GW_SNAT_PORT_MIN] && tb[NATGW_A_GW_SNAT_PORT_MAX])
		print_string(PRINT_ANY, "snat_ports", " snat-ports %s",
			     format_port_range(mnl_attr_get_u16(tb[NATGW_A_GW_SNAT_PORT_MIN]),
					       mnl_attr_get_u16(tb[NATGW_A_GW_SNAT_PORT_MAX]),
					       '-', buf));
	if (tb[NATGW_A_GW_STATE])
		print_string(PRINT_ANY, "state", " state %s",
			     state_name(mnl_attr_get_u8(tb[NATGW_A_GW_STATE])));
	if (tb[NATGW_A_GW_ICMP_REPLY])
		print_on_off(PRINT_ANY, "icmp_reply", " icmp-reply %s",
			     mnl_attr_get_u8(tb[NATGW_A_GW_ICMP_REPLY]));
	if (tb[NATGW_A_GW_EIP_ARP])
		print_on_off(PRINT_ANY, "eip_arp", " eip-arp %s",
			     mnl_attr_get_u8(tb[NATGW_A_GW_EIP_ARP]));
	/* 0 is no limit of the gateway's own: JSON says so, text omits it */
	if (tb[NATGW_A_GW_MAX_SESSIONS]) {
		uint32_t max = mnl_attr_get_u32(tb[NATGW_A_GW_MAX_SESSIONS]);

		print_uint(max ? PRINT_ANY : PRINT_JSON, "max_sessions",
			   " max-sessions %u", max);
	}
	if (tb[NATGW_A_GW_PROTECT])
		print_on_off(PRINT_ANY, "deletion_protection",
			     " deletion-protection %s",
			     mnl_attr_get_u8(tb[NATGW_A_GW_PROTECT]));
	if (tb[NATGW_A_GW_DESCR] && *mnl_attr_get_str(tb[NATGW_A_GW_DESCR]))
		print_quoted(PRINT_ANY, "description", " description %s",
			     mnl_attr_get_str(tb[NATGW_A_GW_DESCR]));
}

/*
 * The reply to add (and to set, if the kernel sends one) is the gateway,
 * which JSON prints as the command's result.
 */
static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NATGW_A_MAX + 1];
	bool *printed = data;

	if (nl_parse(nlh, tb))
		return MNL_CB_ERROR;
	if (is_json() && !*printed) {
		json_begin(false);
		gateway_print(tb);
	}
	*printed = true;
	return MNL_CB_OK;
}

/*
 * Send add or set (@cmd) of gateway @name with the keywords in @o.  JSON
 * prints the gateway the kernel answers with, or else {"name": NAME}.
 */
static int send_change(uint8_t cmd, const char *name, const struct gw_opts *o)
{
	struct nlmsghdr *nlh;
	bool printed = false;
	struct nl *nl;
	int ret;

	nl = natctl_nl();
	if (!nl)
		return NATCTL_ERR;
	nlh = nl_msg(nl, cmd, NLM_F_ACK);
	mnl_attr_put_strz(nlh, NATGW_A_GW_NAME, name);
	put_opts(nlh, o);
	/* the document opens with the answer: a refusal prints nothing */
	ret = nl_talk(nl, nlh, reply_cb, &printed);
	if (!ret && !printed) {
		json_begin(false);
		print_string(PRINT_JSON, "name", NULL, name);
	}
	json_end();
	return ret;
}

/* The NAME that add, set and del start with. */
static int check_name(int argc, char **argv)
{
	if (argc < 1)
		return usage_error(&gateway_object, "missing NAME");
	if (check_gw_name(argv[0]))
		return NATCTL_ERR;
	return NATCTL_OK;
}

static int gateway_add(int argc, char **argv)
{
	struct gw_opts o = { 0 };
	int err;

	err = check_name(argc, argv);
	if (err)
		return err;
	if (argv[0][0] == '-' || is_keyword(argv[0], reserved_names))
		return nerr("invalid gateway name \"%s\": it is a natctl keyword",
			    argv[0]);
	err = parse_opts(argc - 1, argv + 1,
			 GW_DEV | GW_VPC | GW_PORTS | GW_MAXSESS | GW_PROTECT |
			 GW_DESCR, &o);
	if (err)
		return err;
	if (!(o.seen & GW_DEV))
		return usage_error(&gateway_object, "missing \"dev IFNAME\"");
	if (!(o.seen & GW_VPC))
		return usage_error(&gateway_object, "missing \"vpc CIDR\"");

	return send_change(NATGW_CMD_GW_NEW, argv[0], &o);
}

static int gateway_set(int argc, char **argv)
{
	struct gw_opts o = { 0 };
	int err;

	err = check_name(argc, argv);
	if (err)
		return err;
	err = parse_opts(argc - 1, argv + 1,
			 GW_DEV | GW_ICMP | GW_ARP | GW_MAXSESS | GW_PROTECT |
			 GW_DESCR, &o);
	if (err)
		return err;
	if (!o.seen)
		return usage_error(&gateway_object, "nothing to set");

	return send_change(NATGW_CMD_GW_SET, argv[0], &o);
}

static int gateway_del(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	bool force = false;
	struct nl *nl;
	int err;

	err = check_name(argc, argv);
	if (err)
		return err;
	if (argc > 1) {
		if (!matches(argv[1], "force"))
			return usage_error(&gateway_object, "unexpected \"%s\"",
					   argv[1]);
		force = true;
	}
	if (argc > 2)
		return usage_error(&gateway_object, "unexpected \"%s\"", argv[2]);

	nl = natctl_nl();
	if (!nl)
		return NATCTL_ERR;
	nlh = nl_msg(nl, NATGW_CMD_GW_DEL, NLM_F_ACK);
	mnl_attr_put_strz(nlh, NATGW_A_GW_NAME, argv[0]);
	if (force)
		mnl_attr_put(nlh, NATGW_A_FORCE, 0, NULL);
	return nl_talk(nl, nlh, NULL, NULL);
}

static int gateway_show(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct nl *nl;

	if (argc > 1)
		return usage_error(&gateway_object, "unexpected \"%s\"", argv[1]);
	if (argc && check_gw_name(argv[0]))
		return NATCTL_ERR;

	nl = natctl_nl();
	if (!nl)
		return NATCTL_ERR;
	if (argc) {
		nlh = nl_msg(nl, NATGW_CMD_GW_GET, NLM_F_ACK);
		mnl_attr_put_strz(nlh, NATGW_A_GW_NAME, argv[0]);
	} else {
		nlh = nl_msg(nl, NATGW_CMD_GW_GET, NLM_F_DUMP);
	}
	return show_objects(nl, nlh, gateway_print);
}

static int do_gateway(int argc, char **argv)
{
	if (argc < 1 || matches(*argv, "show"))
		return gateway_show(argc - !!argc, argv + !!argc);
	if (matches(*argv, "add"))
		return gateway_add(argc - 1, argv + 1);
	if (matches(*argv, "set"))
		return gateway_set(argc - 1, argv + 1);
	if (matches(*argv, "del"))
		return gateway_del(argc - 1, argv + 1);
	return usage_error(&gateway_object, "unknown verb \"%s\"", *argv);
}

const struct object gateway_object = {
	.name = "gateway",
	.usage = gateway_usage,
	.run = do_gateway,
};
