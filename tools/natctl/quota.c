// SPDX-License-Identifier: GPL-2.0
/*
 * natctl quota: the limits natgw.ko was loaded with (module parameters).
 */
#include "natctl.h"
#include "nl.h"
#include "print.h"
#include "utils.h"

static const char quota_usage[] =
"Usage: natctl quota show\n";

static const struct {
	int attr;
	const char *fmt;	/* text */
	const char *key;	/* JSON */
} quotas[] = {
	{ NATGW_A_QUOTA_GATEWAYS, "gateways-per-namespace %u\n",
	  "gateways_per_namespace" },
	{ NATGW_A_QUOTA_EIPS, "eips-per-gateway %u\n",
	  "eips_per_gateway" },
	{ NATGW_A_QUOTA_SNAT_ENTRIES, "snat-entries-per-gateway %u\n",
	  "snat_entries_per_gateway" },
	{ NATGW_A_QUOTA_DNAT_ENTRIES, "dnat-entries-per-gateway %u\n",
	  "dnat_entries_per_gateway" },
	{ NATGW_A_QUOTA_SESSIONS, "sessions-per-namespace %u\n",
	  "sessions_per_namespace" },
};

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NATGW_A_MAX + 1];
	size_t i;

	(void)data;
	if (nl_parse(nlh, tb))
		return MNL_CB_ERROR;
	for (i = 0; i < sizeof(quotas) / sizeof(quotas[0]); i++)
		if (tb[quotas[i].attr])
			print_uint(PRINT_ANY, quotas[i].key, quotas[i].fmt,
				   mnl_attr_get_u32(tb[quotas[i].attr]));
	return MNL_CB_OK;
}

static int do_quota(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct nl *nl;
	int ret;

	if (argc && !matches(*argv, "show"))
		return usage_error(&quota_object, "unknown verb \"%s\"", *argv);
	if (argc > 1)
		return usage_error(&quota_object, "unexpected \"%s\"", argv[1]);
	nl = natctl_nl();
	if (!nl)
		return NATCTL_ERR;
	nlh = nl_msg(nl, NATGW_CMD_QUOTA_GET, NLM_F_ACK);
	json_begin(false);
	ret = nl_talk(nl, nlh, show_cb, NULL);
	json_end();
	return ret;
}

const struct object quota_object = {
	.name = "quota",
	.usage = quota_usage,
	.run = do_quota,
};
