// SPDX-License-Identifier: GPL-2.0
/*
 * udpgen: the benchmark's traffic source.  Sends small UDP datagrams
 * (60-byte frames to port 9) on packet sockets that bypass the qdisc, so
 * that each one enters the peer of a veth as a private skb, the way a frame
 * from a NIC does.  (pktgen hands the stack a shared skb, which ip_rcv()
 * clones and the forwarding path then copies: a cost no real router pays.)
 *
 *   udpgen -n COUNT -s SRC -S NSRC -d DST -D NDST -p SPORT [-P NSPORT] [-r]
 *          [-b BURST] [-w] TARGET...
 *   TARGET := NETNS,IFNAME,DSTMAC	(NETNS "-": udpgen's own namespace)
 *
 * Each target gets COUNT packets.  Packet i of a target goes from
 * SRC + i % NSRC to DST + i % NDST, from UDP port SPORT + i % NSPORT (-r: a
 * random port of that range instead), so coprime NSRC and NDST give
 * NSRC * NDST distinct flows, in the same order every time.
 *
 * With several targets, udpgen sends BURST packets (default 64) to each in
 * turn, the order rotated every cycle, and times each burst.  A burst's
 * packets are processed as they are sent (the veth hands each to its
 * peer's backlog, which runs when the sender re-enables softirqs), so a
 * burst's time is the cost of its packets through the router and the
 * sink.  The host may take the CPU away in the middle of a
 * burst, or slow it down for a while; a slow spell lasts many bursts of
 * every target, and the median burst of a target is one that ran alone.
 *
 * With -w, udpgen sets everything up, prints "ready" and waits for a line on
 * stdin, so that a controller can read a clock just before the packets.
 * Prints one line per target:
 *
 *   done T sent N errors E ns TOTAL bursts B min X p25 X median X p75 X
 *
 * (burst times in nanoseconds; bursts of BURST packets only), and exits 0
 * when every packet was taken by the kernel, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sched.h>
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
#define BURST_MAX	65536
#define TARGETS_MAX	8
#define DST_PORT	9	/* discard */

struct frame {
	struct ether_header eth;
	struct iphdr ip;
	struct udphdr udp;
	uint8_t payload[FRAME_LEN - sizeof(struct ether_header) -
			sizeof(struct iphdr) - sizeof(struct udphdr)];
} __attribute__((packed));

struct flows {
	unsigned long count;
	uint32_t src, nsrc;	/* host byte order */
	uint32_t dst, ndst;
	uint32_t sport, nsport;
	bool random;
};

struct target {
	const char *name;
	int fd;
	struct sockaddr_ll sll;
	struct frame frames[BATCH];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long next;		/* packets handed to sendmmsg() */
	unsigned long sent, errors;
	double ns;			/* all bursts */
	double *burst_ns;		/* full bursts only */
	unsigned long nbursts;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: udpgen -n COUNT -s SRC -S NSRC -d DST -D NDST -p SPORT [-P NSPORT] [-r]\n"
		"              [-b BURST] [-w] NETNS,IFNAME,DSTMAC...\n");
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
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !*s || v > max) {
		fprintf(stderr, "udpgen: bad number %s\n", s);
		exit(2);
	}
	return v;
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

static void frame_init(struct frame *f, const uint8_t *dmac,
		       const uint8_t *smac)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->eth.ether_dhost, dmac, ETH_ALEN);
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

/* Open the target's socket inside its namespace. */
static void target_open(struct target *t, char *spec)
{
	char *ns = strtok(spec, ","), *ifname = strtok(NULL, ","),
	     *mac = strtok(NULL, ",");
	uint8_t dmac[ETH_ALEN], smac[ETH_ALEN];
	int one = 1, self = -1, nsfd, k;
	char path[256];
	struct ifreq ifr;

	if (!ns || !ifname || !mac ||
	    sscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0], &dmac[1],
		   &dmac[2], &dmac[3], &dmac[4], &dmac[5]) != 6)
		usage();
	t->name = ns;
	if (strcmp(ns, "-")) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (self < 0 || nsfd < 0 || setns(nsfd, CLONE_NEWNET)) {
			fprintf(stderr, "udpgen: namespace %s: %s\n", ns,
				strerror(errno));
			exit(1);
		}
		close(nsfd);
	}
	t->fd = socket(AF_PACKET, SOCK_RAW, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (t->fd < 0 || ioctl(t->fd, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "udpgen: %s in %s: %s\n", ifname, ns,
			strerror(errno));
		exit(1);
	}
	memcpy(smac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	t->sll.sll_family = AF_PACKET;
	t->sll.sll_protocol = htons(ETH_P_IP);
	t->sll.sll_ifindex = if_nametoindex(ifname);
	t->sll.sll_halen = ETH_ALEN;
	memcpy(t->sll.sll_addr, dmac, ETH_ALEN);
	/* straight to the driver: no qdisc in the measurement */
	if (setsockopt(t->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		perror("udpgen: PACKET_QDISC_BYPASS");
	if (self >= 0 && (setns(self, CLONE_NEWNET) || close(self))) {
		perror("udpgen: back to the own namespace");
		exit(1);
	}
	for (k = 0; k < BATCH; k++) {
		frame_init(&t->frames[k], dmac, smac);
		t->iov[k].iov_base = &t->frames[k];
		t->iov[k].iov_len = sizeof(t->frames[k]);
		t->msgs[k].msg_hdr.msg_iov = &t->iov[k];
		t->msgs[k].msg_hdr.msg_iovlen = 1;
		t->msgs[k].msg_hdr.msg_name = &t->sll;
		t->msgs[k].msg_hdr.msg_namelen = sizeof(t->sll);
	}
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Packet @i of the sequence. */
static void frame_set(struct frame *f, const struct flows *fl,
		      unsigned long i, uint64_t *rnd)
{
	uint32_t sport;

	sport = fl->random ? fl->sport + xorshift(rnd) % fl->nsport :
			     fl->sport + i % fl->nsport;
	f->ip.saddr = htonl(fl->src + i % fl->nsrc);
	f->ip.daddr = htonl(fl->dst + i % fl->ndst);
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

/* Send @n packets of the target's sequence, BATCH at a time. */
static void target_send(struct target *t, const struct flows *fl,
			unsigned long n, uint64_t *rnd)
{
	unsigned int k, m;
	int ret;

	while (n) {
		m = n < BATCH ? n : BATCH;
		for (k = 0; k < m; k++)
			frame_set(&t->frames[k], fl, t->next + k, rnd);
		for (k = 0; k < m; ) {
			ret = sendmmsg(t->fd, t->msgs + k, m - k, 0);
			if (ret < 0) {
				if (errno != ENOBUFS && errno != EAGAIN) {
					perror("udpgen: sendmmsg");
					exit(1);
				}
				/* the frame at the head was refused: count it */
				t->errors++;
				ret = 1;
			} else {
				t->sent += ret;
			}
			k += ret;
		}
		t->next += m;
		n -= m;
	}
}

/* Send the target's next burst of up to @burst packets; time it. */
static void target_burst(struct target *t, const struct flows *fl,
			 unsigned int burst, uint64_t *rnd)
{
	unsigned long n = fl->count - t->next < burst ? fl->count - t->next :
							burst;
	double t0 = now_ns();

	target_send(t, fl, n, rnd);
	t0 = now_ns() - t0;
	t->ns += t0;
	if (n == burst)
		t->burst_ns[t->nbursts++] = t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(struct target *t)
{
	double *b = t->burst_ns, q[4] = { 0 };
	unsigned long n = t->nbursts;

	if (n) {
		qsort(b, n, sizeof(*b), cmp_double);
		q[0] = b[0];
		q[1] = b[n / 4];
		q[2] = n % 2 ? b[n / 2] : (b[n / 2 - 1] + b[n / 2]) / 2;
		q[3] = b[3 * n / 4];
	}
	printf("done %s sent %lu errors %lu ns %.0f bursts %lu min %.0f p25 %.0f median %.0f p75 %.0f\n",
	       t->name, t->sent, t->errors, t->ns, n, q[0], q[1], q[2], q[3]);
}

int main(int argc, char **argv)
{
	static struct target targets[TARGETS_MAX];
	uint64_t rnd = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
	unsigned int burst = BATCH, ntargets, i, cycle;
	struct flows fl = { .nsrc = 1, .ndst = 1, .nsport = 1 };
	bool wait = false, more, ok = true;
	char line[64];
	int opt;

	while ((opt = getopt(argc, argv, "n:s:S:d:D:p:P:rb:w")) != -1) {
		switch (opt) {
		case 'n':
			fl.count = parse_num(optarg, ~0UL);
			break;
		case 's':
			fl.src = parse_addr(optarg);
			break;
		case 'S':
			fl.nsrc = parse_num(optarg, UINT32_MAX);
			break;
		case 'd':
			fl.dst = parse_addr(optarg);
			break;
		case 'D':
			fl.ndst = parse_num(optarg, UINT32_MAX);
			break;
		case 'p':
			fl.sport = parse_num(optarg, 65535);
			break;
		case 'P':
			fl.nsport = parse_num(optarg, 65535);
			break;
		case 'r':
			fl.random = true;
			break;
		case 'b':
			burst = parse_num(optarg, BURST_MAX);
			break;
		case 'w':
			wait = true;
			break;
		default:
			usage();
		}
	}
	ntargets = argc - optind;
	if (!ntargets || ntargets > TARGETS_MAX || !burst || !fl.src ||
	    !fl.dst || !fl.sport || !fl.nsrc || !fl.ndst || !fl.nsport ||
	    fl.sport + fl.nsport - 1 > 65535)
		usage();
	for (i = 0; i < ntargets; i++) {
		target_open(&targets[i], argv[optind + i]);
		targets[i].burst_ns = calloc(fl.count / burst + 1, sizeof(double));
		if (!targets[i].burst_ns) {
			fprintf(stderr, "udpgen: out of memory\n");
			return 1;
		}
	}
	if (wait) {
		printf("ready\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}

	for (cycle = 0, more = true; more; cycle++) {
		more = false;
		for (i = 0; i < ntargets; i++) {
			struct target *t = &targets[(i + cycle) % ntargets];

			if (t->next < fl.count) {
				target_burst(t, &fl, burst, &rnd);
				more |= t->next < fl.count;
			}
		}
	}

	for (i = 0; i < ntargets; i++) {
		report(&targets[i]);
		ok &= targets[i].sent == fl.count;
	}
	return ok ? 0 : 1;
}
