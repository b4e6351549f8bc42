/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KSHIM_LINUX_BITMAP_H
#define _KSHIM_LINUX_BITMAP_H

#include <linux/bitops.h>

#endif /* _KSHIM_LINUX_BITMAP_H */
