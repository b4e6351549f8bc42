/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KSHIM_LINUX_SORT_H
#define _KSHIM_LINUX_SORT_H

#include <stdlib.h>
#include <linux/types.h>

typedef int (*cmp_func_t)(const void *a, const void *b);
typedef void (*swap_func_t)(void *a, void *b, int size);

/* qsort swaps bytes, which is what the default swap (NULL) does */
static inline void sort(void *base, size_t num, size_t size, cmp_func_t cmp,
			swap_func_t swap)
{
	(void)swap;
	if (num)
		qsort(base, num, size, cmp);
}

#endif /* _KSHIM_LINUX_SORT_H */
