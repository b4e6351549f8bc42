// SPDX-License-Identifier: GPL-2.0
/*
 * udpgen: the benchmark's traffic source.  Sends small UDP datagrams (60-byte
 * frames, to port 9) on a packet socket, bypassing the qdisc, so that each
 * one enters the peer of a veth as a private, unshared skb, the way a
 * frame from a NIC does (pktgen would hand the stack a shared skb, which
 * the forwarding path then copies: a cost no real router pays).
 *
 *   udpgen -i IFNAME -m DSTMAC -n COUNT -s SRC -S NSRC -d DST -D NDST
 *          -p SPORT [-P NSPORT] [-r] [-w]
 *
 * Packet i goes from SRC + i % NSRC to DST + i % NDST, from UDP port
 * SPORT + i % NSPORT (-r: a random port of that range instead), so
 * coprime NSRC and NDST give NSRC * NDST distinct flows, in the same
 * order every time.  With -w, udpgen sets everything up, prints "ready",
 * and waits for a line on stdin before it sends, so that a controller can
 * read a clock just before and after the packets and nothing else.
 *
 * Prints "done sent N errors E ns T": packets the kernel took, packets it
 * refused, and the wall time of the sending in nanoseconds.  The packets
 * are processed as they are sent (the veth hands each to its peer's
 * backlog, which runs when the sender re-enables softirqs), so T covers
 * their way through the router as well.  Exit status 0 when every packet
 * was taken, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_LEN	60	/* the minimum Ethernet frame, without FCS */
#define BATCH		64	/* packets per sendmmsg() */
#define DST_PORT	9	/* discard */

struct cfg {
	const char *ifname;
	uint8_t dmac[ETH_ALEN];
	unsigned long count;
	uint32_t src, nsrc;	/* host byte order */
	uint32_t dst, ndst;
	uint32_t sport, nsport;
	bool random;
	bool wait;
};

struct frame {
	struct ether_header eth;
	struct iphdr ip;
	struct udphdr udp;
	uint8_t payload[FRAME_LEN - sizeof(struct ether_header) -
			sizeof(struct iphdr) - sizeof(struct udphdr)];
} __attribute__((packed));

static void usage(void)
{
	fprintf(stderr,
		"usage: udpgen -i IFNAME -m DSTMAC -n COUNT -s SRC -S NSRC -d DST -D NDST\n"
		"              -p SPORT [-P NSPORT] [-r] [-w]\n");
	exit(2);
}

static uint32_t parse_addr(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "udpgen: bad address %s\n", s);
		exit(2);
	}
	return ntohl(a.s_addr);
}

static unsigned long parse_num(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !*s || v > max) {
		fprintf(stderr, "udpgen: bad number %s\n", s);
		exit(2);
	}
	return v;
}

static void parse_mac(const char *s, uint8_t *mac)
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5]) != 6) {
		fprintf(stderr, "udpgen: bad MAC address %s\n", s);
		exit(2);
	}
}

static void parse_args(int argc, char **argv, struct cfg *c)
{
	int opt;

	memset(c, 0, sizeof(*c));
	c->nsrc = c->ndst = c->nsport = 1;
	while ((opt = getopt(argc, argv, "i:m:n:s:S:d:D:p:P:rw")) != -1) {
		switch (opt) {
		case 'i': c->ifname = optarg; break;
		case 'm': parse_mac(optarg, c->dmac); break;
		case 'n': c->count = parse_num(optarg, ~0UL); break;
		case 's': c->src = parse_addr(optarg); break;
		case 'S': c->nsrc = parse_num(optarg, UINT32_MAX); break;
		case 'd': c->dst = parse_addr(optarg); break;
		case 'D': c->ndst = parse_num(optarg, UINT32_MAX); break;
		case 'p': c->sport = parse_num(optarg, 65535); break;
		case 'P': c->nsport = parse_num(optarg, 65535); break;
		case 'r': c->random = true; break;
		case 'w': c->wait = true; break;
		default: usage();
		}
	}
	if (!c->ifname || !c->src || !c->dst || !c->sport || !c->nsrc ||
	    !c->ndst || !c->nsport || c->sport + c->nsport - 1 > 65535)
		usage();
}

static int open_socket(const struct cfg *c, struct sockaddr_ll *sll,
		       uint8_t *smac)
{
	int one = 1, fd;
	struct ifreq ifr;

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("udpgen: packet socket");
		exit(1);
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", c->ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "udpgen: %s: %s\n", c->ifname, strerror(errno));
		exit(1);
	}
	memcpy(smac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(ETH_P_IP);
	sll->sll_ifindex = if_nametoindex(c->ifname);
	sll->sll_halen = ETH_ALEN;
	memcpy(sll->sll_addr, c->dmac, ETH_ALEN);
	/* straight to the driver, as pktgen: no qdisc in the measurement */
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		perror("udpgen: PACKET_QDISC_BYPASS");
	return fd;
}

static uint16_t ip_csum(const void *hdr, size_t len)
{
	const uint16_t *p = hdr;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void frame_init(struct frame *f, const struct cfg *c,
		       const uint8_t *smac)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->eth.ether_dhost, c->dmac, ETH_ALEN);
	memcpy(f->eth.ether_shost, smac, ETH_ALEN);
	f->eth.ether_type = htons(ETH_P_IP);
	f->ip.version = 4;
	f->ip.ihl = 5;
	f->ip.tot_len = htons(FRAME_LEN - sizeof(struct ether_header));
	f->ip.ttl = 64;
	f->ip.protocol = IPPROTO_UDP;
	f->udp.dest = htons(DST_PORT);
	f->udp.len = htons(FRAME_LEN - sizeof(struct ether_header) -
			   sizeof(struct iphdr));
	/* UDP checksum 0: none, as RFC 768 allows over IPv4 */
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Packet @i of the sequence. */
static void frame_set(struct frame *f, const struct cfg *c, unsigned long i,
		      uint64_t *rnd)
{
	uint32_t sport;

	sport = c->random ? c->sport + xorshift(rnd) % c->nsport :
			    c->sport + i % c->nsport;
	f->ip.saddr = htonl(c->src + i % c->nsrc);
	f->ip.daddr = htonl(c->dst + i % c->ndst);
	f->ip.check = 0;
	f->ip.check = ip_csum(&f->ip, sizeof(f->ip));
	f->udp.source = htons(sport);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static struct frame frames[BATCH];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long i = 0, sent = 0, errors = 0;
	uint64_t rnd = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
	struct sockaddr_ll sll;
	uint8_t smac[ETH_ALEN];
	char line[64];
	struct cfg c;
	unsigned int k, n;
	double t0, t1;
	int fd, ret;

	parse_args(argc, argv, &c);
	fd = open_socket(&c, &sll, smac);
	memset(msgs, 0, sizeof(msgs));
	for (k = 0; k < BATCH; k++) {
		frame_init(&frames[k], &c, smac);
		iov[k].iov_base = &frames[k];
		iov[k].iov_len = sizeof(frames[k]);
		msgs[k].msg_hdr.msg_iov = &iov[k];
		msgs[k].msg_hdr.msg_iovlen = 1;
		msgs[k].msg_hdr.msg_name = &sll;
		msgs[k].msg_hdr.msg_namelen = sizeof(sll);
	}
	if (c.wait) {
		printf("ready\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}

	t0 = now_ns();
	while (i < c.count) {
		n = c.count - i < BATCH ? c.count - i : BATCH;
		for (k = 0; k < n; k++)
			frame_set(&frames[k], &c, i + k, &rnd);
		ret = sendmmsg(fd, msgs, n, 0);
		if (ret < 0) {
			if (errno != ENOBUFS && errno != EAGAIN) {
				perror("udpgen: sendmmsg");
				break;
			}
			/* the frame at the head was refused: count it, go on */
			ret = 0;
			errors++;
			i++;
		}
		sent += ret;
		i += ret;
	}
	t1 = now_ns();

	printf("done sent %lu errors %lu ns %.0f\n", sent, errors, t1 - t0);
	close(fd);
	return sent == c.count ? 0 : 1;
}
