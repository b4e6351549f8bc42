// SPDX-License-Identifier: GPL-2.0
/*
 * natctl snat: SNAT entries, which give a source CIDR of the VPC one or more
 * EIPs to reach the Internet with.
 */
#include "natctl.h"
#include "nl.h"
#include "print.h"
#include "utils.h"

/* More EIPs than an entry can have with any sane natgw.max_eips. */
#define SNAT_MAX_EIPS	256

static const char snat_usage[] =
"Usage: natctl snat add GW [id N] source CIDR|vpc eip ADDR[,ADDR...] [affinity on|off]\n"
"       natctl snat set GW id N [eip ADDR[,ADDR...]] [affinity on|off]\n"
"       natctl snat del GW id N\n"
"       natctl snat show [GW]\n";

enum {
	SNAT_SOURCE	= 1 << 0,
	SNAT_EIPS	= 1 << 1,
	SNAT_AFFINITY	= 1 << 2,
};

struct snat_opts {
	unsigned int seen;
	bool src_vpc;
	struct cidr src;
	uint32_t eips[SNAT_MAX_EIPS];
	unsigned int n_eips;
	bool affinity;
};

static int parse_opts(int argc, char **argv, unsigned int allowed,
		      struct snat_opts *o)
{
	const struct object *obj = &snat_object;
	int err;

	for (; argc > 0; argc--, argv++) {
		if ((allowed & SNAT_SOURCE) && matches(*argv, "source")) {
			ONCE(obj, o->seen, SNAT_SOURCE);
			NEXT_ARG(obj);
			o->src_vpc = matches(*argv, "vpc");
			err = o->src_vpc ? 0 : parse_cidr(*argv, &o->src);
			if (err)
				return bad_arg("source CIDR", *argv, err);
		} else if (matches(*argv, "eip")) {
			ONCE(obj, o->seen, SNAT_EIPS);
			NEXT_ARG(obj);
			err = parse_ipv4_list(*argv, o->eips, SNAT_MAX_EIPS,
					      &o->n_eips);
			if (err)
				return bad_arg("EIP list", *argv, err);
		} else if (matches(*argv, "affinity")) {
			ONCE(obj, o->seen, SNAT_AFFINITY);
			NEXT_ARG(obj);
			if (parse_on_off(*argv, &o->affinity))
				return nerr("invalid affinity \"%s\": expected on or off",
					    *argv);
		} else if (matches(*argv, "source")) {
			return usage_error(obj, "the source of an SNAT entry cannot be changed: delete the entry and add it anew");
		} else {
			return usage_error(obj, "unexpected \"%s\"", *argv);
		}
	}
	return NATCTL_OK;
}

/* @opts is a struct snat_opts (void * for entry_add() and entry_set()). */
static void put_opts(struct nlmsghdr *nlh, const void *opts)
{
	const struct snat_opts *o = opts;
	struct nlattr *nest;
	unsigned int i;

	if (o->seen & SNAT_SOURCE) {
		if (o->src_vpc) {
			mnl_attr_put(nlh, NATGW_A_SNAT_SRC_VPC, 0, NULL);
		} else {
			mnl_attr_put_u32(nlh, NATGW_A_SNAT_SRC_ADDR, o->src.addr);
			mnl_attr_put_u8(nlh, NATGW_A_SNAT_SRC_PLEN, o->src.plen);
		}
	}
	if (o->seen & SNAT_EIPS) {
		nest = mnl_attr_nest_start(nlh, NATGW_A_EIP_LIST);
		for (i = 0; i < o->n_eips; i++)
			mnl_attr_put_u32(nlh, NATGW_A_EIP_ADDR, o->eips[i]);
		mnl_attr_nest_end(nlh, nest);
	}
	if (o->seen & SNAT_AFFINITY)
		mnl_attr_put_u8(nlh, NATGW_A_SNAT_AFFINITY, o->affinity);
}

/* Text "eip A,B", JSON "eips": ["A", "B"]. */
static void print_eip_list(const struct nlattr *list)
{
	const struct nlattr *a;
	bool first = true;

	open_json_array("eips");
	mnl_attr_for_each_nested(a, list) {
		if (mnl_attr_get_type(a) != NATGW_A_EIP_ADDR ||
		    mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			continue;
		print_ipv4(PRINT_ANY, NULL, first ? " eip %s" : ",%s",
			   mnl_attr_get_u32(a));
		first = false;
	}
	close_json_array();
}

void snat_print(const struct nlattr **tb)
{
	char buf[CIDR_STRLEN];

	if (tb[NATGW_A_GW_NAME])
		print_string(PRINT_ANY, "gateway", "%s",
			     mnl_attr_get_str(tb[NATGW_A_GW_NAME]));
	if (tb[NATGW_A_ENTRY_ID])
		print_uint(PRINT_ANY, "id", " id %u",
			   mnl_attr_get_u32(tb[NATGW_A_ENTRY_ID]));
	if (tb[NATGW_A_SNAT_SRC_VPC])
		print_string(PRINT_ANY, "source", " source %s", "vpc");
	else if (tb[NATGW_A_SNAT_SRC_ADDR] && tb[NATGW_A_SNAT_SRC_PLEN])
		print_string(PRINT_ANY, "source", " source %s",
			     format_cidr(mnl_attr_get_u32(tb[NATGW_A_SNAT_SRC_ADDR]),
					 mnl_attr_get_u8(tb[NATGW_A_SNAT_SRC_PLEN]),
					 buf));
	if (tb[NATGW_A_EIP_LIST])
		print_eip_list(tb[NATGW_A_EIP_LIST]);
	if (tb[NATGW_A_SNAT_AFFINITY])
		print_on_off(PRINT_ANY, "affinity", " affinity %s",
			     mnl_attr_get_u8(tb[NATGW_A_SNAT_AFFINITY]));
}

static int snat_add(int argc, char **argv)
{
	struct snat_opts o = { 0 };
	const char *gw;
	uint32_t id;
	int err;

	err = parse_gw_new_id(&snat_object, &argc, &argv, &gw, &id);
	if (err)
		return err;
	err = parse_opts(argc, argv, SNAT_SOURCE | SNAT_EIPS | SNAT_AFFINITY,
			 &o);
	if (err)
		return err;
	if (!(o.seen & SNAT_SOURCE))
		return usage_error(&snat_object, "missing \"source CIDR|vpc\"");
	if (!(o.seen & SNAT_EIPS))
		return usage_error(&snat_object, "missing \"eip ADDR[,ADDR...]\"");

	return entry_add(NATGW_CMD_SNAT_NEW, gw, id, put_opts, &o);
}

static int snat_set(int argc, char **argv)
{
	struct snat_opts o = { 0 };
	const char *gw;
	uint32_t id;
	int err;

	err = parse_gw_id(&snat_object, &argc, &argv, &gw, &id);
	if (err)
		return err;
	err = parse_opts(argc, argv, SNAT_EIPS | SNAT_AFFINITY, &o);
	if (err)
		return err;
	if (!o.seen)
		return usage_error(&snat_object, "nothing to set");

	return entry_set(NATGW_CMD_SNAT_SET, gw, id, put_opts, &o);
}

static int do_snat(int argc, char **argv)
{
	if (argc < 1 || matches(*argv, "show"))
		return show_per_gw(&snat_object, NATGW_CMD_SNAT_GET,
				   argc - !!argc, argv + !!argc, snat_print);
	if (matches(*argv, "add"))
		return snat_add(argc - 1, argv + 1);
	if (matches(*argv, "set"))
		return snat_set(argc - 1, argv + 1);
	if (matches(*argv, "del"))
		return entry_del(&snat_object, NATGW_CMD_SNAT_DEL, argc - 1,
				 argv + 1);
	return usage_error(&snat_object, "unknown verb \"%s\"", *argv);
}

const struct object snat_object = {
	.name = "snat",
	.usage = snat_usage,
	.run = do_snat,
};
