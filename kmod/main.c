// SPDX-License-Identifier: GPL-2.0
/*
 * natgw: a cloud-style Internet NAT gateway for Linux routers.
 *
 * Module entry: parameters (the quotas), per-namespace state, and the
 * device notifier that follows gateway devices.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>

#include "gateway.h"
#include "netlink.h"

unsigned int natgw_max_gateways = 5;
module_param_named(max_gateways, natgw_max_gateways, uint, 0644);
MODULE_PARM_DESC(max_gateways, "Gateways per network namespace (default 5)");

unsigned int natgw_max_eips = 20;
module_param_named(max_eips, natgw_max_eips, uint, 0644);
MODULE_PARM_DESC(max_eips, "EIPs per gateway (default 20)");

unsigned int natgw_max_snat = 40;
module_param_named(max_snat_entries, natgw_max_snat, uint, 0644);
MODULE_PARM_DESC(max_snat_entries, "SNAT entries per gateway (default 40)");

unsigned int natgw_max_dnat = 100;
module_param_named(max_dnat_entries, natgw_max_dnat, uint, 0644);
MODULE_PARM_DESC(max_dnat_entries, "DNAT entries per gateway (default 100)");

unsigned int natgw_max_sessions = 1048576;
module_param_named(max_sessions, natgw_max_sessions, uint, 0644);
MODULE_PARM_DESC(max_sessions, "Sessions per network namespace (default 1048576)");

unsigned int natgw_hash_buckets = 262144;
module_param_named(hash_buckets, natgw_hash_buckets, uint, 0444);
MODULE_PARM_DESC(hash_buckets, "Session hash buckets per namespace with a gateway, rounded up to a power of two (default 262144)");

unsigned int natgw_net_id __read_mostly;

static int __net_init natgw_net_init(struct net *net)
{
	struct natgw_net *nn = natgw_pernet(net);

	nn->net = net;
	mutex_init(&nn->lock);
	INIT_LIST_HEAD(&nn->gateways);
	get_random_bytes(&nn->key, sizeof(nn->key));
	natgw_session_table_prepare(nn);
	/* RFC 4787, 5382 and 5508 defaults */
	nn->timeouts.udp = 300;
	nn->timeouts.icmp = 60;
	nn->timeouts.tcp_syn = 120;
	nn->timeouts.tcp_est = 7440;
	nn->timeouts.tcp_trans = 240;
	nn->timeouts.tcp_close = 10;
	return 0;
}

static void __net_exit natgw_net_exit(struct net *net)
{
	struct natgw_net *nn = natgw_pernet(net);

	mutex_lock(&nn->lock);
	natgw_net_flush(nn);
	mutex_unlock(&nn->lock);
}

static struct pernet_operations natgw_net_ops = {
	.init = natgw_net_init,
	.exit = natgw_net_exit,
	.id   = &natgw_net_id,
	.size = sizeof(struct natgw_net),
};

/*
 * A gateway's device is referenced by ifindex, so a rename needs nothing.
 * When the device goes, the gateway stays, down and without sessions, until
 * it is deleted or re-attached with `natctl gateway set NAME dev IFNAME`.
 */
static int natgw_netdev_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct natgw_net *nn = natgw_pernet(dev_net(dev));

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	mutex_lock(&nn->lock);
	natgw_gw_dev_gone(nn, dev->ifindex);
	mutex_unlock(&nn->lock);
	return NOTIFY_DONE;
}

static struct notifier_block natgw_netdev_nb = {
	.notifier_call = natgw_netdev_event,
};

static int __init natgw_init(void)
{
	int ret;

	ret = natgw_session_init();
	if (ret)
		return ret;
	ret = register_pernet_subsys(&natgw_net_ops);
	if (ret)
		goto err_session;
	ret = register_netdevice_notifier(&natgw_netdev_nb);
	if (ret)
		goto err_pernet;
	ret = natgw_genl_init();
	if (ret)
		goto err_notifier;
	pr_info("natgw: Internet NAT gateway loaded\n");
	return 0;

err_notifier:
	unregister_netdevice_notifier(&natgw_netdev_nb);
err_pernet:
	unregister_pernet_subsys(&natgw_net_ops);
err_session:
	natgw_session_uninit();
	return ret;
}

static void __exit natgw_exit(void)
{
	natgw_genl_uninit();
	unregister_netdevice_notifier(&natgw_netdev_nb);
	unregister_pernet_subsys(&natgw_net_ops);
	/* sessions, EIPs and gateways are freed from RCU callbacks */
	rcu_barrier();
	natgw_session_uninit();
}

module_init(natgw_init);
module_exit(natgw_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(NATGW_RELEASE);
MODULE_DESCRIPTION("natgw: cloud-style Internet NAT gateway (SNAT/DNAT with EIPs)");
MODULE_ALIAS_GENL_FAMILY(NATGW_GENL_NAME);
