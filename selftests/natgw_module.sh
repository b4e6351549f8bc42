#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# natgw.ko loads and unloads cleanly: the generic netlink family "natgw"
# comes and goes with it, gateways left in namespaces are freed when the
# namespace goes or the module is unloaded, natctl explains a missing module
# in one line, and the module loads again afterwards with no old state.

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

family_present()
{
	genl ctrl get name natgw >/dev/null 2>&1
}

# A gateway on a dummy device in namespace $nsI.
add_gateway()
{
	ns_add "$1"
	ip -n "$ns_prefix-$1" link add d0 type dummy
	natctl -n "$ns_prefix-$1" gateway add gw1 dev d0 vpc 10.0.0.0/16
}

test_load()
{
	if [[ -d /sys/module/natgw ]]; then
		rmmod natgw
	fi
	expect_rc 0 natgw_insmod
	expect_rc 0 test -d /sys/module/natgw
	expect_match "$(</proc/modules)" '^natgw '
}

test_family()
{
	expect_rc 0 family_present
	expect_rc 0 natctl gateway show
	expect_eq "$out" "" "gateway show with no gateway"
	expect_rc 0 natctl -j gateway show
	expect_json "$out" 'd == []'
}

refcnt_zero()
{
	[[ $(</sys/module/natgw/refcnt) == 0 ]]
}

# Deleting a namespace frees its gateways (asynchronously, in the kernel's
# netns cleanup work) and with them any reference they held on the module.
test_netns_delete()
{
	add_gateway 1
	expect_rc 0 natctl -n "$ns1" gateway show gw1
	ip netns del "$ns1"
	wait_until 10 refcnt_zero
}

# Unloading with a gateway configured frees it and releases its device.
test_unload()
{
	add_gateway 2
	expect_rc 0 rmmod natgw
	expect_fail test -e /sys/module/natgw
	expect_nomatch "$(</proc/modules)" '^natgw ' "/proc/modules"
	expect_fail family_present
	ip -n "$ns2" link del d0
}

test_no_module()
{
	[[ ! -e /sys/module/natgw ]] || ksft_skip "natgw is loaded"
	expect_rc 1 natctl gateway show
	expect_eq "$out" "" "stdout"
	expect_lines 1 "$err" "stderr"
	expect_match "$err" 'natgw' "stderr"
	expect_match "$err" '[Mm]odule|not loaded' "stderr"
}

test_reload()
{
	expect_rc 0 natgw_insmod
	expect_rc 0 family_present
	expect_rc 0 natctl -n "$ns2" gateway show
	expect_eq "$out" "" "gateway show in $ns2 after reload"
}

require_root
require_cmd genl insmod rmmod modprobe modinfo
[[ -f $NATGW_KO ]] || ksft_exit_skip "$NATGW_KO not built (make module)"
[[ -x $NATCTL ]] || ksft_exit_skip "$NATCTL not built (make natctl)"

ksft_plan 6
ksft_run load test_load
ksft_run genl_family test_family
ksft_run netns_delete_frees_gateways test_netns_delete
ksft_run unload_with_gateways test_unload
ksft_run natctl_without_module test_no_module
ksft_run reload_starts_empty test_reload
ksft_finish
