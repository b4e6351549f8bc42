// SPDX-License-Identifier: GPL-2.0
/*
 * Runs every unit test, or those whose name contains one of the arguments.
 * One line per test, "ok - NAME" or "not ok - NAME: REASON", then the last
 * line "N passed, M failed"; the exit status is 1 if any test failed.
 *
 * Each test runs in a child process with a time limit, so that a crash
 * (a sanitizer report, a shim BUG) or a hang fails that test alone.  After
 * the test the child also checks the shim: no WARN, no spinlock left held,
 * no allocation left unfreed.
 */

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kshim.h"
#include "unit.h"

#ifndef UNIT_TIMEOUT
#define UNIT_TIMEOUT	300	/* seconds per test, sanitizers included */
#endif

static jmp_buf unit_env;
static char unit_reason[512];

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	int len = snprintf(unit_reason, sizeof(unit_reason), "%s:%d: ",
			   file, line);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(unit_reason + len, sizeof(unit_reason) - len, fmt, ap);
	va_end(ap);
	longjmp(unit_env, 1);
}

static bool selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return true;
	for (i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return true;
	return false;
}

/* In the child: run the test, leave the reason of a failure in unit_reason */
static bool child_run(const struct unit_test *t)
{
	kshim_reset();
	if (setjmp(unit_env))
		return false;
	t->fn();
	if (kshim_warnings)
		snprintf(unit_reason, sizeof(unit_reason), "%u WARN(s), last %s",
			 kshim_warnings, kshim_last_warning);
	else if (kshim_locks_held)
		snprintf(unit_reason, sizeof(unit_reason), "%d lock(s) held",
			 kshim_locks_held);
	else if (kshim_allocs_live)
		snprintf(unit_reason, sizeof(unit_reason),
			 "%ld allocation(s) leaked", kshim_allocs_live);
	else
		return true;
	return false;
}

/* Why the child did not pass, from its status if it sent no reason */
static void child_status(int status, char *reason, size_t size)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		snprintf(reason, size, "timed out after %d s", UNIT_TIMEOUT);
	else if (WIFSIGNALED(status))
		snprintf(reason, size, "killed by signal %d (%s), see stderr",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(reason, size, "exit status %d, see stderr",
			 WEXITSTATUS(status));
}

static bool run_one(const struct unit_test *t)
{
	char reason[sizeof(unit_reason)] = "";
	size_t len = 0;
	ssize_t r;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds)) {
		perror("unit");
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		perror("unit");
		exit(1);
	}
	if (!pid) {
		bool ok;

		close(fds[0]);
		alarm(UNIT_TIMEOUT);
		ok = child_run(t);
		if (!ok && write(fds[1], unit_reason, strlen(unit_reason)) < 0)
			perror("unit");
		/* exit(), not _exit(): LeakSanitizer checks at exit */
		exit(ok ? 0 : 1);
	}
	close(fds[1]);
	while (len < sizeof(reason) - 1 &&
	       (r = read(fds[0], reason + len, sizeof(reason) - 1 - len)) > 0)
		len += r;
	reason[len] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return true;
	if (!len)
		child_status(status, reason, sizeof(reason));
	printf("not ok - %s: %s\n", t->name, reason);
	return false;
}

int main(int argc, char **argv)
{
	static const struct {
		const struct unit_test *tests;
		const unsigned int *n;
	} suites[] = {
		{ kshim_tests, &kshim_ntests },
		{ portalloc_tests, &portalloc_ntests },
		{ prefix_tests, &prefix_ntests },
		{ race_tests, &race_ntests },
		{ tcptrack_tests, &tcptrack_ntests },
		{ utils_tests, &utils_ntests },
	};
	unsigned int s, i, passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (s = 0; s < ARRAY_SIZE(suites); s++) {
		for (i = 0; i < *suites[s].n; i++) {
			const struct unit_test *t = &suites[s].tests[i];

			if (!selected(t->name, argc, argv))
				continue;
			if (run_one(t)) {
				printf("ok - %s\n", t->name);
				passed++;
			} else {
				failed++;
			}
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
