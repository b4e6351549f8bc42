// SPDX-License-Identifier: GPL-2.0
/*
 * natctl apply FILE: make the running configuration equal to FILE with the
 * fewest changes, as wg syncconf does for WireGuard.  What FILE has and the
 * namespace already runs is left alone, sessions included; what changed is
 * changed; what FILE no longer has is removed.  FILE holds the lines that
 * natctl save writes: gateway add and set, eip add, snat add, dnat add and
 * timeout set.
 *
 * The same machinery makes a batch file all or nothing: natctl -f saves the
 * running configuration before its first line and, when a line is refused,
 * applies that copy, which undoes the lines before it (batch_run()).
 *
 * Both configurations are compared as natctl commands, word by word:
 *
 *  - a gateway is named by its name.  A new VPC or SNAT port range makes
 *    it a new gateway (deleted with force and added again, with its EIPs
 *    and entries); a new device, deletion protection or description is a
 *    "gateway set";
 *  - an EIP by its gateway and address;
 *  - an SNAT or DNAT entry by its gateway and id.  An entry written
 *    without an id is the running entry of its gateway that has the same
 *    words, if there is one.  A changed entry is deleted and added again
 *    with its id, as most of its words cannot be changed in place;
 *  - a timeout by its name.  Timeouts that FILE does not set keep their
 *    values, as do gateway settings (icmp-reply, eip-arp) that it does not
 *    name.
 *
 * The changes run in an order that the kernel accepts: entries, EIPs and
 * gateways are removed first (children before parents), then gateways are
 * changed and added, then EIPs, entries and timeouts are added.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natctl.h"
#include "nl.h"
#include "print.h"
#include "utils.h"

static const char apply_usage[] =
"Usage: natctl apply FILE\n";

enum line_kind {
	LINE_GW,		/* gateway add NAME ... */
	LINE_GW_SET,		/* gateway set NAME ... */
	LINE_EIP,		/* eip add GW ADDR */
	LINE_SNAT,		/* snat add GW [id N] ... */
	LINE_DNAT,		/* dnat add GW [id N] ... */
	LINE_TIMEOUT,		/* timeout set NAME SECONDS */
};

/* One configuration line, split into words. */
struct conf_line {
	enum line_kind kind;
	int argc;
	char *argv[NATCTL_MAX_ARGS];
	char *buf;		/* the words point into it */
	const char *gw;		/* the gateway it belongs to */
	const char *key;	/* EIP address, entry id or timeout name */
	int body;		/* first word after the name and id */
	unsigned long lineno;	/* in its file */
	bool kept;		/* matched by a line of the other side */
};

struct conf {
	const char *name;	/* file name, for messages */
	struct conf_line *line;
	size_t n;
};

/* A command to run, and the line of FILE that asked for it. */
struct change {
	int argc;
	char *argv[NATCTL_MAX_ARGS];
	const struct conf_line *from;
};

struct plan {
	struct change *c;
	size_t n;
	size_t cap;
};

enum gw_fate {
	GW_SAME,		/* unchanged */
	GW_SET,			/* changed with gateway set */
	GW_NEW,			/* deleted (if it ran) and added again */
	GW_GONE,		/* deleted */
};

static void conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->line[i].buf);
	free(c->line);
	c->line = NULL;
	c->n = 0;
}

/* Classify a line; returns false if apply does not take it. */
static bool classify(struct conf_line *l)
{
	char **v = l->argv;

	if (l->argc < 3)
		return false;
	l->gw = v[2];
	l->body = 3;
	if (matches(v[0], "gateway") && matches(v[1], "add")) {
		l->kind = LINE_GW;
	} else if (matches(v[0], "gateway") && matches(v[1], "set")) {
		l->kind = LINE_GW_SET;
	} else if (matches(v[0], "eip") && matches(v[1], "add") &&
		   l->argc == 4) {
		l->kind = LINE_EIP;
		l->key = v[3];
	} else if ((matches(v[0], "snat") || matches(v[0], "dnat")) &&
		   matches(v[1], "add")) {
		l->kind = matches(v[0], "snat") ? LINE_SNAT : LINE_DNAT;
		if (l->argc > 4 && matches(v[3], "id")) {
			l->key = v[4];
			l->body = 5;
		}
	} else if (matches(v[0], "timeout") && matches(v[1], "set")) {
		l->kind = LINE_TIMEOUT;
		l->gw = "";
		/* One timeout a line, as save writes them, has a name. */
		l->key = l->argc == 4 ? v[2] : NULL;
	} else {
		return false;
	}
	return true;
}

/*
 * Read a configuration from @f: lines of the kinds natctl save writes, and
 * comments.
 */
static int conf_read(struct conf *c, FILE *f, const char *name)
{
	struct natctl_context old = natctl_context(name, 0);
	struct conf_line *l, *grown;
	char *line = NULL;
	unsigned long lineno = 0;
	size_t cap = 0;
	int err, ret = NATCTL_OK;

	c->name = name;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		grown = realloc(c->line, (c->n + 1) * sizeof(*grown));
		if (!grown) {
			ret = nerr("out of memory");
			break;
		}
		c->line = grown;
		l = &c->line[c->n];
		memset(l, 0, sizeof(*l));
		l->lineno = lineno;
		l->buf = line;
		line = NULL;
		cap = 0;
		c->n++;
		natctl_context(name, lineno);
		err = split_args(l->buf, l->argv, NATCTL_MAX_ARGS, &l->argc);
		if (err) {
			ret = nerr("%s", parse_strerror(err));
			break;
		}
		if (!l->argc) {
			free(l->buf);
			c->n--;
			continue;
		}
		if (!classify(l)) {
			ret = nerr("apply takes the lines natctl save writes (gateway add, gateway set, eip add, snat add, dnat add, timeout set), not \"%s %s\"",
				   l->argv[0], l->argc > 1 ? l->argv[1] : "");
			break;
		}
	}
	natctl_context(old.file, old.line);
	free(line);
	if (!ret && ferror(f))
		ret = nerr("cannot read \"%s\": %s", name, strerror(errno));
	return ret;
}

/* The running configuration, as natctl save writes it. */
static int conf_running(struct conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	f = open_memstream(&buf, &len);
	if (!f)
		return nerr("out of memory");
	ret = natctl_save(f);
	if (fclose(f) && !ret)
		ret = nerr("out of memory");
	if (!ret) {
		f = fmemopen(buf, len ? len : 1, "r");
		if (!f) {
			ret = nerr("out of memory");
		} else {
			ret = conf_read(c, f, "the running configuration");
			fclose(f);
		}
	}
	free(buf);
	return ret;
}

static bool words_eq(const struct conf_line *a, int ai,
		     const struct conf_line *b, int bi)
{
	if (a->argc - ai != b->argc - bi)
		return false;
	for (; ai < a->argc; ai++, bi++)
		if (strcmp(a->argv[ai], b->argv[bi]))
			return false;
	return true;
}

static struct conf_line *find(const struct conf *c, enum line_kind kind,
			      const char *gw, const char *key)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		struct conf_line *l = &c->line[i];

		if (l->kind == kind && !strcmp(l->gw, gw) &&
		    (!key || (l->key && !strcmp(l->key, key))))
			return l;
	}
	return NULL;
}

/* The value of option @kw of a gateway add line, or @def. */
static const char *gw_opt(const struct conf_line *l, const char *kw,
			  const char *def)
{
	int i;

	for (i = 3; i + 1 < l->argc; i += 2)
		if (matches(l->argv[i], kw))
			return l->argv[i + 1];
	return def;
}

static bool gw_opt_eq(const struct conf_line *a, const struct conf_line *b,
		      const char *kw, const char *def)
{
	return !strcmp(gw_opt(a, kw, def), gw_opt(b, kw, def));
}

static enum gw_fate gw_fate(const struct conf *want, const struct conf *run,
			    const char *gw)
{
	const struct conf_line *w = find(want, LINE_GW, gw, NULL);
	const struct conf_line *r = find(run, LINE_GW, gw, NULL);

	if (!w)
		return GW_GONE;
	if (!r || !gw_opt_eq(w, r, "vpc", "") ||
	    !gw_opt_eq(w, r, "snat-ports", ""))
		return GW_NEW;
	return words_eq(w, 0, r, 0) ? GW_SAME : GW_SET;
}

static struct change *plan_add(struct plan *p, const struct conf_line *from)
{
	struct change *grown;

	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		grown = realloc(p->c, p->cap * sizeof(*grown));
		if (!grown)
			return NULL;
		p->c = grown;
	}
	memset(&p->c[p->n], 0, sizeof(p->c[0]));
	p->c[p->n].from = from;
	return &p->c[p->n++];
}

/* Add a change of the words given, ended by NULL. */
static int plan_words(struct plan *p, const struct conf_line *from, ...)
{
	struct change *c = plan_add(p, from);
	const char *w;
	va_list ap;

	if (!c)
		return nerr("out of memory");
	va_start(ap, from);
	while ((w = va_arg(ap, const char *)) && c->argc < NATCTL_MAX_ARGS)
		c->argv[c->argc++] = (char *)w;
	va_end(ap);
	return NATCTL_OK;
}

/* Add a change that runs line @l as it is. */
static int plan_line(struct plan *p, const struct conf_line *l)
{
	struct change *c = plan_add(p, l);

	if (!c)
		return nerr("out of memory");
	c->argc = l->argc;
	memcpy(c->argv, l->argv, sizeof(c->argv));
	return NATCTL_OK;
}

/* Mark the entries of @want that run already, and those in @run that stay. */
static void match_entries(struct conf *want, struct conf *run)
{
	size_t i, j;

	for (i = 0; i < want->n; i++)
		want->line[i].kept = false;
	for (i = 0; i < run->n; i++)
		run->line[i].kept = false;

	for (i = 0; i < want->n; i++) {
		struct conf_line *w = &want->line[i], *r;

		if ((w->kind != LINE_SNAT && w->kind != LINE_DNAT) || !w->key ||
		    gw_fate(want, run, w->gw) == GW_NEW)
			continue;
		r = find(run, w->kind, w->gw, w->key);
		if (r && !r->kept && words_eq(w, w->body, r, r->body))
			w->kept = r->kept = true;
	}
	/* An entry without an id: a running one with the same words. */
	for (i = 0; i < want->n; i++) {
		struct conf_line *w = &want->line[i];

		if ((w->kind != LINE_SNAT && w->kind != LINE_DNAT) || w->key ||
		    gw_fate(want, run, w->gw) == GW_NEW)
			continue;
		for (j = 0; j < run->n && !w->kept; j++) {
			struct conf_line *r = &run->line[j];

			if (r->kind == w->kind && !r->kept &&
			    !strcmp(r->gw, w->gw) &&
			    words_eq(w, w->body, r, r->body))
				w->kept = r->kept = true;
		}
	}
}

/* What to run, in order, to turn @run into @want. */
static int plan_build(struct plan *p, struct conf *want, struct conf *run)
{
	static const char *const gw_settable[][2] = {
		{ "dev", "" },
		{ "deletion-protection", "off" },
		{ "description", "" },
	};
	struct conf_line *w, *r;
	enum gw_fate fate;
	size_t i, k;
	int err = 0;

	match_entries(want, run);

	/* Entries, then EIPs, then gateways that go. */
	for (i = 0; i < run->n && !err; i++) {
		r = &run->line[i];
		if ((r->kind != LINE_SNAT && r->kind != LINE_DNAT) || r->kept ||
		    gw_fate(want, run, r->gw) == GW_NEW)
			continue;
		err = plan_words(p, NULL, r->argv[0], "del", r->gw, "id",
				 r->key, NULL);
	}
	for (i = 0; i < run->n && !err; i++) {
		r = &run->line[i];
		if (r->kind != LINE_EIP)
			continue;
		fate = gw_fate(want, run, r->gw);
		if (fate == GW_NEW ||
		    (fate != GW_GONE && find(want, LINE_EIP, r->gw, r->key)))
			continue;
		err = plan_words(p, NULL, "eip", "del", r->gw, r->key, NULL);
	}
	for (i = 0; i < run->n && !err; i++) {
		r = &run->line[i];
		if (r->kind != LINE_GW)
			continue;
		fate = gw_fate(want, run, r->gw);
		if (fate == GW_GONE)
			err = plan_words(p, NULL, "gateway", "del", r->gw, NULL);
		else if (fate == GW_NEW)
			err = plan_words(p, NULL, "gateway", "del", r->gw,
					 "force", NULL);
	}

	/* Gateways that change or come, with their settings. */
	for (i = 0; i < want->n && !err; i++) {
		struct change *c;

		w = &want->line[i];
		if (w->kind != LINE_GW)
			continue;
		fate = gw_fate(want, run, w->gw);
		if (fate == GW_NEW) {
			err = plan_line(p, w);
			continue;
		}
		if (fate != GW_SET)
			continue;
		r = find(run, LINE_GW, w->gw, NULL);
		c = plan_add(p, w);
		if (!c)
			return nerr("out of memory");
		c->argv[c->argc++] = "gateway";
		c->argv[c->argc++] = "set";
		c->argv[c->argc++] = (char *)w->gw;
		for (k = 0; k < sizeof(gw_settable) / sizeof(gw_settable[0]); k++) {
			const char *kw = gw_settable[k][0];
			const char *def = gw_settable[k][1];

			if (gw_opt_eq(w, r, kw, def))
				continue;
			c->argv[c->argc++] = (char *)kw;
			c->argv[c->argc++] = (char *)gw_opt(w, kw, def);
		}
		/* Only words that mean the same differ (abbreviations). */
		if (c->argc == 3)
			p->n--;
	}
	for (i = 0; i < want->n && !err; i++) {
		w = &want->line[i];
		if (w->kind != LINE_GW_SET)
			continue;
		r = find(run, LINE_GW_SET, w->gw, NULL);
		if (gw_fate(want, run, w->gw) != GW_NEW && r &&
		    words_eq(w, 3, r, 3))
			continue;
		err = plan_line(p, w);
	}

	/* EIPs, entries and timeouts that come. */
	for (i = 0; i < want->n && !err; i++) {
		w = &want->line[i];
		if (w->kind != LINE_EIP)
			continue;
		if (gw_fate(want, run, w->gw) != GW_NEW &&
		    find(run, LINE_EIP, w->gw, w->key))
			continue;
		err = plan_line(p, w);
	}
	for (i = 0; i < want->n && !err; i++) {
		w = &want->line[i];
		if ((w->kind == LINE_SNAT || w->kind == LINE_DNAT) && !w->kept)
			err = plan_line(p, w);
	}
	for (i = 0; i < want->n && !err; i++) {
		w = &want->line[i];
		if (w->kind != LINE_TIMEOUT)
			continue;
		r = w->key ? find(run, LINE_TIMEOUT, "", w->key) : NULL;
		if (!r || !words_eq(w, 0, r, 0))
			err = plan_line(p, w);
	}
	return err;
}

/*
 * Run the changes with their own output discarded: apply prints what it
 * changed, not each command's reply.  Returns the first failure's status.
 */
static int plan_run(const struct plan *p, const struct conf *want,
		    size_t *done)
{
	struct natctl_context old;
	int muted, ret = NATCTL_OK;

	muted = stdout_mute();
	if (muted < 0)
		return NATCTL_ERR;
	old = natctl_context(NULL, 0);
	for (*done = 0; *done < p->n; ++*done) {
		const struct change *c = &p->c[*done];

		natctl_context(want->name, c->from ? c->from->lineno : 0);
		ret = natctl_run(c->argc, (char **)c->argv);
		if (ret)
			break;
	}
	natctl_context(old.file, old.line);
	stdout_unmute(muted);
	return ret;
}

static void plan_print(const struct plan *p)
{
	char word[2 * NATGW_DESCR_MAX + 3];
	size_t i;
	int k;

	json_begin(true);
	for (i = 0; i < p->n; i++) {
		const struct change *c = &p->c[i];

		if (is_json()) {
			char line[4096];
			size_t len = 0;

			line[0] = '\0';
			for (k = 0; k < c->argc && len < sizeof(line); k++) {
				quote_word(c->argv[k], word, sizeof(word));
				len += snprintf(line + len, sizeof(line) - len,
						"%s%s", k ? " " : "", word);
			}
			print_string(PRINT_JSON, NULL, NULL, line);
			continue;
		}
		for (k = 0; k < c->argc; k++) {
			quote_word(c->argv[k], word, sizeof(word));
			printf("%s%s", k ? " " : "", word);
		}
		putchar('\n');
	}
	json_end();
}

static int apply_conf(struct conf *want, bool quiet);

/*
 * After a refusal: put back @saved, the configuration before the changes,
 * and say whether that worked, after the refusal's own message.
 */
static void conf_restore(struct conf *saved)
{
	if (apply_conf(saved, true))
		nerr("the running configuration could not be put back as it was: compare it with natctl save");
	else
		nerr("nothing changed: the running configuration is as it was");
}

/*
 * Make the running configuration equal to @want.  @quiet: print nothing,
 * and leave a refusal as it is (a rollback, whose caller reports it);
 * otherwise a refusal puts the configuration back as it was.
 */
static int apply_conf(struct conf *want, bool quiet)
{
	struct conf run = { 0 };
	struct plan p = { 0 };
	size_t done = 0;
	int ret;

	ret = conf_running(&run) ?: plan_build(&p, want, &run);
	if (!ret)
		ret = plan_run(&p, want, &done);
	if (ret && !quiet && done)
		conf_restore(&run);
	else if (!ret && !quiet)
		plan_print(&p);
	conf_free(&run);
	free(p.c);
	return ret;
}

static int do_apply(int argc, char **argv)
{
	struct conf want = { 0 };
	bool is_stdin;
	FILE *f;
	int ret;

	if (argc < 1)
		return usage_error(&apply_object, "missing FILE");
	if (argc > 1)
		return usage_error(&apply_object, "unexpected \"%s\"", argv[1]);
	is_stdin = !strcmp(argv[0], "-");
	f = is_stdin ? stdin : fopen(argv[0], "r");
	if (!f)
		return nerr("cannot open \"%s\": %s", argv[0], strerror(errno));
	ret = conf_read(&want, f, is_stdin ? "<stdin>" : argv[0]);
	if (!is_stdin)
		fclose(f);
	if (!ret)
		ret = apply_conf(&want, false);
	conf_free(&want);
	return ret;
}

/* For batch files: the configuration to go back to if a line is refused. */
struct conf *conf_snapshot(void)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (!c) {
		nerr("out of memory");
		return NULL;
	}
	if (conf_running(c)) {
		conf_put(c);
		return NULL;
	}
	return c;
}

void conf_rollback(struct conf *saved)
{
	conf_restore(saved);
}

void conf_put(struct conf *c)
{
	if (!c)
		return;
	conf_free(c);
	free(c);
}

const struct object apply_object = {
	.name = "apply",
	.usage = apply_usage,
	.run = do_apply,
};
