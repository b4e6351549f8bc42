/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KSHIM_ASM_BYTEORDER_H
#define _KSHIM_ASM_BYTEORDER_H

#include_next <asm/byteorder.h>

#define be32_to_cpu(x)	__be32_to_cpu(x)
#define cpu_to_be32(x)	__cpu_to_be32(x)
#define be16_to_cpu(x)	__be16_to_cpu(x)
#define cpu_to_be16(x)	__cpu_to_be16(x)

#endif /* _KSHIM_ASM_BYTEORDER_H */
