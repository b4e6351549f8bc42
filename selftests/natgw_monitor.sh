#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# natctl monitor follows one stream when asked (natlog or config), and
# exits with status 1 when the natgw module goes away, so that the NAT
# log's unit restarts it on the new module.
#
#  ns1 h1                  ns2 router                         ns3 inet
#  eth0 10.0.1.10/24 ───── vh1 10.0.1.1/24
#  default via .1          natgw gw1 dev ext0
#                          ext0 198.51.100.1/24 ──────────── eth0 198.51.100.2/24
#                                                             203.0.113.0/24 via .1

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

nat() { natctl -n "$ns2" "$@"; }

readonly INET=198.51.100.2 E1=203.0.113.1 PORT=7000

# monitor_start FILE [STREAM]: natctl -j monitor [STREAM] in the router,
# its output to FILE, until the subtest ends.
monitor_start()
{
	local f=$1

	shift
	spawn -o "$f" "$ns2" "$NATCTL" -j monitor "$@"
}

# events FILE: the event names in FILE, one a line.
events()
{
	sed -nE 's/.*"event":"([a-z-]+)".*/\1/p' "$1" | sort -u | paste -sd ' '
}

setup_gw()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
}

test_streams()
{
	local all=$ksft_tmp/all.json log=$ksft_tmp/natlog.json cfg=$ksft_tmp/config.json

	setup_gw
	monitor_start "$all"
	monitor_start "$log" natlog
	monitor_start "$cfg" config
	# Config events until the monitors that take them have joined, then
	# new flows (each query opens one) until those of natlog have.
	wait_until 20 eval 'nat timeout set icmp 61 &&
		grep -q "\"event\":\"config\"" "$all" &&
		grep -q "\"event\":\"config\"" "$cfg"'
	wait_until 30 eval 'query "$ns1" udp "$INET" "$PORT" >/dev/null &&
		grep -q "\"event\":\"session-new\"" "$log" &&
		grep -q "\"event\":\"session-new\"" "$all"'
	nat timeout set icmp 60		# the default again
	wait_until 20 grep -q '"icmp":60' "$cfg"
	wait_until 20 grep -q '"icmp":60' "$all"
	expect_eq "$(events "$log")" "session-new" "events of monitor natlog"
	expect_eq "$(events "$cfg")" "config" "events of monitor config"
	expect_eq "$(events "$all")" "config session-new" "events of monitor"
	expect_rc 2 nat monitor nosuchstream
}

# rmmod while a monitor runs: it says why and exits 1.  The module is
# loaded again for the scripts after this one.
test_module_gone()
{
	# Not out and err, which capture (expect_rc) sets.
	local mout=$ksft_tmp/gone.json merr=$ksft_tmp/gone.err pid rc

	gw_reset
	ip netns exec "$ns2" "$NATCTL" -j monitor config >"$mout" 2>"$merr" &
	pid=$!
	# It has joined once it prints an event.
	wait_until 20 eval 'nat timeout set icmp 60 && grep -q config "$mout"'
	expect_rc 0 rmmod natgw
	rc=0
	timeout 20 tail --pid="$pid" -f /dev/null || rc=$?
	expect_eq "$rc" 0 "tail's status (124: monitor still runs 20 s after rmmod)"
	wait "$pid" && rc=0 || rc=$?
	expect_eq "$rc" 1 "monitor's exit status"
	expect_eq "$(<"$merr")" "natctl: the natgw module was unloaded" "monitor's stderr"
	expect_rc 0 natgw_insmod
}

require_root
natgw_load
topo_basic 1 2 3 || exit "$KSFT_FAIL"
serve "$ns3" "udp:$PORT" || exit "$KSFT_FAIL"

ksft_plan 2
ksft_run monitor_selects_stream test_streams
ksft_run monitor_exits_on_unload test_module_gone
ksft_finish
