// SPDX-License-Identifier: GPL-2.0
/*
 * natctl: configure and watch natgw, the Internet NAT gateway module.
 *
 *	natctl [-j] [-p] [-n NETNS] OBJECT VERB [ARGS]
 *	natctl [-j] [-p] [-n NETNS] -f FILE
 *
 * This file holds the global options, the object table, help, errors and
 * batch files; each object has its own file.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>

#include "natctl.h"
#include "nl.h"
#include "print.h"
#include "utils.h"

static const struct object *const objects[] = {
	&gateway_object,
	&eip_object,
	&snat_object,
	&dnat_object,
	&session_object,
	&timeout_object,
	&stats_object,
	&quota_object,
	&monitor_object,
	&save_object,
	&apply_object,
};

static struct {
	const char *batch;	/* name of the batch file being run, or NULL */
	unsigned long line;	/* its current line, 0 for none */
	struct nl nl;
	bool nl_open;
	bool check;		/* -c: send nothing to the kernel */
} ctl;

static const char main_usage[] =
"Usage: natctl [OPTIONS] OBJECT VERB [ARGS]\n"
"       natctl [OPTIONS] [-c] -f FILE\n"
"       natctl help\n"
"       natctl OBJECT help\n"
"OPTIONS := { -j | -p | -n NETNS | -V | -h }\n"
"OBJECT := { gateway | eip | snat | dnat | session | timeout | stats | quota |\n"
"            monitor | save | apply }\n";

static void print_help(FILE *f)
{
	size_t i;

	fputs(main_usage, f);
	fputs("\n"
	      "  -j, --json          print JSON, one document per command\n"
	      "  -p, --pretty        indent JSON output\n"
	      "  -n, --netns NETNS   act in the network namespace NETNS (like ip -n)\n"
	      "  -f, --batch FILE    run the commands in FILE (\"-\" for stdin), all or none\n"
	      "  -c, --check         with -f: check FILE's commands, change nothing\n"
	      "  -V, --version       print the version\n"
	      "  -h, --help          print this help\n", f);
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		fputc('\n', f);
		fputs(objects[i]->usage, f);
	}
}

static void vreport(const char *tag, const char *fmt, va_list ap)
{
	/* Keep stdout and stderr in order when both go to one file. */
	fflush(stdout);
	if (ctl.batch && ctl.line)
		fprintf(stderr, "%s:%lu: ", ctl.batch, ctl.line);
	else if (ctl.batch)
		fprintf(stderr, "%s: ", ctl.batch);
	fprintf(stderr, "natctl: %s", tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* Report a refusal; returns the exit status NATCTL_ERR. */
int nerr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
	return NATCTL_ERR;
}

void nwarn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

/* Report a usage error and the object's grammar; returns NATCTL_USAGE. */
int usage_error(const struct object *obj, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
	fputs(obj ? obj->usage : main_usage, stderr);
	return NATCTL_USAGE;
}

/* An argument a parser refused, named with the reason. */
int bad_arg(const char *what, const char *word, int err)
{
	return nerr("invalid %s \"%s\": %s", what, word, parse_strerror(err));
}

int check_gw_name(const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= NATGW_NAME_MAX)
		return nerr("invalid gateway name \"%s\": it must have 1 to %d bytes",
			    name, NATGW_NAME_MAX - 1);
	return NATCTL_OK;
}

bool is_keyword(const char *word, const char *const *keywords)
{
	for (; *keywords; keywords++)
		if (matches(word, *keywords))
			return true;
	return false;
}

const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	}
	return NULL;
}

/*
 * The socket, opened on first use so that usage errors need no module.
 * Under -c it is no socket: requests are built and dropped.
 */
struct nl *natctl_nl(void)
{
	if (!ctl.nl_open) {
		if (ctl.check ? nl_open_dry(&ctl.nl) : nl_open(&ctl.nl))
			return NULL;
		ctl.nl_open = true;
	}
	return &ctl.nl;
}

/*
 * Messages name FILE:LINE (or FILE alone for @line 0) while @file is set.
 * Returns the context it replaces, for the caller to put back.
 */
struct natctl_context natctl_context(const char *file, unsigned long line)
{
	struct natctl_context old = { ctl.batch, ctl.line };

	ctl.batch = file;
	ctl.line = line;
	return old;
}

/*
 * Discard standard output until stdout_unmute(): batch checks and apply
 * run commands whose replies are not theirs to print.  Returns what
 * stdout_unmute() takes, or -1 after saying why it cannot.
 */
int stdout_mute(void)
{
	int saved, devnull;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved < 0 || devnull < 0 || dup2(devnull, STDOUT_FILENO) < 0) {
		nerr("cannot redirect the output: %s", strerror(errno));
		if (saved >= 0)
			close(saved);
		saved = -1;
	}
	if (devnull >= 0)
		close(devnull);
	return saved;
}

void stdout_unmute(int saved)
{
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
}

static const struct object *find_object(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (matches(name, objects[i]->name))
			return objects[i];
	return NULL;
}

int natctl_run(int argc, char **argv)
{
	const struct object *obj;

	if (matches(argv[0], "help")) {
		if (argc > 1)
			return usage_error(NULL, "unexpected \"%s\" after help",
					   argv[1]);
		print_help(stdout);
		return NATCTL_OK;
	}
	obj = find_object(argv[0]);
	if (!obj)
		return usage_error(NULL, "unknown object \"%s\"", argv[0]);
	if (argc > 1 && matches(argv[1], "help")) {
		if (argc > 2)
			return usage_error(obj, "unexpected \"%s\" after help",
					   argv[2]);
		fputs(obj->usage, stdout);
		return NATCTL_OK;
	}
	return obj->run(argc - 1, argv + 1);
}

/* The lines of a batch file, split into words before the first runs. */
struct batch_line {
	char *buf;
	char *argv[NATCTL_MAX_ARGS];
	int argc;
	unsigned long lineno;
};

static void batch_free(struct batch_line *lines, size_t n)
{
	while (n--)
		free(lines[n].buf);
	free(lines);
}

/* Read and split every line of @f; blank lines and comments are dropped. */
static int batch_read(FILE *f, const char *name, struct batch_line **out,
		      size_t *n)
{
	struct batch_line *lines = NULL, *grown, *l;
	unsigned long lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	int err;

	*n = 0;
	while (getline(&line, &cap, f) >= 0) {
		ctl.line = ++lineno;
		grown = realloc(lines, (*n + 1) * sizeof(*grown));
		if (!grown)
			goto nomem;
		lines = grown;
		l = &lines[*n];
		l->buf = line;
		l->lineno = lineno;
		line = NULL;
		cap = 0;
		(*n)++;
		err = split_args(l->buf, l->argv, NATCTL_MAX_ARGS, &l->argc);
		if (err) {
			batch_free(lines, *n);
			*n = 0;
			return nerr("%s", parse_strerror(err));
		}
		if (!l->argc)
			free(lines[--*n].buf);
	}
	free(line);
	ctl.line = 0;
	if (ferror(f)) {
		batch_free(lines, *n);
		*n = 0;
		return nerr("cannot read \"%s\": %s", name, strerror(errno));
	}
	*out = lines;
	return NATCTL_OK;
nomem:
	free(line);
	batch_free(lines, *n);
	*n = 0;
	return nerr("out of memory");
}

/*
 * One command per line, without "natctl"; blank lines and comments are
 * skipped.  The whole file is read and split before its first command
 * runs.  The first refused command stops the file, its message prefixed
 * with FILE:LINE (see vreport()), and the configuration is put back as it
 * was before the file (apply.c): a file is applied whole or not at all, as
 * with nft -f.  Sessions that a line before the refused one ended (a
 * delete, a flush) stay ended.
 *
 * With -c (ctl.check) nothing reaches the kernel and nothing is printed:
 * each command is parsed, so that a file's grammar and values, and the
 * devices it names, are checked.
 */
static int run_batch(const char *name)
{
	bool is_stdin = matches(name, "-");
	struct batch_line *lines = NULL;
	struct conf *saved = NULL;
	int ret, muted = -1;
	size_t i, n = 0;
	FILE *f;

	f = is_stdin ? stdin : fopen(name, "r");
	if (!f)
		return nerr("cannot open \"%s\": %s", name, strerror(errno));
	natctl_context(is_stdin ? "<stdin>" : name, 0);
	ret = batch_read(f, name, &lines, &n);
	if (!is_stdin)
		fclose(f);
	if (ret)
		goto out;
	if (ctl.check) {
		muted = stdout_mute();
		if (muted < 0) {
			ret = NATCTL_ERR;
			goto out;
		}
	} else if (n) {
		saved = conf_snapshot();
		if (!saved) {
			ret = nerr("nothing applied: the running configuration could not be read first");
			goto out;
		}
	}
	for (i = 0; i < n && !ret; i++) {
		ctl.line = lines[i].lineno;
		ret = natctl_run(lines[i].argc, lines[i].argv);
	}
	ctl.line = 0;
	if (ret && saved && i > 1)
		conf_rollback(saved);
out:
	if (muted >= 0)
		stdout_unmute(muted);
	conf_put(saved);
	batch_free(lines, n);
	natctl_context(NULL, 0);
	return ret;
}

/* Like ip -n: a name under /run/netns, or a path such as /proc/PID/ns/net. */
static int enter_netns(const char *name)
{
	char path[4096];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nerr("cannot open network namespace \"%s\": %s", name,
			    strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0) {
		close(fd);
		return nerr("cannot enter network namespace \"%s\": %s", name,
			    strerror(errno));
	}
	close(fd);
	return NATCTL_OK;
}

static bool is_opt(const char *arg, const char *s, const char *l)
{
	return matches(arg, s) || matches(arg, l);
}

int main(int argc, char **argv)
{
	const char *netns = NULL, *batch = NULL;
	bool json = false, pretty = false;
	int ret;

	for (argc--, argv++; argc > 0 && argv[0][0] == '-'; argc--, argv++) {
		if (is_opt(*argv, "-j", "--json")) {
			json = true;
		} else if (is_opt(*argv, "-p", "--pretty")) {
			pretty = true;
		} else if (is_opt(*argv, "-n", "--netns")) {
			if (argc < 2)
				return usage_error(NULL, "missing value after \"%s\"", *argv);
			netns = *++argv;
			argc--;
		} else if (is_opt(*argv, "-f", "--batch")) {
			if (argc < 2)
				return usage_error(NULL, "missing value after \"%s\"", *argv);
			batch = *++argv;
			argc--;
		} else if (is_opt(*argv, "-c", "--check")) {
			ctl.check = true;
		} else if (is_opt(*argv, "-V", "--version")) {
			printf("natctl %s (natgw generic netlink family version %d)\n",
			       NATGW_RELEASE, NATGW_GENL_VERSION);
			return NATCTL_OK;
		} else if (is_opt(*argv, "-h", "--help")) {
			print_help(stdout);
			return NATCTL_OK;
		} else {
			return usage_error(NULL, "unknown option \"%s\"", *argv);
		}
	}
	if (batch && argc)
		return usage_error(NULL, "unexpected \"%s\" after -f FILE", *argv);
	if (ctl.check && !batch)
		return usage_error(NULL, "-c checks a batch file: give it with -f FILE");
	if (!batch && !argc)
		return usage_error(NULL, "missing OBJECT");

	/*
	 * natctl is single-threaded: stdio need not lock, which is a fifth of
	 * the time of a large session dump; and a pipe or file takes it in
	 * larger writes (monitor flushes each event itself).
	 */
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	print_setup(json, pretty);
	if (netns && enter_netns(netns))
		return NATCTL_ERR;
	ret = batch ? run_batch(batch) : natctl_run(argc, argv);
	if (ctl.nl_open)
		nl_close(&ctl.nl);
	if (fflush(stdout) || ferror(stdout))
		return nerr("cannot write the output: %s", strerror(errno));
	return ret;
}
