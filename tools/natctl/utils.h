/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure parsing and formatting helpers of natctl.
 *
 * Nothing here touches netlink, prints, or keeps state, so the unit tests
 * can link utils.c alone.  Parsers return 0 or a positive enum parse_err
 * and write their result only on success.
 */
#ifndef NATCTL_UTILS_H
#define NATCTL_UTILS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum parse_err {
	PARSE_OK,
	PARSE_MALFORMED,	/* not the expected syntax */
	PARSE_RANGE,		/* a number out of its range */
	PARSE_HOSTBITS,		/* a CIDR with bits set past the prefix */
	PARSE_REVERSED,		/* a range whose end is below its start */
	PARSE_DUPLICATE,	/* a list naming one element twice */
	PARSE_TOO_MANY,		/* more elements than the caller has room for */
	PARSE_QUOTE,		/* an unterminated quote */
	PARSE_CONTROL,		/* a control character where text is expected */
};

/* Room for "255.255.255.255" and its NUL (INET_ADDRSTRLEN). */
#define IPV4_STRLEN	16
/* Room for "255.255.255.255/32" and its NUL. */
#define CIDR_STRLEN	19
/* Room for "2024-01-31T23:59:59.123456Z" and its NUL, for any year. */
#define TIME_STRLEN	40
/* Room for "65535-65535" and its NUL. */
#define PORT_RANGE_STRLEN 12

struct cidr {
	uint32_t addr;		/* network byte order */
	uint8_t plen;
};

struct port_range {
	uint16_t lo;
	uint16_t hi;
};

const char *parse_strerror(int err);

/* Keywords are whole words: "dev" matches "dev" only, never "de" or "d". */
static inline bool matches(const char *word, const char *keyword)
{
	return strcmp(word, keyword) == 0;
}

int parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *val);
int parse_ipv4(const char *s, uint32_t *addr);
int parse_ipv4_list(const char *s, uint32_t *addrs, unsigned int max,
		    unsigned int *n);
int parse_cidr(const char *s, struct cidr *c);
int parse_port(const char *s, uint16_t *port);
int parse_port_range(const char *s, char sep, bool single_ok,
		     struct port_range *r);
int parse_on_off(const char *s, bool *on);
int check_text(const char *s);

uint32_t plen_to_mask(uint8_t plen);
const char *format_ipv4(uint32_t addr, char *buf);
const char *format_cidr(uint32_t addr, uint8_t plen, char *buf);
const char *format_port_range(uint16_t lo, uint16_t hi, char sep, char *buf);
const char *format_time(uint64_t ns, char *buf);

int split_args(char *line, char **argv, int max, int *argc);
int quote_word(const char *s, char *buf, size_t len);

#endif /* NATCTL_UTILS_H */
