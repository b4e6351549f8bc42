/* SPDX-License-Identifier: GPL-2.0 */
/* The non-atomic bit operations; the module uses them under its locks */
#ifndef _KSHIM_LINUX_BITOPS_H
#define _KSHIM_LINUX_BITOPS_H

#include <linux/types.h>

#define BITS_PER_LONG		(8 * (int)sizeof(long))
#define BITS_TO_LONGS(nr)	(((nr) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define BIT_WORD(nr)		((nr) / BITS_PER_LONG)
#define BIT_MASK(nr)		(1UL << ((nr) % BITS_PER_LONG))

static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return addr[BIT_WORD(nr)] & BIT_MASK(nr);
}

static inline void __set_bit(unsigned long nr, unsigned long *addr)
{
	addr[BIT_WORD(nr)] |= BIT_MASK(nr);
}

static inline void __clear_bit(unsigned long nr, unsigned long *addr)
{
	addr[BIT_WORD(nr)] &= ~BIT_MASK(nr);
}

static inline bool __test_and_set_bit(unsigned long nr, unsigned long *addr)
{
	bool old = test_bit(nr, addr);

	__set_bit(nr, addr);
	return old;
}

static inline bool __test_and_clear_bit(unsigned long nr, unsigned long *addr)
{
	bool old = test_bit(nr, addr);

	__clear_bit(nr, addr);
	return old;
}

/* A word at a time, as the kernel's, so that the benchmark costs compare */
static inline unsigned long find_next_zero_bit(const unsigned long *addr,
					       unsigned long size,
					       unsigned long offset)
{
	unsigned long w;

	while (offset < size) {
		w = ~addr[BIT_WORD(offset)] & (~0UL << (offset % BITS_PER_LONG));
		if (w) {
			offset = (offset & ~(BITS_PER_LONG - 1UL)) +
				 __builtin_ctzl(w);
			return offset < size ? offset : size;
		}
		offset = (offset | (BITS_PER_LONG - 1UL)) + 1;
	}
	return size;
}

#endif /* _KSHIM_LINUX_BITOPS_H */
