// SPDX-License-Identifier: GPL-2.0
/* The out-of-line part of the kernel shim: allocation, WARN and BUG */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bug.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "kshim.h"

unsigned int kshim_warnings;
char kshim_last_warning[256];
int kshim_locks_held;
long kshim_allocs_live;
long kshim_fail_alloc = -1;
unsigned long jiffies;

void kshim_reset(void)
{
	kshim_warnings = 0;
	kshim_last_warning[0] = '\0';
	kshim_locks_held = 0;
	kshim_allocs_live = 0;
	kshim_fail_alloc = -1;
}

void kshim_bug(const char *file, int line, const char *what)
{
	fprintf(stderr, "BUG at %s:%d: %s\n", file, line, what);
	abort();
}

/* Recorded for the runner, which reports it if the test did not expect it */
void kshim_warn(const char *file, int line, const char *cond)
{
	snprintf(kshim_last_warning, sizeof(kshim_last_warning),
		 "WARNING at %s:%d: %s", file, line, cond);
	kshim_warnings++;
}

void *kshim_alloc(size_t size, gfp_t gfp)
{
	void *p;

	if ((gfp & __GFP_DIRECT_RECLAIM) && kshim_locks_held)
		kshim_bug(__FILE__, __LINE__, "sleeping allocation under a spinlock");
	if (kshim_fail_alloc >= 0 && !kshim_fail_alloc--)
		return NULL;
	p = malloc(size ? size : 1);
	if (!p)
		return NULL;
	if (gfp & __GFP_ZERO)
		memset(p, 0, size);
#ifdef __SANITIZE_ADDRESS__
	/*
	 * Slab-like poison, so that code relying on zeroed memory shows up;
	 * under valgrind (no sanitizers) memcheck flags such reads instead.
	 */
	else
		memset(p, 0x6b, size);
#endif
	kshim_allocs_live++;
	return p;
}

void kshim_free(const void *p)
{
	if (!p)
		return;
	kshim_allocs_live--;
	free((void *)p);
}
