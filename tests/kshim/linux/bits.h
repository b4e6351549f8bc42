/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KSHIM_LINUX_BITS_H
#define _KSHIM_LINUX_BITS_H

#define BIT(nr)			(1UL << (nr))

#endif /* _KSHIM_LINUX_BITS_H */
