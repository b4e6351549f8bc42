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

/* More words than any command of the grammar has. */
#define BATCH_MAX_ARGS	64

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
};

static struct {
	const char *batch;	/* name of the batch file being run, or NULL */
	unsigned long line;	/* its current line */
	struct nl nl;
	bool nl_open;
} ctl;

static const char main_usage[] =
"Usage: natctl [OPTIONS] OBJECT VERB [ARGS]\n"
"       natctl [OPTIONS] -f FILE\n"
"       natctl help\n"
"       natctl OBJECT help\n"
"OPTIONS := { -j | -p | -n NETNS | -V | -h }\n"
"OBJECT := { gateway | eip | snat | dnat | session | timeout | stats | quota |\n"
"            monitor | save }\n";

static void print_help(FILE *f)
{
	size_t i;

	fputs(main_usage, f);
	fputs("\n"
	      "  -j, --json          print JSON, one document per command\n"
	      "  -p, --pretty        indent JSON output\n"
	      "  -n, --netns NETNS   act in the network namespace NETNS (like ip -n)\n"
	      "  -f, --batch FILE    run the commands in FILE (\"-\" for stdin)\n"
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
	if (ctl.batch)
		fprintf(stderr, "%s:%lu: ", ctl.batch, ctl.line);
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

/* The socket, opened on first use so that usage errors need no module. */
struct nl *natctl_nl(void)
{
	if (!ctl.nl_open) {
		if (nl_open(&ctl.nl))
			return NULL;
		ctl.nl_open = true;
	}
	return &ctl.nl;
}

static const struct object *find_object(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (matches(name, objects[i]->name))
			return objects[i];
	return NULL;
}

static int run_cmd(int argc, char **argv)
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

/*
 * One command per line, without "natctl"; blank lines and comments are
 * skipped.  The first failing command stops the file, and its message is
 * prefixed with FILE:LINE (see vreport()).
 */
static int run_batch(const char *name)
{
	char *argv[BATCH_MAX_ARGS], *line = NULL;
	bool is_stdin = matches(name, "-");
	int argc, err, ret = NATCTL_OK;
	size_t cap = 0;
	FILE *f;

	f = is_stdin ? stdin : fopen(name, "r");
	if (!f)
		return nerr("cannot open \"%s\": %s", name, strerror(errno));
	ctl.batch = is_stdin ? "<stdin>" : name;
	ctl.line = 0;
	while (getline(&line, &cap, f) >= 0) {
		ctl.line++;
		err = split_args(line, argv, BATCH_MAX_ARGS, &argc);
		if (err) {
			ret = nerr("%s", parse_strerror(err));
			break;
		}
		if (!argc)
			continue;
		ret = run_cmd(argc, argv);
		if (ret)
			break;
	}
	if (!ret && ferror(f))
		ret = nerr("cannot read \"%s\": %s", name, strerror(errno));
	ctl.batch = NULL;
	free(line);
	if (!is_stdin)
		fclose(f);
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
	ret = batch ? run_batch(batch) : run_cmd(argc, argv);
	if (ctl.nl_open)
		nl_close(&ctl.nl);
	if (fflush(stdout) || ferror(stdout))
		return nerr("cannot write the output: %s", strerror(errno));
	return ret;
}
