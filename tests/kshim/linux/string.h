/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: the kernel's string functions are the C library's. */
#ifndef _KSHIM_LINUX_STRING_H
#define _KSHIM_LINUX_STRING_H

#include <string.h>

#endif
