// SPDX-License-Identifier: GPL-2.0
/*
 * What the objects that belong to a gateway share: "GW id N", the requests
 * of add, set and del with the new entry's id printed by add, and "show
 * [GW]"; and the printing of what a show returns, which gateway and session
 * use too.
 */
#include "natctl.h"
#include "nl.h"
#include "print.h"
#include "utils.h"

/*
 * The "GW id N" that set and del start with.  Returns an exit status; on
 * success *@argc and *@argv are moved past the three words.
 */
int parse_gw_id(const struct object *obj, int *argc, char ***argv,
		const char **gw, uint32_t *id)
{
	char **v = *argv;
	int err;

	if (*argc < 1)
		return usage_error(obj, "missing GW");
	if (*argc < 2 || !matches(v[1], "id"))
		return usage_error(obj, "missing \"id N\" after GW");
	if (*argc < 3)
		return usage_error(obj, "missing value after \"id\"");
	if (check_gw_name(v[0]))
		return NATCTL_ERR;
	err = parse_uint(v[2], 1, UINT32_MAX, id);
	if (err)
		return bad_arg("entry id", v[2], err);
	*gw = v[0];
	*argc -= 3;
	*argv += 3;
	return NATCTL_OK;
}

/*
 * The "GW [id N]" that add starts with: *@id is 0 when no id is asked for.
 * Returns an exit status; on success *@argc and *@argv are moved past it.
 */
int parse_gw_new_id(const struct object *obj, int *argc, char ***argv,
		    const char **gw, uint32_t *id)
{
	*id = 0;
	if (*argc >= 2 && matches((*argv)[1], "id"))
		return parse_gw_id(obj, argc, argv, gw, id);
	if (*argc < 1)
		return usage_error(obj, "missing GW");
	if (check_gw_name((*argv)[0]))
		return NATCTL_ERR;
	*gw = (*argv)[0];
	(*argc)--;
	(*argv)++;
	return NATCTL_OK;
}

/*
 * The reply to an add: the document is opened only now, so that a refused
 * add prints nothing on stdout, not an empty object.
 */
static int id_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NATGW_A_MAX + 1];

	(void)data;
	if (nl_parse(nlh, tb))
		return MNL_CB_ERROR;
	if (tb[NATGW_A_ENTRY_ID]) {
		json_begin(false);
		print_uint(PRINT_ANY, "id", "id %u\n",
			   mnl_attr_get_u32(tb[NATGW_A_ENTRY_ID]));
	}
	return MNL_CB_OK;
}

/*
 * A request @cmd about gateway @gw and, unless @id is 0, its entry @id,
 * followed by the attributes @put (if given) writes of @opts.  NULL if
 * there is no socket to send it on, which has been reported.
 */
static struct nlmsghdr *entry_msg(struct nl **nl, uint8_t cmd, const char *gw,
				  uint32_t id,
				  void (*put)(struct nlmsghdr *nlh, const void *opts),
				  const void *opts)
{
	struct nlmsghdr *nlh;

	*nl = natctl_nl();
	if (!*nl)
		return NULL;
	nlh = nl_msg(*nl, cmd, NLM_F_ACK);
	mnl_attr_put_strz(nlh, NATGW_A_GW_NAME, gw);
	if (id)
		mnl_attr_put_u32(nlh, NATGW_A_ENTRY_ID, id);
	if (put)
		put(nlh, opts);
	return nlh;
}

/*
 * snat add and dnat add, once their words are parsed: send @cmd (SNAT_NEW
 * or DNAT_NEW) for gateway @gw, asking for entry id @id unless it is 0,
 * with what @put writes of @opts, and print the id the kernel gave the
 * entry: "id N", or {"id": N}.
 */
int entry_add(uint8_t cmd, const char *gw, uint32_t id,
	      void (*put)(struct nlmsghdr *nlh, const void *opts),
	      const void *opts)
{
	struct nlmsghdr *nlh;
	struct nl *nl;
	int ret;

	nlh = entry_msg(&nl, cmd, gw, id, put, opts);
	if (!nlh)
		return NATCTL_ERR;
	ret = nl_talk(nl, nlh, id_cb, NULL);
	json_end();
	return ret;
}

/*
 * snat set and dnat set, once their words are parsed: send @cmd (SNAT_SET
 * or DNAT_SET) for entry @id of @gw with what @put writes of @opts; JSON
 * prints {"id": N}.
 */
int entry_set(uint8_t cmd, const char *gw, uint32_t id,
	      void (*put)(struct nlmsghdr *nlh, const void *opts),
	      const void *opts)
{
	struct nlmsghdr *nlh;
	struct nl *nl;
	int ret;

	nlh = entry_msg(&nl, cmd, gw, id, put, opts);
	if (!nlh)
		return NATCTL_ERR;
	ret = nl_talk(nl, nlh, NULL, NULL);
	if (!ret && is_json()) {
		json_begin(false);
		print_uint(PRINT_JSON, "id", NULL, id);
		json_end();
	}
	return ret;
}

/* snat del and dnat del: "GW id N" and nothing else. */
int entry_del(const struct object *obj, uint8_t cmd, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	const char *gw;
	struct nl *nl;
	uint32_t id;
	int err;

	err = parse_gw_id(obj, &argc, &argv, &gw, &id);
	if (err)
		return err;
	if (argc)
		return usage_error(obj, "unexpected \"%s\"", *argv);

	nlh = entry_msg(&nl, cmd, gw, id, NULL, NULL);
	if (!nlh)
		return NATCTL_ERR;
	return nl_talk(nl, nlh, NULL, NULL);
}

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	void (**print)(const struct nlattr **tb) = data;
	const struct nlattr *tb[NATGW_A_MAX + 1];

	if (nl_parse(nlh, tb))
		return MNL_CB_ERROR;
	open_json_object(NULL);
	(*print)(tb);
	print_nl();
	close_json_object();
	return MNL_CB_OK;
}

/*
 * Send the request of a show, @nlh, and print each object of the answer
 * with @print: a line of text, or an element of the command's JSON array.
 */
int show_objects(struct nl *nl, struct nlmsghdr *nlh,
		 void (*print)(const struct nlattr **tb))
{
	int ret;

	json_begin(true);
	ret = nl_talk(nl, nlh, show_cb, &print);
	json_end();
	return ret;
}

/* eip show, snat show and dnat show: [GW], one line per object. */
int show_per_gw(const struct object *obj, uint8_t cmd, int argc, char **argv,
	       void (*print)(const struct nlattr **tb))
{
	struct nlmsghdr *nlh;
	struct nl *nl;

	if (argc > 1)
		return usage_error(obj, "unexpected \"%s\"", argv[1]);
	if (argc && check_gw_name(argv[0]))
		return NATCTL_ERR;

	nl = natctl_nl();
	if (!nl)
		return NATCTL_ERR;
	nlh = nl_msg(nl, cmd, NLM_F_DUMP);
	if (argc)
		mnl_attr_put_strz(nlh, NATGW_A_GW_NAME, argv[0]);
	return show_objects(nl, nlh, print);
}
