/* SPDX-License-Identifier: GPL-2.0 */
/* The list types, for headers that embed them (no list operations) */
#ifndef _KSHIM_LINUX_LIST_H
#define _KSHIM_LINUX_LIST_H

struct list_head {
	struct list_head *next, *prev;
};

struct hlist_head {
	struct hlist_node *first;
};

struct hlist_node {
	struct hlist_node *next, **pprev;
};

#endif /* _KSHIM_LINUX_LIST_H */
