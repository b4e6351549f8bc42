#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# natgw.ko loads and unloads cleanly: the generic netlink family "natgw"
# comes and goes with it, gateways left in namespaces are freed when the
# namespace goes or the module is unloaded, natctl explains a missing module
# in one line, and the module loads again afterwards with no old state.
# (The module's reference count says nothing here: nothing takes a module
# reference.  What natgw holds is counted instead: gateways and sessions in
# every namespace, and the objects of its session slab.)

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

# sessions_are NS N: natgw has N sessions in NS.
sessions_are()
{
	[[ $(natctl -n "$1" session count) == "$2" ]]
}

# natgw holds what it held before the namespaces went: the same gateways
# and sessions in the namespaces left, and its session slab back to its
# baseline (sessions are freed a grace period after the netns cleanup).
holds_baseline()
{
	[[ $(natgw_holds) == "$holds_base" ]] &&
		(($(session_slab) <= slab_base + SESSION_SLAB_SLACK))
}

# Deleting namespaces frees their gateways and sessions (asynchronously, in
# the kernel's netns cleanup work).  A gateway in $ns1, and 1000 UDP
# sessions through gw1 of the topology $ns3 (host), $ns4 (router), $ns5
# (inet): more than the slab's slack, so that leaking them shows.
test_netns_delete()
{
	local holds_base slab_base ns5=$ns_prefix-5

	holds_base=$(natgw_holds)
	slab_base=$(session_slab)
	add_gateway 1
	topo_basic 3 4 5
	natctl -n "$ns4" -f - >/dev/null <<-EOF
		gateway add gw1 dev ext0 vpc 10.0.0.0/16
		eip add gw1 203.0.113.1
		snat add gw1 source vpc eip 203.0.113.1
	EOF
	# h1 knows the router's MAC before the burst (no ARP queue limit)
	ip netns exec "$ns3" ping -c 1 -W 2 10.0.1.1 >/dev/null
	ip netns exec "$ns3" "$PYTHON" -I -S -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for port in range(1000, 2000):
	s.sendto(b"x", ("198.51.100.2", port))
'
	wait_until 30 sessions_are "$ns4" 1000 || {
		echo "sessions made: $(natctl -n "$ns4" session count)"
		return 1
	}
	expect_eq "$(natgw_holds)" \
		"$(awk '{ print $1, $2 + 2, $3, $4 + 1000 }' <<<"$holds_base")" \
		"what natgw holds with the namespaces"
	ksft_diag "natgw_session slab: $slab_base objects before, $(session_slab) with 1000 sessions"
	ip netns del "$ns1"
	ip netns del "$ns3"
	ip netns del "$ns4"
	ip netns del "$ns5"
	if ! wait_until 30 holds_baseline; then
		echo "natgw holds: $(natgw_holds), slab $(session_slab); before: $holds_base, slab $slab_base (+$SESSION_SLAB_SLACK)"
		return 1
	fi
	ksft_diag "after the namespaces went: $(natgw_holds), slab $(session_slab) objects"
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
require_cmd genl insmod rmmod modprobe modinfo ping
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
