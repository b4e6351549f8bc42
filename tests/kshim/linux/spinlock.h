/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Single-threaded spinlocks that check their use: taking a held lock (a
 * self-deadlock in the kernel) or releasing a free one is a bug, and
 * kshim_locks_held lets tests check what runs under a lock.
 */
#ifndef _KSHIM_LINUX_SPINLOCK_H
#define _KSHIM_LINUX_SPINLOCK_H

#include <linux/types.h>

typedef struct {
	bool held;
} spinlock_t;

extern int kshim_locks_held;
void kshim_bug(const char *file, int line, const char *what);

#define spin_lock_init(l)	((l)->held = false)

#define spin_lock_bh(l) do {						\
	if ((l)->held)							\
		kshim_bug(__FILE__, __LINE__, "recursive spin_lock");	\
	(l)->held = true;						\
	kshim_locks_held++;						\
} while (0)

#define spin_unlock_bh(l) do {						\
	if (!(l)->held)							\
		kshim_bug(__FILE__, __LINE__, "unlock of a free lock");	\
	(l)->held = false;						\
	kshim_locks_held--;						\
} while (0)

#define spin_lock(l)		spin_lock_bh(l)
#define spin_unlock(l)		spin_unlock_bh(l)

#endif /* _KSHIM_LINUX_SPINLOCK_H */
