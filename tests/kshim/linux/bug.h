/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A WARN in the module is a bug, so here it is counted (kshim_warnings) and
 * the test runner fails any test that leaves the count non-zero.  Unlike the
 * kernel's, every hit counts, not only the first one at each site.
 */
#ifndef _KSHIM_LINUX_BUG_H
#define _KSHIM_LINUX_BUG_H

#include <linux/types.h>

void kshim_warn(const char *file, int line, const char *cond);

#define WARN_ON_ONCE(cond) ({						\
	bool __warn_c = !!(cond);					\
	if (__warn_c)							\
		kshim_warn(__FILE__, __LINE__, #cond);			\
	__warn_c;							\
})
#define WARN_ON(cond)	WARN_ON_ONCE(cond)

#endif /* _KSHIM_LINUX_BUG_H */
