// SPDX-License-Identifier: GPL-2.0
/*
 * natctl eip: associate elastic IP addresses with gateways.
 */
#include "natctl.h"
#include "nl.h"
#include "print.h"
#include "utils.h"

static const char eip_usage[] =
"Usage: natctl eip add GW ADDR\n"
"       natctl eip del GW ADDR [force]\n"
"       natctl eip show [GW]\n";

void eip_print(const struct nlattr **tb)
{
	if (tb[NATGW_A_EIP_ADDR])
		print_ipv4(PRINT_ANY, "eip", "%s",
			   mnl_attr_get_u32(tb[NATGW_A_EIP_ADDR]));
	if (tb[NATGW_A_GW_NAME])
		print_string(PRINT_ANY, "gateway", " gateway %s",
			     mnl_attr_get_str(tb[NATGW_A_GW_NAME]));
}

/* add and del: GW ADDR, and for del an optional force. */
static int eip_change(uint8_t cmd, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	bool force = false;
	struct nl *nl;
	uint32_t addr;
	int err, ret;

	if (argc < 2)
		return usage_error(&eip_object, argc ? "missing ADDR" :
				   "missing GW");
	if (cmd == NATGW_CMD_EIP_DEL && argc > 2 && matches(argv[2], "force"))
		force = true;
	if (argc > 2 + force)
		return usage_error(&eip_object, "unexpected \"%s\"",
				   argv[2 + force]);
	if (check_gw_name(argv[0]))
		return NATCTL_ERR;
	err = parse_ipv4(argv[1], &addr);
	if (err)
		return bad_arg("address", argv[1], err);

	nl = natctl_nl();
	if (!nl)
		return NATCTL_ERR;
	nlh = nl_msg(nl, cmd, NLM_F_ACK);
	mnl_attr_put_strz(nlh, NATGW_A_GW_NAME, argv[0]);
	mnl_attr_put_u32(nlh, NATGW_A_EIP_ADDR, addr);
	if (force)
		mnl_attr_put(nlh, NATGW_A_FORCE, 0, NULL);
	ret = nl_talk(nl, nlh, NULL, NULL);
	/* Like every add in JSON, the result is the new object. */
	if (!ret && cmd == NATGW_CMD_EIP_NEW && is_json()) {
		json_begin(false);
		print_ipv4(PRINT_JSON, "eip", NULL, addr);
		print_string(PRINT_JSON, "gateway", NULL, argv[0]);
		json_end();
	}
	return ret;
}

static int do_eip(int argc, char **argv)
{
	if (argc < 1 || matches(*argv, "show"))
		return show_per_gw(&eip_object, NATGW_CMD_EIP_GET, argc - !!argc,
				   argv + !!argc, eip_print);
	if (matches(*argv, "add"))
		return eip_change(NATGW_CMD_EIP_NEW, argc - 1, argv + 1);
	if (matches(*argv, "del"))
		return eip_change(NATGW_CMD_EIP_DEL, argc - 1, argv + 1);
	return usage_error(&eip_object, "unknown verb \"%s\"", *argv);
}

const struct object eip_object = {
	.name = "eip",
	.usage = eip_usage,
	.run = do_eip,
};
