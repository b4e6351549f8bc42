/* SPDX-License-Identifier: GPL-2.0 */
/* What the unit tests see of the kernel shim */
#ifndef _KSHIM_H
#define _KSHIM_H

#include <linux/types.h>

/* WARN_ON hits since the last reset, and the last one */
extern unsigned int kshim_warnings;
extern char kshim_last_warning[256];
/* spinlocks held right now */
extern int kshim_locks_held;
/* allocations not yet freed */
extern long kshim_allocs_live;
/* fail the allocation after this many more succeed; negative: never */
extern long kshim_fail_alloc;

void kshim_reset(void);

#endif /* _KSHIM_H */
