/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output of natctl, text and JSON from the same calls.
 *
 * Every field is printed by one call that names both its JSON key and its
 * text format, e.g.
 *
 *	print_uint(PRINT_ANY, "id", " id %u", id);
 *
 * so that the two outputs cannot drift apart.  PRINT_FP fields appear in
 * text only, PRINT_JSON fields in JSON only.  A text format has exactly one
 * conversion, for the value; JSON ignores it.
 *
 * One command prints one JSON document: json_begin() opens its top-level
 * array or object, json_end() closes it.  In text mode the JSON calls do
 * nothing.
 */
#ifndef NATCTL_PRINT_H
#define NATCTL_PRINT_H

#include <stdbool.h>
#include <stdint.h>

enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = PRINT_FP | PRINT_JSON,
};

void print_setup(bool json, bool pretty);
bool is_json(void);
bool set_json(bool json);

void json_begin(bool array);
void json_end(void);
void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *val);
void print_quoted(enum output_type t, const char *key, const char *fmt,
		  const char *val);
void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned int val);
void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t val);
void print_on_off(enum output_type t, const char *key, const char *fmt,
		  bool val);
void print_ipv4(enum output_type t, const char *key, const char *fmt,
		uint32_t addr);
void print_nl(void);

#endif /* NATCTL_PRINT_H */
