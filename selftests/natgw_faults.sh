#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Faults under load: while UDP flows pour through SNAT and DNAT as fast as
# the senders go (new sessions all the time, ICMP port unreachables coming
# back through the gateway), tear the gateway's world apart and check after
# each blow that it serves again: entries and EIPs removed and re-added
# (their sessions must end at once), sessions flushed, the gateway's device
# deleted and re-created (the gateway goes down, then is re-attached), the
# router's namespace deleted and rebuilt, the module unloaded and loaded.
# Each kind of fault is its own subtest, repeated NATGW_FAULT_REPS times
# (default 3; NATGW_STRESS=1 makes it 100).  A stuck command fails the
# subtest that ran it; a stuck CPU, a leaked device reference or a session
# left in the slab when the module goes (kmem_cache_destroy WARNs) fails the
# run.
#
#  ns1 vpc                       ns2 router                                ns3 inet
#  eth0 10.0.1.10/24 ──── vpc0 10.0.1.1/24      ext0 198.51.100.1/24 ──── eth0 198.51.100.2/24
#  default via 10.0.1.1   natgw gw1 dev ext0 vpc 10.0.0.0/16                 203.0.113.0/24 via .1
#                         default via 198.51.100.2
#
# gw1: SNAT for the VPC through E1; E2 maps tcp 80 to 10.0.1.10:8080 (a TCP
# echo server, the DNAT probe) and udp 10000/10009 to 20000/20009 (where
# nothing listens: the load's DNAT half).  inet runs a UDP echo server on
# 7007 (the SNAT probe); the load's SNAT half goes to its ports 9000-9099,
# where nothing listens either.

source "$(dirname "$0")/lib.sh"

readonly INET=198.51.100.2
readonly E1=203.0.113.1 E2=203.0.113.2
reps=${NATGW_FAULT_REPS:-3}
[[ ${NATGW_STRESS:-0} == 1 ]] && reps=${NATGW_FAULT_REPS:-100}

nat() { natctl -n "$ns2" "$@"; }

# UDP from NSOCK sockets to every port of LO..HI of DST, round and round,
# as fast as it goes; errors (no route while the topology is rebuilt) only
# slow it down.  It runs at nice 19: it takes whatever CPU the rest leaves,
# so that on a slow (debug, emulated) kernel the probes and the commands
# under test are not starved into timeouts.
load_py='
import socket, sys, time
dst, lo, hi, nsock = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(nsock)]
while True:
	for port in range(lo, hi + 1):
		for s in socks:
			try:
				s.sendto(b"load", (dst, port))
			except OSError:
				time.sleep(0.01)
'

spawn()
{
	ip netns exec "$@" >/dev/null 2>&1 &
	echo "$!" >>"$ksft_tmp/pids"
}

test_cleanup()
{
	local pid

	[[ -s $ksft_tmp/pids ]] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null
	done <"$ksft_tmp/pids"
	wait 2>/dev/null
}

# t SECONDS PROGRAM [ARG...]: PROGRAM must finish in time; a hang fails
# the subtest.  The steps that tear things down go through it.
t()
{
	local secs=$1

	shift
	timeout "$secs" "$@" && return 0
	echo "failed or hung (${secs}s limit): $*"
	return 1
}

tnat()
{
	t 60 "$NATCTL" -n "$ns2" "$@"
}

veth()
{
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

vpc_link()
{
	veth "$ns1" eth0 "$ns2" vpc0
	ip -n "$ns1" addr add 10.0.1.10/24 dev eth0
	ip -n "$ns1" route add default via 10.0.1.1
	ip -n "$ns2" addr add 10.0.1.1/24 dev vpc0
}

ext_link()
{
	veth "$ns2" ext0 "$ns3" eth0
	ip -n "$ns2" addr add 198.51.100.1/24 dev ext0
	ip -n "$ns2" route add default via "$INET"
	ip -n "$ns3" addr add "$INET/24" dev eth0
	ip -n "$ns3" route add 203.0.113.0/24 via 198.51.100.1
}

gateway_config()
{
	nat gateway add gw1 dev ext0 vpc 10.0.0.0/16
	nat eip add gw1 "$E1"
	nat eip add gw1 "$E2"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	nat dnat add gw1 eip "$E2" proto tcp port 80 to 10.0.1.10 port 8080 >/dev/null
	nat dnat add gw1 eip "$E2" proto udp port 10000/10009 to 10.0.1.10 port 20000/20009 >/dev/null
}

# The router, its links and gw1, from nothing (the hosts' namespaces stay).
router_up()
{
	ns_add 2
	ip netns exec "$ns2" sysctl -qw net.ipv4.ip_forward=1
	vpc_link
	ext_link
	gateway_config
}

probe_snat()
{
	[[ $(ip netns exec "$ns1" socat -T 3 - "UDP4:$INET:7007" <<<snat 2>/dev/null) == snat ]]
}

probe_dnat()
{
	[[ $(ip netns exec "$ns3" socat -T 3 - "TCP4:$E2:80" <<<dnat 2>/dev/null) == dnat ]]
}

# The gateway serves again, both ways, within a minute (seconds on
# Debian's kernel; a debug kernel under TCG needs more).
serves()
{
	wait_until 60 probe_snat || { echo "SNAT does not serve after $1"; return 1; }
	wait_until 60 probe_dnat || { echo "DNAT does not serve after $1"; return 1; }
}

sessions()
{
	nat session count gw1 "$@"
}

loaded()
{
	(($(sessions) > 1000))
}

test_setup()
{
	ns_add 1 3
	router_up
	spawn "$ns3" socat UDP4-RECVFROM:7007,reuseaddr,fork PIPE
	spawn "$ns1" socat TCP4-LISTEN:8080,reuseaddr,fork PIPE
	spawn "$ns1" nice -n 19 "$PYTHON" -c "$load_py" "$INET" 9000 9099 32
	spawn "$ns3" nice -n 19 "$PYTHON" -c "$load_py" "$E2" 10000 10009 32
	serves "setup"
	wait_until 60 loaded
	ksft_diag "under load: $(sessions) sessions"
}

# Remove the entries and the EIPs under traffic (their sessions end at
# once), put them back.
test_entries()
{
	local i t0=$SECONDS

	for ((i = 1; i <= reps; i++)); do
		tnat snat del gw1 id 1
		tnat eip del gw1 "$E1"
		expect_eq "$(sessions eip "$E1")" 0 "sessions of $E1 right after its removal"
		tnat dnat del gw1 id 1
		tnat eip del gw1 "$E2" force
		expect_eq "$(sessions eip "$E2")" 0 "sessions of $E2 right after its removal"
		tnat eip add gw1 "$E1"
		tnat eip add gw1 "$E2"
		tnat snat add gw1 source vpc eip "$E1" >/dev/null
		tnat dnat add gw1 eip "$E2" proto tcp port 80 to 10.0.1.10 port 8080 >/dev/null
		tnat dnat add gw1 eip "$E2" proto udp port 10000/10009 to 10.0.1.10 port 20000/20009 >/dev/null
		serves "entries and EIPs were removed and re-added (round $i)"
		# ids grow: renumber by starting over
		tnat gateway del gw1 force
		gateway_config
		serves "the gateway was deleted and re-added (round $i)"
	done
	ksft_diag "$reps rounds in $((SECONDS - t0)) s"
}

test_flush()
{
	local i t0=$SECONDS

	for ((i = 1; i <= reps; i++)); do
		tnat session flush gw1 >/dev/null
		serves "a session flush (round $i)"
	done
	ksft_diag "$reps rounds in $((SECONDS - t0)) s"
}

gw_state()
{
	nat -j gateway show gw1 | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)[0]["state"])'
}

# Delete ext0 (and with it inet's end): gw1 goes down and holds no session;
# a new ext0 and "gateway set dev" bring it back.
test_device()
{
	local i t0=$SECONDS

	for ((i = 1; i <= reps; i++)); do
		t 60 ip -n "$ns2" link del ext0
		expect_eq "$(gw_state)" down "gw1's state without its device"
		expect_eq "$(sessions)" 0 "sessions of gw1 without its device"
		ext_link
		tnat gateway set gw1 dev ext0
		expect_eq "$(gw_state)" up "gw1's state once re-attached"
		serves "its device was deleted and re-created (round $i)"
	done
	ksft_diag "$reps rounds in $((SECONDS - t0)) s"
}

# Delete the router's namespace under load, build it again.
test_netns()
{
	local i t0=$SECONDS

	for ((i = 1; i <= reps; i++)); do
		t 60 ip netns del "$ns2"
		router_up
		serves "the router's namespace was deleted and rebuilt (round $i)"
	done
	ksft_diag "$reps rounds in $((SECONDS - t0)) s"
}

# Unload the module with gw1 configured and traffic flowing; load it again.
test_module()
{
	local i t0=$SECONDS

	for ((i = 1; i <= reps; i++)); do
		t 120 rmmod natgw
		natgw_insmod
		gateway_config
		serves "the module was unloaded and loaded (round $i)"
	done
	ksft_diag "$reps rounds in $((SECONDS - t0)) s"
}

# The load stops; after a flush nothing is left, and the module unloads
# (its session cache is destroyed, which WARNs if a session leaked).
test_teardown()
{
	test_cleanup
	: >"$ksft_tmp/pids"
	tnat session flush gw1 >/dev/null
	expect_eq "$(sessions)" 0 "sessions after the flush"
	t 120 rmmod natgw
	expect_fail test -e /sys/module/natgw
	natgw_insmod
}

require_root
require_cmd socat timeout
modprobe -q nf_defrag_ipv4 || ksft_exit_skip "no nf_defrag_ipv4"
natgw_load

ksft_plan 7
ksft_run faults_setup_under_load test_setup
ksft_run faults_entries_and_eips test_entries
ksft_run faults_session_flush test_flush
ksft_run faults_device_delete test_device
ksft_run faults_netns_delete test_netns
ksft_run faults_module_unload test_module
ksft_run faults_teardown_no_leak test_teardown
ksft_finish
