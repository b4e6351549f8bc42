/* SPDX-License-Identifier: GPL-2.0 */
/* The tick counter: a variable the tests set (kshim.c) */
#ifndef _KSHIM_LINUX_JIFFIES_H
#define _KSHIM_LINUX_JIFFIES_H

extern unsigned long jiffies;

#endif /* _KSHIM_LINUX_JIFFIES_H */
