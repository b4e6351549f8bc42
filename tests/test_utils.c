// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of natctl's parsing and formatting helpers, tools/natctl/utils.c
 * linked unchanged (it needs nothing else from natctl).  Each parser gets a
 * table of good, bad and boundary inputs; each formatter is checked against
 * its parser (format, parse back, compare), and split_args() must read back
 * every word quote_word() writes, awkward and random ones included.
 *
 * utils.h promises that a parser writes its result only on success, so the
 * outputs start as SENTINEL and a refusal must leave them so.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unit.h"
#include "utils.h"

#define SENTINEL	0xa5a5a5a5U
#define SENTINEL16	0xa5a5

/* The enum's names, independent of parse_strerror() under test */
static const char *err_name(int err)
{
	static const char *const names[] = {
		[PARSE_OK] = "OK",
		[PARSE_MALFORMED] = "MALFORMED",
		[PARSE_RANGE] = "RANGE",
		[PARSE_HOSTBITS] = "HOSTBITS",
		[PARSE_REVERSED] = "REVERSED",
		[PARSE_DUPLICATE] = "DUPLICATE",
		[PARSE_TOO_MANY] = "TOO_MANY",
		[PARSE_QUOTE] = "QUOTE",
		[PARSE_CONTROL] = "CONTROL",
	};

	if (err < 0 || (unsigned int)err >= ARRAY_SIZE(names))
		return "unknown";
	return names[err];
}

/*
 * @s made printable for a failure message, which must stay on one line.
 * One static buffer: at most one esc() per message.
 */
static const char *esc(const char *s)
{
	static char buf[256];
	size_t n = 0;

	for (; *s && n + 5 < sizeof(buf); s++) {
		unsigned char c = *s;

		if (c < 0x20 || c >= 0x7f || c == '\\')
			n += snprintf(buf + n, sizeof(buf) - n, "\\x%02x", c);
		else
			buf[n++] = c;
	}
	buf[n] = '\0';
	return buf;
}

/* @got evaluated once: a split_args() call must not run twice */
#define CHECK_ERR(got, want, s) do {					\
	int got_ = (got);						\
									\
	CHECK(got_ == (want), "\"%s\": %s, expected %s", esc(s),	\
	      err_name(got_), err_name(want));				\
} while (0)

static void test_parse_uint(void)
{
	static const struct {
		const char *s;
		uint32_t min, max;
		int err;
		uint32_t val;
	} cases[] = {
		{ "0", 0, 10, PARSE_OK, 0 },
		{ "10", 0, 10, PARSE_OK, 10 },
		{ "7", 7, 7, PARSE_OK, 7 },
		{ "11", 0, 10, PARSE_RANGE, 0 },
		{ "0", 1, 10, PARSE_RANGE, 0 },
		{ "4294967295", 0, UINT32_MAX, PARSE_OK, UINT32_MAX },
		{ "4294967295", 0, UINT32_MAX - 1, PARSE_RANGE, 0 },
		{ "4294967296", 0, UINT32_MAX, PARSE_RANGE, 0 },
		{ "10000000000", 0, UINT32_MAX, PARSE_RANGE, 0 },
		/* 2^64 and 2^64 + 5 wrap a 64-bit accumulator to 0 and 5 */
		{ "18446744073709551616", 0, UINT32_MAX, PARSE_RANGE, 0 },
		{ "18446744073709551621", 0, UINT32_MAX, PARSE_RANGE, 0 },
		{ "99999999999999999999999999999999", 0, UINT32_MAX,
		  PARSE_RANGE, 0 },
		{ "", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ "-1", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ "-0", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ "+1", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ "0x10", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ "0X10", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ "1e3", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ "1.0", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ "1,000", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ "1_000", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ " 8", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ "8 ", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ "8\n", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ "\t8", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ "12a", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ "1:0", 0, UINT32_MAX, PARSE_MALFORMED, 0 },	/* '9' + 1 */
		{ "1/0", 0, UINT32_MAX, PARSE_MALFORMED, 0 },	/* '0' - 1 */
		{ "a12", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ "ten", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		/* garbage is reported as such even past the range */
		{ "4294967296x", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
		{ "\xd9\xa3", 0, UINT32_MAX, PARSE_MALFORMED, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t val = SENTINEL;
		int err = parse_uint(cases[i].s, cases[i].min, cases[i].max,
				     &val);

		CHECK_ERR(err, cases[i].err, cases[i].s);
		CHECK(val == (err ? SENTINEL : cases[i].val),
		      "\"%s\": value %u", esc(cases[i].s), val);
	}
}

/*
 * "010" is 8 to strtoul(…, 0) and so to iproute2 ("ip route add
 * 10.0.0.0/010" adds 10.0.0.0/8, and it refuses "/08"), but 10 to a
 * decimal-only parser.  The same words must not mean two things in two
 * tools of one router: refused, as inet_pton() refuses "010.0.0.1".
 */
static void test_leading_zeros(void)
{
	static const char *const words[] = {
		"00", "01", "010", "08", "0000000001", "00000000000000000000",
	};
	static const char *const ranges[] = {
		"080-90", "80-090", "01-65535", "010/20", "010",
	};
	static const char *const cidrs[] = {
		"10.0.0.0/010", "10.0.0.0/08", "0.0.0.0/00", "10.0.0.1/032",
	};
	struct port_range r = { SENTINEL16, SENTINEL16 };
	struct cidr c = { SENTINEL, 0xa5 };
	uint32_t val = SENTINEL;
	uint16_t port = SENTINEL16;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(words); i++) {
		CHECK_ERR(parse_uint(words[i], 0, UINT32_MAX, &val),
			  PARSE_MALFORMED, words[i]);
		CHECK_ERR(parse_port(words[i], &port), PARSE_MALFORMED,
			  words[i]);
	}
	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		char sep = strchr(ranges[i], '-') ? '-' : '/';

		CHECK_ERR(parse_port_range(ranges[i], sep, true, &r),
			  PARSE_MALFORMED, ranges[i]);
	}
	for (i = 0; i < ARRAY_SIZE(cidrs); i++)
		CHECK_ERR(parse_cidr(cidrs[i], &c), PARSE_MALFORMED, cidrs[i]);
	CHECK(val == SENTINEL && port == SENTINEL16 && r.lo == SENTINEL16 &&
	      c.addr == SENTINEL, "a refusal wrote its result");
}

static void test_parse_ipv4(void)
{
	static const struct {
		const char *s;
		int err;
		uint32_t addr;		/* host byte order */
	} cases[] = {
		{ "0.0.0.0", PARSE_OK, 0 },
		{ "255.255.255.255", PARSE_OK, 0xffffffff },
		{ "10.0.0.1", PARSE_OK, 0x0a000001 },
		{ "1.2.3.4", PARSE_OK, 0x01020304 },
		{ "192.168.100.254", PARSE_OK, 0xc0a864fe },
		{ "", PARSE_MALFORMED, 0 },
		{ "1", PARSE_MALFORMED, 0 },
		{ "1.2", PARSE_MALFORMED, 0 },
		{ "1.2.3", PARSE_MALFORMED, 0 },
		{ "1.2.3.4.5", PARSE_MALFORMED, 0 },
		{ "256.0.0.1", PARSE_MALFORMED, 0 },
		{ "1.2.3.256", PARSE_MALFORMED, 0 },
		{ "1.2.3.1000", PARSE_MALFORMED, 0 },
		{ "1.2.3.4.", PARSE_MALFORMED, 0 },
		{ ".1.2.3.4", PARSE_MALFORMED, 0 },
		{ "1..2.3", PARSE_MALFORMED, 0 },
		{ "1.2.3.-1", PARSE_MALFORMED, 0 },
		{ "+1.2.3.4", PARSE_MALFORMED, 0 },
		{ " 1.2.3.4", PARSE_MALFORMED, 0 },
		{ "1.2.3.4 ", PARSE_MALFORMED, 0 },
		{ "1.2.3.4\n", PARSE_MALFORMED, 0 },
		{ "1.2. 3.4", PARSE_MALFORMED, 0 },
		/* octal or hex to inet_aton(): refused, not misread */
		{ "010.0.0.1", PARSE_MALFORMED, 0 },
		{ "1.2.3.04", PARSE_MALFORMED, 0 },
		{ "00.0.0.0", PARSE_MALFORMED, 0 },
		{ "0x0a.0.0.1", PARSE_MALFORMED, 0 },
		{ "0x0a000001", PARSE_MALFORMED, 0 },
		{ "167772161", PARSE_MALFORMED, 0 },
		{ "1.2.3.4/32", PARSE_MALFORMED, 0 },
		{ "1.2.3.4:80", PARSE_MALFORMED, 0 },
		{ "1.2.3.4,5.6.7.8", PARSE_MALFORMED, 0 },
		{ "a.b.c.d", PARSE_MALFORMED, 0 },
		{ "localhost", PARSE_MALFORMED, 0 },
		{ "::1", PARSE_MALFORMED, 0 },
		{ "::ffff:1.2.3.4", PARSE_MALFORMED, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t addr = SENTINEL;
		int err = parse_ipv4(cases[i].s, &addr);

		CHECK_ERR(err, cases[i].err, cases[i].s);
		CHECK(addr == (err ? SENTINEL : htonl(cases[i].addr)),
		      "\"%s\": address %08x", esc(cases[i].s), ntohl(addr));
	}
}

#define LIST_ROOM	8

static void test_parse_ipv4_list(void)
{
	static const struct {
		const char *s;
		unsigned int max;
		int err;
		unsigned int n;
		uint32_t addrs[LIST_ROOM];	/* host byte order */
	} cases[] = {
		{ "1.2.3.4", 1, PARSE_OK, 1, { 0x01020304 } },
		{ "1.2.3.4,5.6.7.8", 4, PARSE_OK, 2,
		  { 0x01020304, 0x05060708 } },
		{ "0.0.0.0,255.255.255.255,10.0.0.1", 3, PARSE_OK, 3,
		  { 0, 0xffffffff, 0x0a000001 } },
		{ "1.2.3.4", 0, PARSE_TOO_MANY, 0, { 0 } },
		{ "1.2.3.4,5.6.7.8,9.10.11.12", 2, PARSE_TOO_MANY, 0, { 0 } },
		{ "1.2.3.4,1.2.3.4", 4, PARSE_DUPLICATE, 0, { 0 } },
		{ "1.2.3.4,5.6.7.8,1.2.3.4", 4, PARSE_DUPLICATE, 0, { 0 } },
		{ "5.6.7.8,1.2.3.4,1.2.3.4", 4, PARSE_DUPLICATE, 0, { 0 } },
		{ "", 4, PARSE_MALFORMED, 0, { 0 } },
		{ ",", 4, PARSE_MALFORMED, 0, { 0 } },
		{ "1.2.3.4,", 4, PARSE_MALFORMED, 0, { 0 } },
		{ ",1.2.3.4", 4, PARSE_MALFORMED, 0, { 0 } },
		{ "1.2.3.4,,5.6.7.8", 4, PARSE_MALFORMED, 0, { 0 } },
		{ "1.2.3.4, 5.6.7.8", 4, PARSE_MALFORMED, 0, { 0 } },
		{ "1.2.3.4 ,5.6.7.8", 4, PARSE_MALFORMED, 0, { 0 } },
		{ "1.2.3.4 5.6.7.8", 4, PARSE_MALFORMED, 0, { 0 } },
		{ "1.2.3.4;5.6.7.8", 4, PARSE_MALFORMED, 0, { 0 } },
		{ "1.2.3.4,256.0.0.1", 4, PARSE_MALFORMED, 0, { 0 } },
		{ "1.2.3.4,1.2.3", 4, PARSE_MALFORMED, 0, { 0 } },
		{ "1.2.3.4,010.0.0.1", 4, PARSE_MALFORMED, 0, { 0 } },
		{ "1.2.3.4,255.255.255.2555", 4, PARSE_MALFORMED, 0, { 0 } },
		{ "10.0.0.0/8", 4, PARSE_MALFORMED, 0, { 0 } },
	};
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t addrs[LIST_ROOM];
		unsigned int n = SENTINEL;
		int err;

		for (j = 0; j < LIST_ROOM; j++)
			addrs[j] = SENTINEL;
		err = parse_ipv4_list(cases[i].s, addrs, cases[i].max, &n);
		CHECK_ERR(err, cases[i].err, cases[i].s);
		CHECK(n == (err ? SENTINEL : cases[i].n), "\"%s\": n %u",
		      esc(cases[i].s), n);
		for (j = 0; !err && j < n; j++)
			CHECK(addrs[j] == htonl(cases[i].addrs[j]),
			      "\"%s\": address %u", esc(cases[i].s), j);
		for (j = cases[i].max; j < LIST_ROOM; j++)
			CHECK(addrs[j] == SENTINEL, "\"%s\": wrote past max",
			      esc(cases[i].s));
	}
}

/* Lists of 0 to 32 addresses against a room of one less, as many, more */
static void test_parse_ipv4_list_max(void)
{
	char s[32 * IPV4_STRLEN];
	uint32_t addrs[33];
	unsigned int k, max, n, j;
	size_t len = 0;
	int err, want;

	for (k = 1; k <= 32; k++) {
		len += snprintf(s + len, sizeof(s) - len, "%s10.0.%u.%u",
				k > 1 ? "," : "", k, 255 - k);
		for (max = k - 1; max <= k + 1; max++) {
			for (j = 0; j < ARRAY_SIZE(addrs); j++)
				addrs[j] = SENTINEL;
			n = SENTINEL;
			err = parse_ipv4_list(s, addrs, max, &n);
			want = max < k ? PARSE_TOO_MANY : PARSE_OK;
			CHECK(err == want, "%u addresses, max %u: %s", k, max,
			      err_name(err));
			CHECK(err || n == k, "%u addresses: n %u", k, n);
			for (j = 0; !err && j < k; j++)
				CHECK(ntohl(addrs[j]) == (0x0a000000U |
							  (j + 1) << 8 |
							  (254 - j)),
				      "%u addresses: address %u", k, j);
			for (j = max; j < ARRAY_SIZE(addrs); j++)
				CHECK(addrs[j] == SENTINEL,
				      "%u addresses, max %u: wrote past max",
				      k, max);
		}
	}
}

/* utils.h: "write their result only on success", the list included */
static void test_parse_ipv4_list_no_partial_result(void)
{
	static const char *const bad[] = {
		"1.2.3.4,1.2.3.4",
		"1.2.3.4,5.6.7.8,1.2.3",
		"1.2.3.4,5.6.7.8,9.10.11.12",
	};
	uint32_t addrs[2];
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		addrs[0] = addrs[1] = SENTINEL;
		n = SENTINEL;
		CHECK(parse_ipv4_list(bad[i], addrs, 2, &n) != PARSE_OK,
		      "\"%s\" accepted", bad[i]);
		CHECK(n == SENTINEL, "\"%s\": n written", bad[i]);
		CHECK(addrs[0] == SENTINEL && addrs[1] == SENTINEL,
		      "\"%s\" refused, but addresses were written", bad[i]);
	}
}

static void test_parse_cidr(void)
{
	static const struct {
		const char *s;
		int err;
		uint32_t addr;		/* host byte order */
		uint8_t plen;
	} cases[] = {
		{ "0.0.0.0/0", PARSE_OK, 0, 0 },
		{ "10.0.0.0/8", PARSE_OK, 0x0a000000, 8 },
		{ "10.0.0.0/7", PARSE_OK, 0x0a000000, 7 },
		{ "128.0.0.0/1", PARSE_OK, 0x80000000, 1 },
		{ "192.168.0.0/16", PARSE_OK, 0xc0a80000, 16 },
		{ "192.168.1.0/24", PARSE_OK, 0xc0a80100, 24 },
		{ "255.255.255.254/31", PARSE_OK, 0xfffffffe, 31 },
		{ "10.0.0.1/32", PARSE_OK, 0x0a000001, 32 },
		{ "0.0.0.0/32", PARSE_OK, 0, 32 },
		{ "255.255.255.255/32", PARSE_OK, 0xffffffff, 32 },
		/* host bits: a typing mistake, never silently masked */
		{ "10.0.0.1/16", PARSE_HOSTBITS, 0, 0 },
		{ "192.168.1.1/24", PARSE_HOSTBITS, 0, 0 },
		{ "11.0.0.0/7", PARSE_HOSTBITS, 0, 0 },
		{ "10.0.0.1/31", PARSE_HOSTBITS, 0, 0 },
		{ "255.255.255.255/31", PARSE_HOSTBITS, 0, 0 },
		{ "0.0.0.1/0", PARSE_HOSTBITS, 0, 0 },
		{ "128.0.0.0/0", PARSE_HOSTBITS, 0, 0 },
		{ "10.0.0.0/33", PARSE_RANGE, 0, 0 },
		{ "0.0.0.0/33", PARSE_RANGE, 0, 0 },
		{ "10.0.0.0/4294967296", PARSE_RANGE, 0, 0 },
		/* the prefix length is mandatory, and decimal */
		{ "10.0.0.0", PARSE_MALFORMED, 0, 0 },
		{ "10.0.0.1", PARSE_MALFORMED, 0, 0 },
		{ "10.0.0.0/", PARSE_MALFORMED, 0, 0 },
		{ "/8", PARSE_MALFORMED, 0, 0 },
		{ "/", PARSE_MALFORMED, 0, 0 },
		{ "", PARSE_MALFORMED, 0, 0 },
		{ "10.0.0.0/8/8", PARSE_MALFORMED, 0, 0 },
		{ "10.0.0.0/-1", PARSE_MALFORMED, 0, 0 },
		{ "10.0.0.0/+8", PARSE_MALFORMED, 0, 0 },
		{ "10.0.0.0/0x8", PARSE_MALFORMED, 0, 0 },
		{ "10.0.0.0/255.0.0.0", PARSE_MALFORMED, 0, 0 },
		{ "10.0.0.0/ 8", PARSE_MALFORMED, 0, 0 },
		{ "10.0.0.0 /8", PARSE_MALFORMED, 0, 0 },
		{ " 10.0.0.0/8", PARSE_MALFORMED, 0, 0 },
		{ "10.0.0.0/8 ", PARSE_MALFORMED, 0, 0 },
		{ "10.0.0/8", PARSE_MALFORMED, 0, 0 },
		{ "10.0.0.0.0/8", PARSE_MALFORMED, 0, 0 },
		{ "256.0.0.0/8", PARSE_MALFORMED, 0, 0 },
		{ "010.0.0.0/8", PARSE_MALFORMED, 0, 0 },
		{ "255.255.255.2555/8", PARSE_MALFORMED, 0, 0 },
		{ "10.0.0.0\\8", PARSE_MALFORMED, 0, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cidr c = { SENTINEL, 0xa5 };
		int err = parse_cidr(cases[i].s, &c);

		CHECK_ERR(err, cases[i].err, cases[i].s);
		if (err)
			CHECK(c.addr == SENTINEL && c.plen == 0xa5,
			      "\"%s\" refused, but written", esc(cases[i].s));
		else
			CHECK(c.addr == htonl(cases[i].addr) &&
			      c.plen == cases[i].plen, "\"%s\": %08x/%u",
			      esc(cases[i].s), ntohl(c.addr), c.plen);
	}
}

static uint32_t host_mask(unsigned int plen)
{
	return plen ? ~0U << (32 - plen) : 0;
}

static void test_plen_to_mask(void)
{
	static const struct {
		uint8_t plen;
		uint32_t mask;		/* host byte order */
	} cases[] = {
		{ 0, 0 }, { 1, 0x80000000 }, { 7, 0xfe000000 },
		{ 8, 0xff000000 }, { 9, 0xff800000 }, { 16, 0xffff0000 },
		{ 23, 0xfffffe00 }, { 24, 0xffffff00 }, { 25, 0xffffff80 },
		{ 31, 0xfffffffe }, { 32, 0xffffffff },
	};
	unsigned int i;
	uint32_t m;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK(plen_to_mask(cases[i].plen) == htonl(cases[i].mask),
		      "/%u: %08x", cases[i].plen,
		      ntohl(plen_to_mask(cases[i].plen)));
	/* every length: @plen leading ones, then zeros */
	for (i = 0; i <= 32; i++) {
		m = ntohl(plen_to_mask(i));
		CHECK(__builtin_popcount(m) == (int)i && !(~m & (~m + 1)),
		      "/%u: %08x", i, m);
	}
}

/* format_cidr() then parse_cidr(), and every host bit refused */
static void test_cidr_round_trip(void)
{
	char buf[CIDR_STRLEN], want[32];
	uint32_t addr, bit;
	uint64_t rng = 4;
	struct cidr c;
	unsigned int plen, i;

	for (i = 0; i < 20000; i++) {
		plen = prng_below(&rng, 33);
		addr = (uint32_t)prng_next(&rng) & host_mask(plen);
		snprintf(want, sizeof(want), "%u.%u.%u.%u/%u",
			 addr >> 24, addr >> 16 & 0xff, addr >> 8 & 0xff,
			 addr & 0xff, plen);
		format_cidr(htonl(addr), plen, buf);
		CHECK(!strcmp(buf, want), "%s written as %s", want, buf);
		CHECK(parse_cidr(buf, &c) == PARSE_OK &&
		      c.addr == htonl(addr) && c.plen == plen,
		      "%s not read back", buf);
		if (plen == 32)
			continue;
		bit = 1U << prng_below(&rng, 32 - plen);
		format_cidr(htonl(addr | bit), plen, buf);
		CHECK_ERR(parse_cidr(buf, &c), PARSE_HOSTBITS, buf);
	}
}

static void test_format_ipv4_cidr(void)
{
	char a[IPV4_STRLEN], c[CIDR_STRLEN];

	CHECK(!strcmp(format_ipv4(0, a), "0.0.0.0"), "%s", a);
	CHECK(!strcmp(format_ipv4(htonl(0x0a000001), a), "10.0.0.1"), "%s",
	      a);
	/* the longest forms fill their buffers exactly */
	CHECK(!strcmp(format_ipv4(0xffffffff, a), "255.255.255.255") &&
	      strlen(a) == IPV4_STRLEN - 1, "%s", a);
	CHECK(!strcmp(format_cidr(0, 0, c), "0.0.0.0/0"), "%s", c);
	CHECK(!strcmp(format_cidr(htonl(0xc0a80100), 24, c),
		      "192.168.1.0/24"), "%s", c);
	CHECK(!strcmp(format_cidr(0xffffffff, 32, c), "255.255.255.255/32") &&
	      strlen(c) == CIDR_STRLEN - 1, "%s", c);
}

/* format_ipv4() against inet_ntop(): every octet value, in every place */
static void test_format_ipv4_ntop(void)
{
	char a[IPV4_STRLEN], ref[INET_ADDRSTRLEN];
	uint64_t rng = 7;
	uint32_t addr;
	int i, o;

	for (i = 0; i < 256 * 4 + 10000; i++) {
		addr = (uint32_t)prng_next(&rng);
		if (i < 256 * 4) {	/* octet i / 4 is each value in turn */
			o = i % 4;
			addr = (addr & ~(0xffU << 8 * o)) | (uint32_t)(i / 4) << 8 * o;
		}
		inet_ntop(AF_INET, &addr, ref, sizeof(ref));
		CHECK(!strcmp(format_ipv4(addr, a), ref), "%s, not %s", a, ref);
	}
}

static void test_parse_port(void)
{
	static const struct {
		const char *s;
		int err;
		uint16_t port;
	} cases[] = {
		{ "1", PARSE_OK, 1 },
		{ "80", PARSE_OK, 80 },
		{ "65535", PARSE_OK, 65535 },
		{ "0", PARSE_RANGE, 0 },
		{ "65536", PARSE_RANGE, 0 },
		{ "131152", PARSE_RANGE, 0 },	/* 80 + 2^17: not truncated */
		{ "4294967296", PARSE_RANGE, 0 },
		{ "", PARSE_MALFORMED, 0 },
		{ " 80", PARSE_MALFORMED, 0 },
		{ "80 ", PARSE_MALFORMED, 0 },
		{ "-1", PARSE_MALFORMED, 0 },
		{ "+80", PARSE_MALFORMED, 0 },
		{ "0x50", PARSE_MALFORMED, 0 },
		{ "http", PARSE_MALFORMED, 0 },
		{ "80-90", PARSE_MALFORMED, 0 },
		{ "80/90", PARSE_MALFORMED, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint16_t port = SENTINEL16;
		int err = parse_port(cases[i].s, &port);

		CHECK_ERR(err, cases[i].err, cases[i].s);
		CHECK(port == (err ? SENTINEL16 : cases[i].port),
		      "\"%s\": port %u", esc(cases[i].s), port);
	}
}

static void test_parse_port_range(void)
{
	static const struct {
		const char *s;
		char sep;
		bool single_ok;
		int err;
		uint16_t lo, hi;
	} cases[] = {
		/* SNAT: LO-HI only */
		{ "1-65535", '-', false, PARSE_OK, 1, 65535 },
		{ "1025-65535", '-', false, PARSE_OK, 1025, 65535 },
		{ "80-80", '-', false, PARSE_OK, 80, 80 },
		{ "65535-65535", '-', false, PARSE_OK, 65535, 65535 },
		{ "80", '-', false, PARSE_MALFORMED, 0, 0 },
		{ "90-80", '-', false, PARSE_REVERSED, 0, 0 },
		{ "65535-1", '-', false, PARSE_REVERSED, 0, 0 },
		{ "0-10", '-', false, PARSE_RANGE, 0, 0 },
		{ "1-65536", '-', false, PARSE_RANGE, 0, 0 },
		{ "99999-1", '-', false, PARSE_RANGE, 0, 0 },
		{ "80-", '-', false, PARSE_MALFORMED, 0, 0 },
		{ "-80", '-', false, PARSE_MALFORMED, 0, 0 },
		{ "-", '-', false, PARSE_MALFORMED, 0, 0 },
		{ "", '-', false, PARSE_MALFORMED, 0, 0 },
		{ "80--90", '-', false, PARSE_MALFORMED, 0, 0 },
		{ "80-90-100", '-', false, PARSE_MALFORMED, 0, 0 },
		{ "80/90", '-', false, PARSE_MALFORMED, 0, 0 },
		{ "80 - 90", '-', false, PARSE_MALFORMED, 0, 0 },
		{ " 80-90", '-', false, PARSE_MALFORMED, 0, 0 },
		{ "80-90 ", '-', false, PARSE_MALFORMED, 0, 0 },
		{ "123456789012-1", '-', false, PARSE_MALFORMED, 0, 0 },
		{ "80", '-', true, PARSE_OK, 80, 80 },
		{ "0", '-', true, PARSE_RANGE, 0, 0 },
		/* DNAT: P or P/Q */
		{ "80", '/', true, PARSE_OK, 80, 80 },
		{ "1", '/', true, PARSE_OK, 1, 1 },
		{ "65535", '/', true, PARSE_OK, 65535, 65535 },
		{ "10/20", '/', true, PARSE_OK, 10, 20 },
		{ "1/65535", '/', true, PARSE_OK, 1, 65535 },
		{ "20/20", '/', true, PARSE_OK, 20, 20 },
		{ "20/10", '/', true, PARSE_REVERSED, 0, 0 },
		{ "0", '/', true, PARSE_RANGE, 0, 0 },
		{ "65536", '/', true, PARSE_RANGE, 0, 0 },
		{ "0/10", '/', true, PARSE_RANGE, 0, 0 },
		{ "10/65536", '/', true, PARSE_RANGE, 0, 0 },
		{ "80-90", '/', true, PARSE_MALFORMED, 0, 0 },
		{ "80/", '/', true, PARSE_MALFORMED, 0, 0 },
		{ "/80", '/', true, PARSE_MALFORMED, 0, 0 },
		{ "80/90/100", '/', true, PARSE_MALFORMED, 0, 0 },
		{ "", '/', true, PARSE_MALFORMED, 0, 0 },
		{ " 80", '/', true, PARSE_MALFORMED, 0, 0 },
		{ "80", '/', false, PARSE_MALFORMED, 0, 0 },
		{ "80/80", '/', false, PARSE_OK, 80, 80 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct port_range r = { SENTINEL16, SENTINEL16 };
		int err = parse_port_range(cases[i].s, cases[i].sep,
					   cases[i].single_ok, &r);

		CHECK(err == cases[i].err,
		      "\"%s\" sep '%c' single_ok %d: %s, expected %s",
		      esc(cases[i].s), cases[i].sep, cases[i].single_ok,
		      err_name(err), err_name(cases[i].err));
		if (err)
			CHECK(r.lo == SENTINEL16 && r.hi == SENTINEL16,
			      "\"%s\" refused, but written", esc(cases[i].s));
		else
			CHECK(r.lo == cases[i].lo && r.hi == cases[i].hi,
			      "\"%s\": %u to %u", esc(cases[i].s), r.lo, r.hi);
	}
}

static void port_range_round_trip(uint16_t lo, uint16_t hi, char sep)
{
	char buf[PORT_RANGE_STRLEN], want[32];
	struct port_range r;

	if (sep == '/' && lo == hi)
		snprintf(want, sizeof(want), "%u", lo);
	else
		snprintf(want, sizeof(want), "%u%c%u", lo, sep, hi);
	format_port_range(lo, hi, sep, buf);
	CHECK(!strcmp(buf, want), "%s written as %s", want, buf);
	/* what natctl writes, natctl reads: DNAT single ports, SNAT not */
	CHECK(parse_port_range(buf, sep, sep == '/', &r) == PARSE_OK &&
	      r.lo == lo && r.hi == hi, "%s not read back", buf);
}

static void test_port_range_round_trip(void)
{
	static const uint16_t edges[] = { 1, 2, 1023, 1024, 1025, 65534,
					  65535 };
	uint64_t rng = 80;
	unsigned int i, j;
	uint16_t a, b;

	for (i = 1; i <= 65535; i++) {
		port_range_round_trip(i, i, '/');
		port_range_round_trip(i, i, '-');
	}
	for (i = 0; i < ARRAY_SIZE(edges); i++)
		for (j = i; j < ARRAY_SIZE(edges); j++) {
			port_range_round_trip(edges[i], edges[j], '/');
			port_range_round_trip(edges[i], edges[j], '-');
		}
	for (i = 0; i < 20000; i++) {
		a = 1 + prng_below(&rng, 65535);
		b = 1 + prng_below(&rng, 65535);
		port_range_round_trip(a < b ? a : b, a < b ? b : a,
				      i & 1 ? '/' : '-');
	}
}

static void test_parse_on_off(void)
{
	static const char *const bad[] = {
		"", "o", "of", "On", "ON", "OFF", "Off", "on ", " on", "onn",
		"offf", "on\n", "yes", "no", "1", "0", "true", "enable",
	};
	bool on;
	unsigned int i;

	on = false;
	CHECK(parse_on_off("on", &on) == PARSE_OK && on, "on");
	on = true;
	CHECK(parse_on_off("off", &on) == PARSE_OK && !on, "off");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		on = true;
		CHECK_ERR(parse_on_off(bad[i], &on), PARSE_MALFORMED, bad[i]);
		CHECK(on, "\"%s\" refused, but written", esc(bad[i]));
		on = false;
		CHECK_ERR(parse_on_off(bad[i], &on), PARSE_MALFORMED, bad[i]);
		CHECK(!on, "\"%s\" refused, but written", esc(bad[i]));
	}
}

static void test_check_text(void)
{
	static const struct {
		const char *s;
		int err;
	} cases[] = {
		{ "", PARSE_OK },
		{ "office uplink, rack 4 (do not touch!)", PARSE_OK },
		{ "caf\xc3\xa9 \xe2\x98\x95", PARSE_OK },	/* UTF-8 */
		{ " ~ ", PARSE_OK },
		{ "a\tb", PARSE_CONTROL },
		{ "line\n", PARSE_CONTROL },
		{ "line\r\n", PARSE_CONTROL },
		{ "\x1b[31mred", PARSE_CONTROL },
		{ "del\x7f", PARSE_CONTROL },
	};
	char s[4] = "a b";
	unsigned int i;
	bool control;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_ERR(check_text(cases[i].s), cases[i].err, cases[i].s);
	/* every byte, in the middle of a word */
	for (i = 1; i < 256; i++) {
		s[1] = (char)i;
		control = i < 0x20 || i == 0x7f;
		CHECK_ERR(check_text(s), control ? PARSE_CONTROL : PARSE_OK, s);
	}
}

static void test_format_time(void)
{
	static const struct {
		uint64_t ns;
		const char *s;
	} cases[] = {
		{ 0, "1970-01-01T00:00:00.000000Z" },
		{ 999, "1970-01-01T00:00:00.000000Z" },
		{ 1000, "1970-01-01T00:00:00.000001Z" },
		{ 999999999, "1970-01-01T00:00:00.999999Z" },
		{ 1000000000, "1970-01-01T00:00:01.000000Z" },
		{ 1706745599123456789ULL, "2024-01-31T23:59:59.123456Z" },
		{ 1709164800000000000ULL, "2024-02-29T00:00:00.000000Z" },
		{ 4102444799999999999ULL, "2099-12-31T23:59:59.999999Z" },
		{ UINT64_MAX, "2554-07-21T23:34:33.709551Z" },
	};
	char buf[TIME_STRLEN];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		CHECK(format_time(cases[i].ns, buf) == buf, "not @buf");
		CHECK(!strcmp(buf, cases[i].s), "%llu ns: %s, expected %s",
		      (unsigned long long)cases[i].ns, buf, cases[i].s);
	}
}

/* format_time() read back with timegm(), over all of uint64_t */
static void test_format_time_round_trip(void)
{
	unsigned int usec, i;
	char buf[TIME_STRLEN];
	struct tm tm = { 0 };
	uint64_t rng = 1970, ns;
	int end;

	for (i = 0; i < 20000; i++) {
		ns = prng_next(&rng) >> prng_below(&rng, 64);
		format_time(ns, buf);
		end = 0;
		CHECK(sscanf(buf, "%4d-%2d-%2dT%2d:%2d:%2d.%6uZ%n",
			     &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
			     &tm.tm_min, &tm.tm_sec, &usec, &end) == 7 &&
		      end == 27 && !buf[end], "%llu ns: \"%s\"",
		      (unsigned long long)ns, buf);
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		CHECK((uint64_t)timegm(&tm) * 1000000 + usec == ns / 1000,
		      "%llu ns: \"%s\"", (unsigned long long)ns, buf);
	}
}

#define SPLIT_ROOM	6

struct split_case {
	const char *line;
	int err;
	int argc;
	const char *argv[SPLIT_ROOM];
};

static const struct split_case split_cases[] = {
	{ "", PARSE_OK, 0, { NULL } },
	{ "\t\n\t ", PARSE_OK, 0, { NULL } },
	{ "# a comment", PARSE_OK, 0, { NULL } },
	{ "  #a comment", PARSE_OK, 0, { NULL } },
	{ "a b  c", PARSE_OK, 3, { "a", "b", "c" } },
	{ "\ta\tb\n", PARSE_OK, 2, { "a", "b" } },
	{ "a # b c", PARSE_OK, 1, { "a" } },
	{ "a #", PARSE_OK, 1, { "a" } },
	{ "a#b c#", PARSE_OK, 2, { "a#b", "c#" } },
	{ "'#' \"#\" \\#", PARSE_OK, 3, { "#", "#", "#" } },
	{ "'a b'", PARSE_OK, 1, { "a b" } },
	{ "\"a b\"", PARSE_OK, 1, { "a b" } },
	{ "a'b c'd", PARSE_OK, 1, { "ab cd" } },
	{ "'a'\"b\"c", PARSE_OK, 1, { "abc" } },
	{ "'a\\b' 'a\"b'", PARSE_OK, 2, { "a\\b", "a\"b" } },
	{ "\"a'b\"", PARSE_OK, 1, { "a'b" } },
	{ "\"a\\\"b\" \"a\\\\b\"", PARSE_OK, 2, { "a\"b", "a\\b" } },
	{ "\"a\\nb\" \"\\'\"", PARSE_OK, 2, { "a\\nb", "\\'" } },
	{ "a\\ b \\' \\\" \\\\", PARSE_OK, 4, { "a b", "'", "\"", "\\" } },
	{ "'' \"\" x", PARSE_OK, 3, { "", "", "x" } },
	{ "'  ' \" \t \"", PARSE_OK, 2, { "  ", " \t " } },
	{ "'abc", PARSE_QUOTE, 0, { NULL } },
	{ "\"abc", PARSE_QUOTE, 0, { NULL } },
	{ "\"abc\\\"", PARSE_QUOTE, 0, { NULL } },
	{ "a 'b", PARSE_QUOTE, 0, { NULL } },
	{ "a \"b # c", PARSE_QUOTE, 0, { NULL } },
	{ "'", PARSE_QUOTE, 0, { NULL } },
	{ "a b c d e f", PARSE_OK, 6, { "a", "b", "c", "d", "e", "f" } },
	{ "a b c d e f g", PARSE_TOO_MANY, 0, { NULL } },
	{ "a b c d e f # g", PARSE_OK, 6, { "a", "b", "c", "d", "e", "f" } },
};

static void check_split(const struct split_case *c)
{
	char line[128], *argv[SPLIT_ROOM + 1];
	size_t len = strlen(c->line);
	int argc = -1, err, i;

	/* a write outside the line would show in what follows its NUL */
	memset(line, 0x5a, sizeof(line));
	memcpy(line, c->line, len + 1);
	argv[SPLIT_ROOM] = NULL;
	err = split_args(line, argv, SPLIT_ROOM, &argc);
	CHECK_ERR(err, c->err, c->line);
	CHECK(argc == (err ? -1 : c->argc), "\"%s\": argc %d", esc(c->line),
	      argc);
	CHECK(!argv[SPLIT_ROOM], "\"%s\": past max", esc(c->line));
	for (i = 0; i < argc; i++)
		CHECK(!strcmp(argv[i], c->argv[i]), "\"%s\": word %d \"%s\"",
		      esc(c->line), i, argv[i]);
	for (i = len + 1; i < (int)sizeof(line); i++)
		CHECK(line[i] == 0x5a, "\"%s\": wrote past the end",
		      esc(c->line));
}

static void test_split_args(void)
{
	unsigned int i;
	char line[] = "a b c";
	char *argv[3];
	int argc = -1;

	for (i = 0; i < ARRAY_SIZE(split_cases); i++)
		check_split(&split_cases[i]);
	CHECK(split_args(line, argv, 0, &argc) == PARSE_TOO_MANY && argc == -1,
	      "no room");
	strcpy(line, "# x");
	CHECK(split_args(line, argv, 0, &argc) == PARSE_OK && !argc,
	      "no room, no word");
}

static void test_quote_word(void)
{
	static const struct {
		const char *s;
		const char *quoted;
	} cases[] = {
		{ "eth0", "eth0" },
		{ "10.0.0.0/8", "10.0.0.0/8" },
		{ "a-b_c.d:e,f@g+h=i%j", "a-b_c.d:e,f@g+h=i%j" },
		{ "-", "-" },
		{ "", "\"\"" },
		{ " ", "\" \"" },
		{ "a b", "\"a b\"" },
		{ "#", "\"#\"" },
		{ "a#", "\"a#\"" },
		{ "'", "\"'\"" },
		{ "\"", "\"\\\"\"" },
		{ "\\", "\"\\\\\"" },
		{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ "$HOME", "\"$HOME\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
	};
	static const char *const control[] = {
		"a\nb", "\t", "x\x7f", "\x1b", "a\rb",
	};
	char buf[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		CHECK_ERR(quote_word(cases[i].s, buf, sizeof(buf)), PARSE_OK,
			  cases[i].s);
		CHECK(!strcmp(buf, cases[i].quoted), "\"%s\" quoted as %s",
		      esc(cases[i].s), buf);
	}
	for (i = 0; i < ARRAY_SIZE(control); i++)
		CHECK_ERR(quote_word(control[i], buf, sizeof(buf)),
			  PARSE_CONTROL, control[i]);
}

/*
 * quote_word() into heap buffers of every size up to the one it needs
 * (@need, the NUL included), so that a byte written past the end is seen
 * by the sanitizer or valgrind.
 */
static void check_quote_room(const char *s, size_t need)
{
	char out[256];
	size_t len;
	char *buf;
	int err;

	for (len = 0; len <= need; len++) {
		buf = malloc(len ? len : 1);
		CHECK(buf, "malloc");
		err = quote_word(s, buf, len);
		if (!err)
			strcpy(out, buf);
		free(buf);
		CHECK(err == (len < need ? PARSE_RANGE : PARSE_OK),
		      "\"%s\" in %zu bytes: %s", esc(s), len, err_name(err));
		CHECK(err || strlen(out) == need - 1,
		      "\"%s\" in %zu bytes: \"%s\"", esc(s), len, esc(out));
	}
}

static void test_quote_word_room(void)
{
	char s[64];
	size_t n;

	check_quote_room("eth0", 5);
	check_quote_room("x", 2);
	check_quote_room("", 3);
	check_quote_room("a b", 6);
	check_quote_room("a\"", 6);
	check_quote_room("\\", 5);
	/* the worst case, every character escaped: 2n + 3 */
	for (n = 1; n < 32; n++) {
		memset(s, n & 1 ? '"' : '\\', n);
		s[n] = '\0';
		check_quote_room(s, 2 * n + 3);
	}
}

/* quote_word() each word, join them with blanks, split_args() them back */
static void check_quote_split(const char *const *words, int n,
			      const char *tail)
{
	char line[4096], *argv[16];
	size_t len = 0;
	int argc, i;

	for (i = 0; i < n; i++) {
		CHECK_ERR(quote_word(words[i], line + len, sizeof(line) - len),
			  PARSE_OK, words[i]);
		len += strlen(line + len);
		line[len++] = ' ';
	}
	snprintf(line + len, sizeof(line) - len, "%s", tail);
	CHECK_ERR(split_args(line, argv, ARRAY_SIZE(argv), &argc), PARSE_OK,
		  words[0]);
	CHECK(argc == n, "%d words read back as %d, first \"%s\"", n, argc,
	      esc(words[0]));
	for (i = 0; i < n; i++)
		CHECK(!strcmp(argv[i], words[i]), "\"%s\" read back as \"%s\"",
		      words[i], argv[i]);
}

static void test_quote_split_awkward(void)
{
	static const char *const words[] = {
		"", " ", "  ", "a b", "'", "''", "\"", "\"\"", "\\", "\\\\",
		"\\\"", "\"\\", "'\"'", "#", "#x", " #", "a#", "a #b",
		"it's \"quoted\"", "back\\slash", "end\\", "\\start",
		"$HOME", "`id`", "a;b|c&d", "*?[]", "~", "(){}<>!",
		"caf\xc3\xa9 \xe2\x98\x95", "\xff\x80", "-", "--", "=", "%",
		"a,b", "many   spaces", "x",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(words); i++) {
		check_quote_split(&words[i], 1, "");
		check_quote_split(&words[i], 1, "# comment \"'");
	}
	for (i = 0; i + 8 <= ARRAY_SIZE(words); i += 8)
		check_quote_split(&words[i], 8, " \t# a comment");
}

/* Random words from an alphabet of the characters the quoting treats apart */
static void test_quote_split_random(void)
{
	static const char alphabet[] = " '\"\\#a-/,$;~\xc3\xa9";
	char words[8][16];
	const char *w[8];
	uint64_t rng = 42;
	unsigned int i, j, k, n, len;

	for (i = 0; i < 20000; i++) {
		n = 1 + prng_below(&rng, 8);
		for (j = 0; j < n; j++) {
			len = prng_below(&rng, sizeof(words[j]));
			for (k = 0; k < len; k++)
				words[j][k] = alphabet[prng_below(&rng,
						sizeof(alphabet) - 1)];
			words[j][len] = '\0';
			w[j] = words[j];
		}
		check_quote_split(w, n, i & 1 ? "" : "#");
	}
}

static void test_parse_strerror(void)
{
	const char *msg[PARSE_CONTROL + 1];
	int i, j;

	for (i = 0; i <= PARSE_CONTROL; i++) {
		msg[i] = parse_strerror(i);
		CHECK(msg[i] && *msg[i] && strcmp(msg[i], parse_strerror(-1)),
		      "%s has no message", err_name(i));
		for (j = 0; j < i; j++)
			CHECK(strcmp(msg[i], msg[j]), "%s and %s: \"%s\"",
			      err_name(i), err_name(j), msg[i]);
	}
	CHECK(parse_strerror(PARSE_CONTROL + 1), "unknown error");
}

static void test_matches(void)
{
	CHECK(matches("dev", "dev"), "dev");
	CHECK(!matches("de", "dev") && !matches("d", "dev"), "a prefix");
	CHECK(!matches("devx", "dev") && !matches("", "dev"), "not dev");
	CHECK(!matches("Dev", "dev"), "case");
}

const struct unit_test utils_tests[] = {
	{ "utils_parse_uint", test_parse_uint },
	{ "utils_leading_zeros", test_leading_zeros },
	{ "utils_parse_ipv4", test_parse_ipv4 },
	{ "utils_parse_ipv4_list", test_parse_ipv4_list },
	{ "utils_parse_ipv4_list_max", test_parse_ipv4_list_max },
	{ "utils_parse_ipv4_list_no_partial_result",
	  test_parse_ipv4_list_no_partial_result },
	{ "utils_parse_cidr", test_parse_cidr },
	{ "utils_plen_to_mask", test_plen_to_mask },
	{ "utils_cidr_round_trip", test_cidr_round_trip },
	{ "utils_format_ipv4_cidr", test_format_ipv4_cidr },
	{ "utils_format_ipv4_ntop", test_format_ipv4_ntop },
	{ "utils_parse_port", test_parse_port },
	{ "utils_parse_port_range", test_parse_port_range },
	{ "utils_port_range_round_trip", test_port_range_round_trip },
	{ "utils_parse_on_off", test_parse_on_off },
	{ "utils_check_text", test_check_text },
	{ "utils_format_time", test_format_time },
	{ "utils_format_time_round_trip", test_format_time_round_trip },
	{ "utils_split_args", test_split_args },
	{ "utils_quote_word", test_quote_word },
	{ "utils_quote_word_room", test_quote_word_room },
	{ "utils_quote_split_awkward", test_quote_split_awkward },
	{ "utils_quote_split_random", test_quote_split_random },
	{ "utils_parse_strerror", test_parse_strerror },
	{ "utils_matches", test_matches },
};
const unsigned int utils_ntests = ARRAY_SIZE(utils_tests);
