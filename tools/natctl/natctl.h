/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the object files of natctl share: the object table, error reporting
 * with natctl's exit statuses, argument helpers, and the printers of each
 * object, which monitor and stats reuse.
 */
#ifndef NATCTL_H
#define NATCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct nl;
struct nlattr;
struct nlmsghdr;

/* Exit statuses. */
enum {
	NATCTL_OK,		/* done */
	NATCTL_ERR,		/* the kernel or a parser refused an argument */
	NATCTL_USAGE,		/* the command does not follow its grammar */
};

/*
 * An object of the grammar, e.g. "gateway".  @run gets the words after the
 * object (argv[0] is the verb, argc may be 0) and returns an exit status.
 */
struct object {
	const char *name;
	const char *usage;
	int (*run)(int argc, char **argv);
};

extern const struct object gateway_object;
extern const struct object eip_object;
extern const struct object snat_object;
extern const struct object dnat_object;
extern const struct object session_object;
extern const struct object timeout_object;
extern const struct object stats_object;
extern const struct object quota_object;
extern const struct object monitor_object;
extern const struct object save_object;
extern const struct object apply_object;

/* More words than any command of the grammar has. */
#define NATCTL_MAX_ARGS	64

int natctl_run(int argc, char **argv);
/* Where messages say they are: FILE:LINE, or FILE alone for line 0. */
struct natctl_context {
	const char *file;
	unsigned long line;
};

struct natctl_context natctl_context(const char *file, unsigned long line);
int stdout_mute(void);
void stdout_unmute(int saved);
int natctl_save(FILE *out);

/* apply.c: configurations to go back to, for batch files. */
struct conf;
struct conf *conf_snapshot(void);
void conf_rollback(struct conf *saved);
void conf_put(struct conf *c);

struct nl *natctl_nl(void);

int nerr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void nwarn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int usage_error(const struct object *obj, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int bad_arg(const char *what, const char *word, int err);

/* Step from a keyword in argv[0] to its value, which must exist. */
#define NEXT_ARG(obj)							\
	do {								\
		if (argc < 2)						\
			return usage_error(obj, "missing value after \"%s\"", \
					   *argv);			\
		argc--;							\
		argv++;							\
	} while (0)

/* A keyword may be given once; @bit marks it in the mask @seen. */
#define ONCE(obj, seen, bit)						\
	do {								\
		if ((seen) & (bit))					\
			return usage_error(obj, "\"%s\" given twice", *argv); \
		(seen) |= (bit);					\
	} while (0)

int check_gw_name(const char *name);
bool is_keyword(const char *word, const char *const *keywords);

const char *proto_name(uint8_t proto);

int parse_gw_id(const struct object *obj, int *argc, char ***argv,
		const char **gw, uint32_t *id);
int parse_gw_new_id(const struct object *obj, int *argc, char ***argv,
		    const char **gw, uint32_t *id);
/* @put writes the attributes of the parsed words @opts into the request. */
int entry_add(uint8_t cmd, const char *gw, uint32_t id,
	      void (*put)(struct nlmsghdr *nlh, const void *opts),
	      const void *opts);
int entry_set(uint8_t cmd, const char *gw, uint32_t id,
	      void (*put)(struct nlmsghdr *nlh, const void *opts),
	      const void *opts);
int entry_del(const struct object *obj, uint8_t cmd, int argc, char **argv);
int show_objects(struct nl *nl, struct nlmsghdr *nlh,
		 void (*print)(const struct nlattr **tb));
int show_per_gw(const struct object *obj, uint8_t cmd, int argc, char **argv,
		void (*print)(const struct nlattr **tb));

void gateway_print(const struct nlattr **tb);
void eip_print(const struct nlattr **tb);
void snat_print(const struct nlattr **tb);
void dnat_print(const struct nlattr **tb);
void session_print(const struct nlattr **tb);
void timeout_print(const struct nlattr **tb, bool lines);
void timeout_save(FILE *out, const struct nlattr **tb);

#endif /* NATCTL_H */
