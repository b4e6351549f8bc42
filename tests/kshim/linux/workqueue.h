/* SPDX-License-Identifier: GPL-2.0 */
/* The work types, for headers that embed them (nothing is ever queued) */
#ifndef _KSHIM_LINUX_WORKQUEUE_H
#define _KSHIM_LINUX_WORKQUEUE_H

struct delayed_work {
	void (*func)(struct delayed_work *work);
};

#endif /* _KSHIM_LINUX_WORKQUEUE_H */
