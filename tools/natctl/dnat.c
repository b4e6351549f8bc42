// SPDX-License-Identifier: GPL-2.0
/*
 * natctl dnat: DNAT entries, which publish a private host through an EIP,
 * whole (IP mapping) or for a protocol and port range (port mapping).
 */
#include <netinet/in.h>

#include "natctl.h"
#include "nl.h"
#include "print.h"
#include "utils.h"

static const char dnat_usage[] =
"Usage: natctl dnat add GW [id N] eip ADDR to PRIVATE\n"
"       natctl dnat add GW [id N] eip ADDR proto tcp|udp port P[/Q] to PRIVATE port P[/Q] [port-override]\n"
"       natctl dnat set GW id N [to PRIVATE] [port P[/Q]] [port-override]\n"
"       natctl dnat del GW id N\n"
"       natctl dnat show [GW]\n"
"In set, the first \"port\" is the public port(s); a second \"port\", after\n"
"\"to PRIVATE\", is the private port(s).\n";

enum {
	DNAT_EIP	= 1 << 0,
	DNAT_TO		= 1 << 1,
	DNAT_PUB	= 1 << 2,
	DNAT_PRIV	= 1 << 3,
	DNAT_PROTO	= 1 << 4,
	DNAT_OVERRIDE	= 1 << 5,
};

struct dnat_opts {
	unsigned int seen;
	uint32_t eip;
	uint32_t priv;
	uint8_t proto;
	struct port_range pub_ports;
	struct port_range priv_ports;
};

/*
 * The next word must be the keyword @kw, and a value must follow it.
 * Returns an exit status; on success *@argv points at the value.
 */
static int expect(const char *kw, int *argc, char ***argv)
{
	if (*argc < 1)
		return usage_error(&dnat_object, "missing \"%s\"", kw);
	if (!matches(**argv, kw))
		return usage_error(&dnat_object, "expected \"%s\", not \"%s\"",
				   kw, **argv);
	if (*argc < 2)
		return usage_error(&dnat_object, "missing value after \"%s\"",
				   kw);
	(*argc)--;
	(*argv)++;
	return NATCTL_OK;
}

/* Each expect() leaves the cursor on a value; this steps past it. */
static void skip(int *argc, char ***argv)
{
	(*argc)--;
	(*argv)++;
}

static int parse_addr(const char *what, const char *word, uint32_t *addr)
{
	int err = parse_ipv4(word, addr);

	return err ? bad_arg(what, word, err) : NATCTL_OK;
}

static int parse_ports(const char *word, struct port_range *r)
{
	int err = parse_port_range(word, '/', true, r);

	return err ? bad_arg("port P[/Q]", word, err) : NATCTL_OK;
}

static int parse_proto(const char *word, uint8_t *proto)
{
	if (matches(word, "tcp"))
		*proto = IPPROTO_TCP;
	else if (matches(word, "udp"))
		*proto = IPPROTO_UDP;
	else
		return nerr("invalid protocol \"%s\": expected tcp or udp", word);
	return NATCTL_OK;
}

/* proto tcp|udp port P[/Q] to PRIVATE port P[/Q] [port-override] */
static int parse_port_mapping(int argc, char **argv, struct dnat_opts *o)
{
	int err;

	err = expect("proto", &argc, &argv) ?:
	      parse_proto(*argv, &o->proto);
	if (err)
		return err;
	skip(&argc, &argv);
	err = expect("port", &argc, &argv) ?:
	      parse_ports(*argv, &o->pub_ports);
	if (err)
		return err;
	skip(&argc, &argv);
	err = expect("to", &argc, &argv) ?:
	      parse_addr("private address", *argv, &o->priv);
	if (err)
		return err;
	skip(&argc, &argv);
	err = expect("port", &argc, &argv) ?:
	      parse_ports(*argv, &o->priv_ports);
	if (err)
		return err;
	skip(&argc, &argv);
	o->seen = DNAT_EIP | DNAT_PROTO | DNAT_PUB | DNAT_TO | DNAT_PRIV;
	if (argc && matches(*argv, "port-override")) {
		o->seen |= DNAT_OVERRIDE;
		skip(&argc, &argv);
	}
	if (argc)
		return usage_error(&dnat_object, "unexpected \"%s\"", *argv);
	return NATCTL_OK;
}

/* eip ADDR, then "to PRIVATE" (IP mapping) or a port mapping, in order. */
static int parse_add(int argc, char **argv, struct dnat_opts *o)
{
	int err;

	err = expect("eip", &argc, &argv) ?:
	      parse_addr("EIP", *argv, &o->eip);
	if (err)
		return err;
	skip(&argc, &argv);
	if (argc && matches(*argv, "to")) {
		err = expect("to", &argc, &argv) ?:
		      parse_addr("private address", *argv, &o->priv);
		if (err)
			return err;
		skip(&argc, &argv);
		if (argc)
			return usage_error(&dnat_object, "unexpected \"%s\"",
					   *argv);
		o->seen = DNAT_EIP | DNAT_TO;
		return NATCTL_OK;
	}
	if (!argc)
		return usage_error(&dnat_object, "missing \"to PRIVATE\" or \"proto\"");
	return parse_port_mapping(argc, argv, o);
}

/*
 * The words of set, in any order.  The first "port" is the public one; a
 * second "port" is the private one and must come after "to PRIVATE", as in
 * add, so "port 81 to 10.0.1.5 port 8081" reads the same in both verbs.
 */
static int parse_set(int argc, char **argv, struct dnat_opts *o)
{
	const struct object *obj = &dnat_object;
	int err;

	for (; argc > 0; argc--, argv++) {
		if (matches(*argv, "to")) {
			ONCE(obj, o->seen, DNAT_TO);
			NEXT_ARG(obj);
			err = parse_addr("private address", *argv, &o->priv);
		} else if (matches(*argv, "port") && !(o->seen & DNAT_PUB)) {
			NEXT_ARG(obj);
			o->seen |= DNAT_PUB;
			err = parse_ports(*argv, &o->pub_ports);
		} else if (matches(*argv, "port")) {
			if (!(o->seen & DNAT_TO))
				return usage_error(obj, "a second \"port\" must follow \"to PRIVATE\"");
			ONCE(obj, o->seen, DNAT_PRIV);
			NEXT_ARG(obj);
			err = parse_ports(*argv, &o->priv_ports);
		} else if (matches(*argv, "port-override")) {
			ONCE(obj, o->seen, DNAT_OVERRIDE);
			err = NATCTL_OK;
		} else if (matches(*argv, "eip") || matches(*argv, "proto")) {
			return usage_error(obj, "the EIP and protocol of a DNAT entry cannot be changed: delete the entry and add it anew");
		} else {
			return usage_error(obj, "unexpected \"%s\"", *argv);
		}
		if (err)
			return err;
	}
	return NATCTL_OK;
}

/* @opts is a struct dnat_opts (void * for entry_add() and entry_set()). */
static void put_opts(struct nlmsghdr *nlh, const void *opts)
{
	const struct dnat_opts *o = opts;

	if (o->seen & DNAT_EIP)
		mnl_attr_put_u32(nlh, NATGW_A_EIP_ADDR, o->eip);
	if (o->seen & DNAT_TO)
		mnl_attr_put_u32(nlh, NATGW_A_DNAT_PRIV_ADDR, o->priv);
	if (o->seen & DNAT_PROTO)
		mnl_attr_put_u8(nlh, NATGW_A_DNAT_PROTO, o->proto);
	if (o->seen & DNAT_PUB) {
		mnl_attr_put_u16(nlh, NATGW_A_DNAT_PUB_PORT_MIN, o->pub_ports.lo);
		mnl_attr_put_u16(nlh, NATGW_A_DNAT_PUB_PORT_MAX, o->pub_ports.hi);
	}
	if (o->seen & DNAT_PRIV) {
		mnl_attr_put_u16(nlh, NATGW_A_DNAT_PRIV_PORT_MIN, o->priv_ports.lo);
		mnl_attr_put_u16(nlh, NATGW_A_DNAT_PRIV_PORT_MAX, o->priv_ports.hi);
	}
	if (o->seen & DNAT_OVERRIDE)
		mnl_attr_put(nlh, NATGW_A_DNAT_PORT_OVERRIDE, 0, NULL);
}

static void print_ports(const char *key, const struct nlattr *min,
			const struct nlattr *max)
{
	char buf[PORT_RANGE_STRLEN];
	uint16_t lo = mnl_attr_get_u16(min);

	print_string(PRINT_ANY, key, " port %s",
		     format_port_range(lo, max ? mnl_attr_get_u16(max) : lo,
				       '/', buf));
}

void dnat_print(const struct nlattr **tb)
{
	const char *proto;
	bool override;

	if (tb[NATGW_A_GW_NAME])
		print_string(PRINT_ANY, "gateway", "%s",
			     mnl_attr_get_str(tb[NATGW_A_GW_NAME]));
	if (tb[NATGW_A_ENTRY_ID])
		print_uint(PRINT_ANY, "id", " id %u",
			   mnl_attr_get_u32(tb[NATGW_A_ENTRY_ID]));
	if (tb[NATGW_A_EIP_ADDR])
		print_ipv4(PRINT_ANY, "eip", " eip %s",
			   mnl_attr_get_u32(tb[NATGW_A_EIP_ADDR]));
	if (tb[NATGW_A_DNAT_PROTO]) {
		proto = proto_name(mnl_attr_get_u8(tb[NATGW_A_DNAT_PROTO]));
		if (proto)
			print_string(PRINT_ANY, "proto", " proto %s", proto);
		else
			print_uint(PRINT_ANY, "proto", " proto %u",
				   mnl_attr_get_u8(tb[NATGW_A_DNAT_PROTO]));
	}
	if (tb[NATGW_A_DNAT_PUB_PORT_MIN])
		print_ports("port", tb[NATGW_A_DNAT_PUB_PORT_MIN],
			    tb[NATGW_A_DNAT_PUB_PORT_MAX]);
	if (tb[NATGW_A_DNAT_PRIV_ADDR])
		print_ipv4(PRINT_ANY, "to", " to %s",
			   mnl_attr_get_u32(tb[NATGW_A_DNAT_PRIV_ADDR]));
	if (tb[NATGW_A_DNAT_PRIV_PORT_MIN])
		print_ports("to_port", tb[NATGW_A_DNAT_PRIV_PORT_MIN],
			    tb[NATGW_A_DNAT_PRIV_PORT_MAX]);
	if (tb[NATGW_A_DNAT_PORT_OVERRIDE]) {
		/* A bare word in text, as in the grammar; a boolean in JSON. */
		override = nl_get_bool(tb[NATGW_A_DNAT_PORT_OVERRIDE]);
		print_on_off(PRINT_JSON, "port_override", NULL, override);
		if (override)
			print_string(PRINT_FP, NULL, "%s", " port-override");
	}
}

static int dnat_add(int argc, char **argv)
{
	struct dnat_opts o = { 0 };
	const char *gw;
	uint32_t id;
	int err;

	err = parse_gw_new_id(&dnat_object, &argc, &argv, &gw, &id);
	if (err)
		return err;
	err = parse_add(argc, argv, &o);
	if (err)
		return err;

	return entry_add(NATGW_CMD_DNAT_NEW, gw, id, put_opts, &o);
}

static int dnat_set(int argc, char **argv)
{
	struct dnat_opts o = { 0 };
	const char *gw;
	uint32_t id;
	int err;

	err = parse_gw_id(&dnat_object, &argc, &argv, &gw, &id);
	if (err)
		return err;
	err = parse_set(argc, argv, &o);
	if (err)
		return err;
	if (!o.seen)
		return usage_error(&dnat_object, "nothing to set");

	return entry_set(NATGW_CMD_DNAT_SET, gw, id, put_opts, &o);
}

static int do_dnat(int argc, char **argv)
{
	if (argc < 1 || matches(*argv, "show"))
		return show_per_gw(&dnat_object, NATGW_CMD_DNAT_GET,
				   argc - !!argc, argv + !!argc, dnat_print);
	if (matches(*argv, "add"))
		return dnat_add(argc - 1, argv + 1);
	if (matches(*argv, "set"))
		return dnat_set(argc - 1, argv + 1);
	if (matches(*argv, "del"))
		return entry_del(&dnat_object, NATGW_CMD_DNAT_DEL, argc - 1,
				 argv + 1);
	return usage_error(&dnat_object, "unknown verb \"%s\"", *argv);
}

const struct object dnat_object = {
	.name = "dnat",
	.usage = dnat_usage,
	.run = do_dnat,
};
