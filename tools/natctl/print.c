// SPDX-License-Identifier: GPL-2.0
/*
 * A streaming JSON writer behind the print_*() calls of print.h.
 *
 * Nothing is buffered beyond stdio: a dump of a million sessions is written
 * as it arrives.  The writer only tracks, per open container, whether an
 * element was written yet (for the commas) and the nesting depth (for -p).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"
#include "utils.h"

/* natctl nests at most four deep (stats: document, gateway, list, item). */
#define JSON_MAX_DEPTH	8

static struct {
	bool json;
	bool pretty;
	int depth;			/* open containers */
	bool used[JSON_MAX_DEPTH];	/* a container already has an element */
	char closer[JSON_MAX_DEPTH];	/* ']' or '}' */
} out;

void print_setup(bool json, bool pretty)
{
	out.json = json;
	out.pretty = pretty;
}

bool is_json(void)
{
	return out.json;
}

/* For "stats -j" and "monitor -j"; returns the previous setting. */
bool set_json(bool json)
{
	bool was = out.json;

	out.json = json;
	return was;
}

static void indent(int depth)
{
	putchar('\n');
	while (depth-- > 0)
		fputs("  ", stdout);
}

static void json_str(const char *s)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

/* Start an element of the innermost container, with its key if any. */
static void json_element(const char *key)
{
	if (out.depth) {
		if (out.used[out.depth - 1])
			putchar(',');
		out.used[out.depth - 1] = true;
		if (out.pretty)
			indent(out.depth);
	}
	if (key) {
		json_str(key);
		fputs(out.pretty ? ": " : ":", stdout);
	}
}

static void json_open(const char *key, bool array)
{
	if (out.depth == JSON_MAX_DEPTH)
		abort();
	json_element(key);
	putchar(array ? '[' : '{');
	out.used[out.depth] = false;
	out.closer[out.depth] = array ? ']' : '}';
	out.depth++;
}

static void json_close(void)
{
	if (!out.depth)
		abort();
	out.depth--;
	if (out.pretty && out.used[out.depth])
		indent(out.depth);
	putchar(out.closer[out.depth]);
}

/* One document per command: the top-level array or object. */
void json_begin(bool array)
{
	if (!out.json)
		return;
	out.depth = 0;
	json_open(NULL, array);
}

/* Also closes what an error left open, so the document stays valid. */
void json_end(void)
{
	if (!out.json || !out.depth)
		return;
	while (out.depth)
		json_close();
	putchar('\n');
}

void open_json_object(const char *key)
{
	if (out.json)
		json_open(key, false);
}

void close_json_object(void)
{
	if (out.json)
		json_close();
}

void open_json_array(const char *key)
{
	if (out.json)
		json_open(key, true);
}

void close_json_array(void)
{
	if (out.json)
		json_close();
}

/*
 * printf() parses its format on every call, which was most of natctl's time
 * in a dump of a million sessions.  The formats of natctl's output have one
 * plain conversion in some text ("timeout %u", ":%u", " gw %s"): write those
 * directly, and leave any other format to printf().
 */
static bool put_fmt(const char *fmt, const char *conv, const char *val)
{
	const char *p = strchr(fmt, '%');
	size_t n = strlen(conv);

	if (!p || strncmp(p, conv, n) || strchr(p + n, '%'))
		return false;
	fwrite(fmt, 1, p - fmt, stdout);
	fputs(val, stdout);
	fputs(p + n, stdout);
	return true;
}

/* @val in decimal, written backwards from @end (which gets the NUL). */
static const char *fmt_u64(uint64_t val, char *end)
{
	*--end = '\0';
	do
		*--end = '0' + val % 10;
	while (val /= 10);
	return end;
}

static bool to_json(enum output_type t)
{
	return out.json && (t & PRINT_JSON);
}

static bool to_text(enum output_type t, const char *fmt)
{
	return !out.json && (t & PRINT_FP) && fmt;
}

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *val)
{
	if (to_json(t)) {
		json_element(key);
		if (val)
			json_str(val);
		else
			fputs("null", stdout);
	} else if (to_text(t, fmt)) {
		if (!put_fmt(fmt, "%s", val ? val : ""))
			printf(fmt, val ? val : "");
	}
}

/*
 * Like print_string(), but the text is written as a batch file would quote
 * it, so that a description with blanks stays one word of the output.
 */
void print_quoted(enum output_type t, const char *key, const char *fmt,
		  const char *val)
{
	char buf[1024];

	if (to_text(t, fmt) && !quote_word(val, buf, sizeof(buf)))
		val = buf;
	print_string(t, key, fmt, val);
}

void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned int val)
{
	char buf[24];

	if (to_json(t)) {
		json_element(key);
		fputs(fmt_u64(val, buf + sizeof(buf)), stdout);
	} else if (to_text(t, fmt) &&
		   !put_fmt(fmt, "%u", fmt_u64(val, buf + sizeof(buf)))) {
		printf(fmt, val);
	}
}

/* The text format takes an unsigned long long (%llu). */
void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t val)
{
	char buf[24];

	if (to_json(t)) {
		json_element(key);
		fputs(fmt_u64(val, buf + sizeof(buf)), stdout);
	} else if (to_text(t, fmt) &&
		   !put_fmt(fmt, "%llu", fmt_u64(val, buf + sizeof(buf)))) {
		printf(fmt, (unsigned long long)val);
	}
}

/* A JSON boolean; "on" or "off" in text (%s). */
void print_on_off(enum output_type t, const char *key, const char *fmt,
		  bool val)
{
	if (to_json(t)) {
		json_element(key);
		fputs(val ? "true" : "false", stdout);
	} else if (to_text(t, fmt)) {
		printf(fmt, val ? "on" : "off");
	}
}

/* @addr in network byte order; a JSON string, dotted quad in text (%s). */
void print_ipv4(enum output_type t, const char *key, const char *fmt,
		uint32_t addr)
{
	char buf[IPV4_STRLEN];

	print_string(t, key, fmt, format_ipv4(addr, buf));
}

/* End a line of text output; JSON needs no separator of its own. */
void print_nl(void)
{
	if (!out.json)
		putchar('\n');
}
