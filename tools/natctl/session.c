// SPDX-License-Identifier: GPL-2.0
/*
 * natctl session: list, count and flush translated flows.
 */
#include <netinet/in.h>

#include "natctl.h"
#include "nl.h"
#include "print.h"
#include "utils.h"

static const char session_usage[] =
"Usage: natctl session show [GW] [proto tcp|udp|icmp] [src ADDR] [dst ADDR] [eip ADDR] [port N]\n"
"       natctl session count [GW] [proto tcp|udp|icmp] [src ADDR] [dst ADDR] [eip ADDR] [port N]\n"
"       natctl session flush [GW] [proto tcp|udp|icmp] [src ADDR] [dst ADDR] [eip ADDR] [port N]\n"
"src is the private (inside) address, dst the remote address, eip and port\n"
"the public address and port of the session.\n";

/* An optional GW comes first and is any word that is none of these. */
static const char *const filter_keywords[] = {
	"proto", "src", "dst", "eip", "port", NULL
};

enum {
	F_PROTO	= 1 << 0,
	F_SRC	= 1 << 1,
	F_DST	= 1 << 2,
	F_EIP	= 1 << 3,
	F_PORT	= 1 << 4,
};

struct filter {
	unsigned int seen;
	const char *gw;
	uint8_t proto;
	uint32_t src;
	uint32_t dst;
	uint32_t eip;
	uint16_t port;
};

static int parse_sess_proto(const char *word, uint8_t *proto)
{
	if (matches(word, "tcp"))
		*proto = IPPROTO_TCP;
	else if (matches(word, "udp"))
		*proto = IPPROTO_UDP;
	else if (matches(word, "icmp"))
		*proto = IPPROTO_ICMP;
	else
		return nerr("invalid protocol \"%s\": expected tcp, udp or icmp",
			    word);
	return NATCTL_OK;
}

static int parse_addr(const char *kw, const char *word, uint32_t *addr)
{
	int err = parse_ipv4(word, addr);

	return err ? bad_arg(kw, word, err) : NATCTL_OK;
}

static int parse_filter(int argc, char **argv, struct filter *f)
{
	const struct object *obj = &session_object;
	uint32_t port;
	int err;

	if (argc && !is_keyword(*argv, filter_keywords)) {
		if (check_gw_name(*argv))
			return NATCTL_ERR;
		f->gw = *argv;
		argc--;
		argv++;
	}
	for (; argc > 0; argc--, argv++) {
		if (matches(*argv, "proto")) {
			ONCE(obj, f->seen, F_PROTO);
			NEXT_ARG(obj);
			err = parse_sess_proto(*argv, &f->proto);
		} else if (matches(*argv, "src")) {
			ONCE(obj, f->seen, F_SRC);
			NEXT_ARG(obj);
			err = parse_addr("src address", *argv, &f->src);
		} else if (matches(*argv, "dst")) {
			ONCE(obj, f->seen, F_DST);
			NEXT_ARG(obj);
			err = parse_addr("dst address", *argv, &f->dst);
		} else if (matches(*argv, "eip")) {
			ONCE(obj, f->seen, F_EIP);
			NEXT_ARG(obj);
			err = parse_addr("EIP", *argv, &f->eip);
		} else if (matches(*argv, "port")) {
			ONCE(obj, f->seen, F_PORT);
			NEXT_ARG(obj);
			/* 0 is a valid ICMP echo id. */
			err = parse_uint(*argv, 0, 65535, &port);
			if (err)
				return bad_arg("port", *argv, err);
			f->port = (uint16_t)port;
		} else {
			return usage_error(obj, "unexpected \"%s\"", *argv);
		}
		if (err)
			return err;
	}
	return NATCTL_OK;
}

static void put_filter(struct nlmsghdr *nlh, const struct filter *f)
{
	if (f->gw)
		mnl_attr_put_strz(nlh, NATGW_A_GW_NAME, f->gw);
	if (f->seen & F_PROTO)
		mnl_attr_put_u8(nlh, NATGW_A_SESS_PROTO, f->proto);
	if (f->seen & F_SRC)
		mnl_attr_put_u32(nlh, NATGW_A_SESS_IN_ADDR, f->src);
	if (f->seen & F_DST)
		mnl_attr_put_u32(nlh, NATGW_A_SESS_REM_ADDR, f->dst);
	if (f->seen & F_EIP)
		mnl_attr_put_u32(nlh, NATGW_A_SESS_EIP_ADDR, f->eip);
	if (f->seen & F_PORT)
		mnl_attr_put_u16(nlh, NATGW_A_SESS_EIP_PORT, f->port);
}

static const char *tcp_state_name(uint8_t state)
{
	static const char *const names[__NATGW_TCP_MAX] = {
		[NATGW_TCP_NONE]	= "NONE",
		[NATGW_TCP_SYN_SENT]	= "SYN_SENT",
		[NATGW_TCP_SYN_RECV]	= "SYN_RECV",
		[NATGW_TCP_ESTABLISHED]	= "ESTABLISHED",
		[NATGW_TCP_FIN_WAIT]	= "FIN_WAIT",
		[NATGW_TCP_TIME_WAIT]	= "TIME_WAIT",
		[NATGW_TCP_CLOSE]	= "CLOSE",
	};

	return state < __NATGW_TCP_MAX ? names[state] : "UNKNOWN";
}

static const char *kind_name(uint8_t kind)
{
	switch (kind) {
	case NATGW_SESS_SNAT:
		return "snat";
	case NATGW_SESS_DNAT:
		return "dnat";
	case NATGW_SESS_IPMAP_IN:
		return "ipmap-in";
	case NATGW_SESS_IPMAP_OUT:
		return "ipmap-out";
	case NATGW_SESS_HAIRPIN:
		return "hairpin";
	}
	return "unknown";
}

/* "ADDR:PORT" in text (@fmt prints the address), two keys in JSON. */
static void print_endpoint(const char *fmt, const char *key,
			   const char *port_key, const struct nlattr *addr,
			   const struct nlattr *port)
{
	if (!addr)
		return;
	print_ipv4(PRINT_ANY, key, fmt, mnl_attr_get_u32(addr));
	if (port)
		print_uint(PRINT_ANY, port_key, ":%u", mnl_attr_get_u16(port));
}

/*
 * proto inside -> eip -> remote [TCP state] timeout N kind K gw GW
 * age N bytes-out N bytes-in N; for ICMP the ports are the echo id.
 */
void session_print(const struct nlattr **tb)
{
	uint8_t proto = 0, state;
	char buf[TIME_STRLEN];

	if (tb[NATGW_A_SESS_PROTO]) {
		proto = mnl_attr_get_u8(tb[NATGW_A_SESS_PROTO]);
		if (proto_name(proto))
			print_string(PRINT_ANY, "proto", "%s", proto_name(proto));
		else
			print_uint(PRINT_ANY, "proto", "%u", proto);
	}
	print_endpoint(" %s", "inside", "inside_port",
		       tb[NATGW_A_SESS_IN_ADDR], tb[NATGW_A_SESS_IN_PORT]);
	print_endpoint(" -> %s", "eip", "eip_port",
		       tb[NATGW_A_SESS_EIP_ADDR], tb[NATGW_A_SESS_EIP_PORT]);
	print_endpoint(" -> %s", "remote", "remote_port",
		       tb[NATGW_A_SESS_REM_ADDR],
		       proto == IPPROTO_ICMP ? NULL : tb[NATGW_A_SESS_REM_PORT]);
	if (tb[NATGW_A_SESS_TCP_STATE]) {
		state = mnl_attr_get_u8(tb[NATGW_A_SESS_TCP_STATE]);
		if (state != NATGW_TCP_NONE)
			print_string(PRINT_ANY, "tcp_state", " %s",
				     tcp_state_name(state));
	}
	if (tb[NATGW_A_SESS_TIMEOUT])
		print_uint(PRINT_ANY, "timeout", " timeout %u",
			   mnl_attr_get_u32(tb[NATGW_A_SESS_TIMEOUT]));
	if (tb[NATGW_A_SESS_KIND])
		print_string(PRINT_ANY, "kind", " kind %s",
			     kind_name(mnl_attr_get_u8(tb[NATGW_A_SESS_KIND])));
	if (tb[NATGW_A_GW_NAME])
		print_string(PRINT_ANY, "gateway", " gw %s",
			     mnl_attr_get_str(tb[NATGW_A_GW_NAME]));
	if (tb[NATGW_A_ENTRY_ID])
		print_uint(PRINT_ANY, "entry", " entry %u",
			   mnl_attr_get_u32(tb[NATGW_A_ENTRY_ID]));
	if (tb[NATGW_A_SESS_AGE])
		print_uint(PRINT_ANY, "age", " age %u",
			   mnl_attr_get_u32(tb[NATGW_A_SESS_AGE]));
	if (tb[NATGW_A_SESS_START])
		print_string(PRINT_JSON, "start", NULL,
			     format_time(mnl_attr_get_u64(tb[NATGW_A_SESS_START]),
					 buf));
	if (tb[NATGW_A_SESS_BYTES_OUT])
		print_u64(PRINT_ANY, "bytes_out", " bytes-out %llu",
			  mnl_attr_get_u64(tb[NATGW_A_SESS_BYTES_OUT]));
	if (tb[NATGW_A_SESS_BYTES_IN])
		print_u64(PRINT_ANY, "bytes_in", " bytes-in %llu",
			  mnl_attr_get_u64(tb[NATGW_A_SESS_BYTES_IN]));
}

/* The reply to count and flush: NATGW_A_SESS_COUNT. */
static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NATGW_A_MAX + 1];
	uint64_t *count = data;

	if (nl_parse(nlh, tb))
		return MNL_CB_ERROR;
	if (tb[NATGW_A_SESS_COUNT])
		*count = mnl_attr_get_u64(tb[NATGW_A_SESS_COUNT]);
	return MNL_CB_OK;
}

static int session_cmd(const char *verb, uint8_t cmd, int argc, char **argv)
{
	struct filter f = { 0 };
	struct nlmsghdr *nlh;
	uint64_t count = 0;
	struct nl *nl;
	int ret;

	ret = parse_filter(argc, argv, &f);
	if (ret)
		return ret;
	nl = natctl_nl();
	if (!nl)
		return NATCTL_ERR;

	if (cmd == NATGW_CMD_SESSION_GET) {
		nlh = nl_msg(nl, cmd, NLM_F_DUMP);
		put_filter(nlh, &f);
		return show_objects(nl, nlh, session_print);
	}
	nlh = nl_msg(nl, cmd, NLM_F_ACK);
	put_filter(nlh, &f);
	ret = nl_talk(nl, nlh, count_cb, &count);
	if (ret)
		return ret;
	json_begin(false);
	print_u64(PRINT_ANY, verb, cmd == NATGW_CMD_SESSION_COUNT ?
		  "%llu\n" : "%llu sessions flushed\n", count);
	json_end();
	return NATCTL_OK;
}

static int do_session(int argc, char **argv)
{
	if (argc < 1 || matches(*argv, "show"))
		return session_cmd("show", NATGW_CMD_SESSION_GET, argc - !!argc,
				   argv + !!argc);
	if (matches(*argv, "count"))
		return session_cmd("count", NATGW_CMD_SESSION_COUNT, argc - 1,
				   argv + 1);
	if (matches(*argv, "flush"))
		return session_cmd("flushed", NATGW_CMD_SESSION_FLUSH, argc - 1,
				   argv + 1);
	return usage_error(&session_object, "unknown verb \"%s\"", *argv);
}

const struct object session_object = {
	.name = "session",
	.usage = session_usage,
	.run = do_session,
};
