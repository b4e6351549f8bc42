/* SPDX-License-Identifier: GPL-2.0 */
/* Without the kernel's type check: the kernel build does that */
#ifndef _KSHIM_LINUX_MINMAX_H
#define _KSHIM_LINUX_MINMAX_H

#define min(a, b) ({							\
	typeof(a) __min_a = (a);					\
	typeof(b) __min_b = (b);					\
	__min_a < __min_b ? __min_a : __min_b;				\
})

#define max(a, b) ({							\
	typeof(a) __max_a = (a);					\
	typeof(b) __max_b = (b);					\
	__max_a > __max_b ? __max_a : __max_b;				\
})

#endif /* _KSHIM_LINUX_MINMAX_H */
