// SPDX-License-Identifier: GPL-2.0
/*
 * sessdump: dump natgw's session table over generic netlink and only count
 * the messages, so that the benchmark can tell the cost of the kernel's dump
 * and its transport apart from natctl's formatting of the same dump.
 *
 *   sessdump [-r RCVBUF]
 *
 * Prints "sessions N messages M bytes B ms T intr I": N session messages in
 * M datagrams of B bytes in total, T milliseconds of wall time from the
 * request to NLMSG_DONE, and whether the kernel flagged the dump as
 * interrupted by a concurrent change (NLM_F_DUMP_INTR).  Run it in the
 * namespace of the gateway (ip netns exec NS sessdump).  Exit status 0 on a
 * complete dump, 1 on any error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/natgw.h>

/* Large enough that the kernel fills 32 KiB dump skbs, as natctl's is. */
#define RX_SIZE		65536

struct count {
	unsigned long long sessions;
	unsigned long long msgs;
	unsigned long long bytes;
	int intr;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	uint16_t *id = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		*id = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
	return MNL_CB_OK;
}

static int session_cb(const struct nlmsghdr *nlh, void *data)
{
	struct count *c = data;

	c->sessions++;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		c->intr = 1;
	return MNL_CB_OK;
}

static struct nlmsghdr *genl_request(char *buf, uint16_t type, uint16_t flags,
				     uint8_t cmd, uint8_t version,
				     unsigned int seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

/* Send @nlh and run @cb over the replies until the ACK or NLMSG_DONE. */
static int talk(struct mnl_socket *nl, const struct nlmsghdr *nlh,
		mnl_cb_t cb, void *data, struct count *c)
{
	unsigned int portid = mnl_socket_get_portid(nl);
	static char buf[RX_SIZE];
	ssize_t len;
	int ret;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (len < 0)
			return -1;
		if (c) {
			c->msgs++;
			c->bytes += len;
		}
		ret = mnl_cb_run(buf, len, nlh->nlmsg_seq, portid, cb, data);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct count c = { 0 };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	int rcvbuf = 8 << 20;
	uint16_t family = 0;
	double t0, t1;
	int opt;

	while ((opt = getopt(argc, argv, "r:")) != -1) {
		if (opt != 'r') {
			fprintf(stderr, "usage: sessdump [-r RCVBUF]\n");
			return 1;
		}
		rcvbuf = atoi(optarg);
	}

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("sessdump: netlink socket");
		return 1;
	}
	/* A dump that outruns the reader must not be cut short by ENOBUFS. */
	mnl_socket_setsockopt(nl, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));

	nlh = genl_request(req, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY, 1,
			   1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NATGW_GENL_NAME);
	if (talk(nl, nlh, family_cb, &family, NULL) || !family) {
		fprintf(stderr, "sessdump: no generic netlink family \"%s\": %s\n",
			NATGW_GENL_NAME, strerror(errno));
		return 1;
	}

	nlh = genl_request(req, family, NLM_F_DUMP, NATGW_CMD_SESSION_GET,
			   NATGW_GENL_VERSION, 2);
	t0 = now_ms();
	if (talk(nl, nlh, session_cb, &c, &c)) {
		fprintf(stderr, "sessdump: session dump: %s\n", strerror(errno));
		return 1;
	}
	t1 = now_ms();

	printf("sessions %llu messages %llu bytes %llu ms %.1f intr %d\n",
	       c.sessions, c.msgs, c.bytes, t1 - t0, c.intr);
	mnl_socket_close(nl);
	return 0;
}
