// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing and formatting of natctl's words: numbers, IPv4 addresses, CIDRs,
 * ports and port ranges, on|off, and the quoting used by batch files.
 *
 * Everything here is a pure function of its arguments (see utils.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <time.h>

#include "utils.h"

const char *parse_strerror(int err)
{
	switch (err) {
	case PARSE_OK:
		return "no error";
	case PARSE_MALFORMED:
		return "malformed";
	case PARSE_RANGE:
		return "out of range";
	case PARSE_HOSTBITS:
		return "host bits are set past the prefix length";
	case PARSE_REVERSED:
		return "the range ends before it starts";
	case PARSE_DUPLICATE:
		return "an address is listed twice";
	case PARSE_TOO_MANY:
		return "too many elements";
	case PARSE_QUOTE:
		return "unterminated quote";
	case PARSE_CONTROL:
		return "control characters are not allowed";
	}
	return "invalid";
}

/*
 * A decimal number, digits only: no sign, no blanks, no base prefix, so that
 * "0x10", "-1" and "8 " are refused rather than read as something else.
 */
int parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *val)
{
	uint64_t v = 0;
	const char *p;

	/* "010" would be 8 to iproute2 and 10 to strtoul: refuse it */
	if (!*s || (s[0] == '0' && s[1]))
		return PARSE_MALFORMED;
	for (p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return PARSE_MALFORMED;
	for (p = s; *p; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return PARSE_RANGE;
	}
	if (v < min || v > max)
		return PARSE_RANGE;
	*val = (uint32_t)v;
	return PARSE_OK;
}

/* Dotted quad only: inet_pton() refuses "10.1", "010.0.0.1" and hex. */
int parse_ipv4(const char *s, uint32_t *addr)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return PARSE_MALFORMED;
	*addr = in.s_addr;
	return PARSE_OK;
}

/* "A,B,C": no empty element, no address twice, at most @max addresses. */
/* The @i-th address of a comma-separated list already checked to be valid. */
static void parse_ipv4_at(const char *s, unsigned int i, uint32_t *addr)
{
	char word[IPV4_STRLEN];
	const char *end;
	size_t len;

	while (i--)
		s = strchr(s, ',') + 1;
	end = strchr(s, ',');
	len = end ? (size_t)(end - s) : strlen(s);
	memcpy(word, s, len);
	word[len] = '\0';
	parse_ipv4(word, addr);
}

int parse_ipv4_list(const char *s, uint32_t *addrs, unsigned int max,
		    unsigned int *n)
{
	char word[IPV4_STRLEN];
	unsigned int count = 0, i;
	const char *end, *p;
	uint32_t addr, prev;
	size_t len;
	int err;

	/* Check the whole list first: a refused list leaves addrs alone. */
	for (p = s;; p = end + 1) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		if (!len || len >= sizeof(word))
			return PARSE_MALFORMED;
		memcpy(word, p, len);
		word[len] = '\0';
		if (count == max)
			return PARSE_TOO_MANY;
		err = parse_ipv4(word, &addr);
		if (err)
			return err;
		/* duplicates: compare with every earlier word, re-read */
		for (i = 0, prev = 0; i < count; i++) {
			parse_ipv4_at(s, i, &prev);
			if (prev == addr)
				return PARSE_DUPLICATE;
		}
		count++;
		if (!end)
			break;
	}
	for (i = 0; i < count; i++)
		parse_ipv4_at(s, i, &addrs[i]);
	*n = count;
	return PARSE_OK;
}

/* The netmask of a prefix length, in network byte order. */
uint32_t plen_to_mask(uint8_t plen)
{
	return plen ? htonl(~0U << (32 - plen)) : 0;
}

/*
 * "A.B.C.D/N" with N in 0-32.  The prefix length is mandatory and the host
 * bits must be zero: "10.0.0.1/16" is refused rather than silently read as
 * 10.0.0.0/16, because it is usually a typing mistake.
 */
int parse_cidr(const char *s, struct cidr *c)
{
	char word[IPV4_STRLEN];
	const char *slash;
	uint32_t addr, plen;
	size_t len;
	int err;

	slash = strchr(s, '/');
	if (!slash)
		return PARSE_MALFORMED;
	len = (size_t)(slash - s);
	if (len >= sizeof(word))
		return PARSE_MALFORMED;
	memcpy(word, s, len);
	word[len] = '\0';
	err = parse_ipv4(word, &addr);
	if (err)
		return err;
	err = parse_uint(slash + 1, 0, 32, &plen);
	if (err)
		return err;
	if (addr & ~plen_to_mask((uint8_t)plen))
		return PARSE_HOSTBITS;
	c->addr = addr;
	c->plen = (uint8_t)plen;
	return PARSE_OK;
}

int parse_port(const char *s, uint16_t *port)
{
	uint32_t v;
	int err;

	err = parse_uint(s, 1, 65535, &v);
	if (err)
		return err;
	*port = (uint16_t)v;
	return PARSE_OK;
}

/*
 * "LO<sep>HI" with 1 <= LO <= HI <= 65535; a lone "P" too when @single_ok,
 * meaning P<sep>P.  natctl writes SNAT port ranges LO-HI and DNAT ports
 * P/Q, as the product does.
 */
int parse_port_range(const char *s, char sep, bool single_ok,
		     struct port_range *r)
{
	char word[PORT_RANGE_STRLEN];
	uint16_t lo, hi;
	const char *mid;
	size_t len;
	int err;

	mid = strchr(s, sep);
	if (!mid) {
		if (!single_ok)
			return PARSE_MALFORMED;
		err = parse_port(s, &lo);
		if (err)
			return err;
		r->lo = r->hi = lo;
		return PARSE_OK;
	}
	len = (size_t)(mid - s);
	if (len >= sizeof(word))
		return PARSE_MALFORMED;
	memcpy(word, s, len);
	word[len] = '\0';
	err = parse_port(word, &lo);
	if (!err)
		err = parse_port(mid + 1, &hi);
	if (err)
		return err;
	if (hi < lo)
		return PARSE_REVERSED;
	r->lo = lo;
	r->hi = hi;
	return PARSE_OK;
}

int parse_on_off(const char *s, bool *on)
{
	if (matches(s, "on"))
		*on = true;
	else if (matches(s, "off"))
		*on = false;
	else
		return PARSE_MALFORMED;
	return PARSE_OK;
}

/* Free text (a description) must stay on one line of a batch file. */
int check_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return PARSE_CONTROL;
	return PARSE_OK;
}

/* @buf holds at least IPV4_STRLEN bytes. */
const char *format_ipv4(uint32_t addr, char *buf)
{
	const uint8_t *b = (const uint8_t *)&addr;
	char *p = buf;
	int i;

	/* inet_ntop() goes through sprintf(): too slow for a session dump */
	for (i = 0; i < 4; i++) {
		if (b[i] >= 100)
			*p++ = '0' + b[i] / 100;
		if (b[i] >= 10)
			*p++ = '0' + b[i] / 10 % 10;
		*p++ = '0' + b[i] % 10;
		*p++ = i < 3 ? '.' : '\0';
	}
	return buf;
}

/* @buf holds at least CIDR_STRLEN bytes. */
const char *format_cidr(uint32_t addr, uint8_t plen, char *buf)
{
	char a[IPV4_STRLEN];

	snprintf(buf, CIDR_STRLEN, "%s/%u", format_ipv4(addr, a), plen);
	return buf;
}

/*
 * @buf holds at least PORT_RANGE_STRLEN bytes.  A DNAT range ('/') of one
 * port is written as that port, as the user writes it; an SNAT range ('-')
 * is always written LO-HI, which is what its grammar accepts.
 */
const char *format_port_range(uint16_t lo, uint16_t hi, char sep, char *buf)
{
	if (sep == '/' && lo == hi)
		snprintf(buf, PORT_RANGE_STRLEN, "%u", lo);
	else
		snprintf(buf, PORT_RANGE_STRLEN, "%u%c%u", lo, sep, hi);
	return buf;
}

/*
 * @ns since the epoch as ISO 8601 UTC with microseconds; @buf holds at
 * least TIME_STRLEN bytes.
 */
const char *format_time(uint64_t ns, char *buf)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;
	size_t n;

	if (!gmtime_r(&sec, &tm)) {
		snprintf(buf, TIME_STRLEN, "@%llu", (unsigned long long)ns);
		return buf;
	}
	n = strftime(buf, TIME_STRLEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, TIME_STRLEN - n, ".%06uZ",
		 (unsigned int)(ns % 1000000000 / 1000));
	return buf;
}

static bool is_blank(char c)
{
	return isspace((unsigned char)c);
}

/*
 * Split one line of a batch file into words, in place.  The rules are a
 * small subset of the shell's, enough for everything natctl save writes:
 * blanks separate words; '...' is literal; "..." is literal except that \"
 * and \\ stand for " and \; outside quotes a backslash escapes the next
 * character; a '#' that starts a word starts a comment.
 *
 * Words are written back into @line behind the read position, which never
 * falls behind the write position, so no copy is needed.
 */
int split_args(char *line, char **argv, int max, int *argc)
{
	char *in = line, *out;
	int n = 0;
	char c;

	for (;;) {
		while (is_blank(*in))
			in++;
		if (!*in || *in == '#')
			break;
		if (n == max)
			return PARSE_TOO_MANY;
		argv[n++] = out = in;
		while (*in && !is_blank(*in)) {
			c = *in++;
			if (c == '\'') {
				while (*in && *in != '\'')
					*out++ = *in++;
				if (!*in++)
					return PARSE_QUOTE;
			} else if (c == '"') {
				while (*in && *in != '"') {
					if (*in == '\\' &&
					    (in[1] == '"' || in[1] == '\\'))
						in++;
					*out++ = *in++;
				}
				if (!*in++)
					return PARSE_QUOTE;
			} else if (c == '\\' && *in) {
				*out++ = *in++;
			} else {
				*out++ = c;
			}
		}
		/* Step over the separator before @out may overwrite it. */
		if (*in)
			in++;
		*out = '\0';
	}
	*argc = n;
	return PARSE_OK;
}

static bool is_plain(char c)
{
	return isalnum((unsigned char)c) || strchr("._-/:,@+=%", c);
}

/*
 * Write @s as one word that split_args() reads back unchanged: as is when
 * it is made of plain characters only, otherwise in double quotes.
 * Returns PARSE_CONTROL for text that cannot stay on one line and
 * PARSE_RANGE when @buf is too small.
 */
int quote_word(const char *s, char *buf, size_t len)
{
	bool plain = *s, escape;
	const char *p;
	size_t n = 0;

	if (check_text(s))
		return PARSE_CONTROL;
	for (p = s; *p; p++)
		if (!is_plain(*p))
			plain = false;
	if (plain) {
		if (strlen(s) >= len)
			return PARSE_RANGE;
		strcpy(buf, s);
		return PARSE_OK;
	}
	if (len < 3)
		return PARSE_RANGE;
	buf[n++] = '"';
	for (p = s; *p; p++) {
		escape = *p == '"' || *p == '\\';
		/* Room for this character, its escape, the quote and the NUL. */
		if (n + escape + 3 > len)
			return PARSE_RANGE;
		if (escape)
			buf[n++] = '\\';
		buf[n++] = *p;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return PARSE_OK;
}
