#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# natgw under a flood from the Internet, and its memory limits.
#
#  ns1 h1                  ns2 router                         ns3 inet
#  eth0 10.0.1.10/24 ───── vh1 10.0.1.1/24
#  default via .1          ext0 198.51.100.1/24 ──────────── eth0 198.51.100.2/24
#                          vh2 10.1.0.1/24                    203.0.113.0/24 via .1
#  ns4 h2                   │                                 trafgen: the floods
#  eth0 10.1.0.10/24 ───────┘
#  default via 10.1.0.1
#
# gw1: dev ext0, vpc 10.0.0.0/16, EIP E1 203.0.113.1: SNAT for the VPC,
#      DNAT tcp 80 -> h1:8080 and udp 53 -> h1:5353 (the published
#      services, which the floods aim at).
# gw2: dev ext0, vpc 10.1.0.0/16, EIP E2 203.0.113.2: SNAT for the VPC.
# h1 serves TCP 8080 and UDP 5353, inet TCP 7000: each answers with the
# peer it sees, "ADDR-PORT SERVERPORT".
#
# With the namespace's table limited to TABLE sessions, trafgen on inet
# sends spoofed SYNs (or UDP datagrams) from random sources of 100.0.0.0/8
# to a published port as fast as the VM can.  h1's kernel answers every
# SYN, and its UDP server what it can: the floods' sessions are answered
# once but never more, and so stay evictable.  While the flood runs, the
# table stays full, and yet VPC hosts open new connections to the
# Internet (inet sees the EIP) and inet still reaches h1's service; then
# the flood's sessions age out within seconds.  A gateway with a
# max-sessions of its own, flooded, holds no more than that, and the other
# gateway still makes sessions.  hash_buckets=0 is refused at load, and
# the first gateway's table and an EIP's port allocators are charged to the
# memory cgroup of the process that adds them.
#
# It took 130 to 280 s in the TCG VM on a shared 2-core host.
# natgw-selftest: timeout 600

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

nat() { natctl -n "$ns2" "$@"; }

readonly INET=198.51.100.2 E1=203.0.113.1 E2=203.0.113.2
readonly TABLE=4096 GW_LIMIT=1000 IN_UNREPLIED=10
readonly PARAMS=/sys/module/natgw/parameters
# a cap on each flood, in case it is never stopped
readonly FLOOD_MAX=20000000

saved_max_sessions=

test_cleanup()
{
	[[ -n $saved_max_sessions && -e $PARAMS/max_sessions ]] &&
		echo "$saved_max_sessions" >"$PARAMS/max_sessions"
	[[ -d $ksft_tmp/cg/natgw ]] && rmdir "$ksft_tmp/cg/natgw"
	[[ -d $ksft_tmp/cg ]] && umount "$ksft_tmp/cg"
	return 0
}

# hash_buckets=0 (and more than 2^27) is refused, saying why; the module
# then loads again as the other scripts expect it.
test_hash_buckets()
{
	local b

	if [[ -d /sys/module/natgw ]]; then
		# a namespace deleted just before may still hold it
		wait_until 10 rmmod natgw
	fi
	for b in $(modinfo -F depends "$NATGW_KO" | tr , ' '); do
		modprobe "$b"
	done
	for b in 0 134217729; do
		dmesg -C
		capture insmod "$NATGW_KO" "hash_buckets=$b"
		((rc != 0)) || { rmmod natgw; echo "insmod hash_buckets=$b succeeded"; return 1; }
		expect_match "$(dmesg)" "natgw: hash_buckets=$b: must be 1 to 134217728"
	done
	expect_fail test -d /sys/module/natgw
	expect_rc 0 natgw_insmod
	expect_eq "$(<"$PARAMS/hash_buckets")" 262144 "hash_buckets by default"
}

# h2 and vh2 for gw2's VPC; everything else from topo_basic.
setup()
{
	topo_basic 1 2 3 || return
	ns_add 4 || return
	ip link add eth0 netns "$ns4" type veth peer name vh2 netns "$ns2" || return
	topo_host "$ns4" 10.1.0.10/24 10.1.0.1 || return
	ip -n "$ns2" addr add 10.1.0.1/24 dev vh2 || return
	ip -n "$ns2" link set vh2 up || return
	nat -f - >/dev/null <<-EOF || return
		gateway add gw1 dev ext0 vpc 10.0.0.0/16
		eip add gw1 $E1
		snat add gw1 source vpc eip $E1
		dnat add gw1 eip $E1 proto tcp port 80 to 10.0.1.10 port 8080
		dnat add gw1 eip $E1 proto udp port 53 to 10.0.1.10 port 5353
		gateway add gw2 dev ext0 vpc 10.1.0.0/16
		eip add gw2 $E2
		snat add gw2 source vpc eip $E2
		timeout set inbound-unreplied $IN_UNREPLIED
	EOF
	saved_max_sessions=$(<"$PARAMS/max_sessions")
	serve "$ns1" tcp:8080 udp:5353 || return
	serve "$ns3" tcp:7000
}

# flood tcp|udp PORT DST: trafgen on inet, in the background, until
# flood_stop; spoofed first packets from 100.0.0.0/8 to DST:PORT.
flood()
{
	local mac l4

	mac=$(n2 cat /sys/class/net/ext0/address)
	if [[ $1 == tcp ]]; then
		# random port and sequence number, SYN, window 512
		l4="6, csumip(14, 33), 100, drnd(3), ${3//./, },
		    drnd(2), const16($2), drnd(4), const32(0), 0x50, 0x02,
		    const16(512), csumtcp(14, 34), const16(0)"
	else
		l4="17, csumip(14, 33), 100, drnd(3), ${3//./, },
		    drnd(2), const16($2), const16(20), csumudp(14, 34),
		    0x66, 0x6c, 0x6f, 0x6f, 0x64, 0x21, 0x21, 0x0a, 0, 0, 0, 0"
	fi
	cat >"$ksft_tmp/flood.cfg" <<-EOF
		{
		  0x${mac//:/, 0x},
		  0x02, 0x00, 0x00, 0x00, 0x00, 0x03, 0x08, 0x00,
		  0x45, 0x00, const16(40), drnd(2), 0x40, 0x00, 64, $l4
		}
	EOF
	# trafgen writes a temporary file in its working directory; it forks,
	# and stops (printing its count) on SIGINT to its process group
	(cd "$ksft_tmp" && exec setsid ip netns exec "$ns3" trafgen -o eth0 \
		-i flood.cfg -n "$FLOOD_MAX" --cpus 1 -q >flood.out 2>&1 3>&-) &
	echo "$!" >"$ksft_tmp/flood.pid"
	trap 'flood_kill; reap' EXIT
}

# Stop the flood, if it runs.
flood_kill()
{
	local pid

	[[ -s $ksft_tmp/flood.pid ]] || return 0
	pid=$(<"$ksft_tmp/flood.pid")
	: >"$ksft_tmp/flood.pid"
	kill -INT -- -"$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# How many packets the stopped flood sent.
flood_sent()
{
	local out

	out=$(<"$ksft_tmp/flood.out")
	[[ $out =~ ([0-9]+)\ packets\ outgoing ]] ||
		{ echo "trafgen said: $out" >&2; return 1; }
	echo "${BASH_REMATCH[1]}"
}

sessions() { nat session count; }

table_full() { (($(sessions) >= TABLE)); }

# stat GW KEY: a gateway's own counter KEY in natctl -j stats (the first
# in the document: its EIPs and entries follow).
stat()
{
	local json

	json=$(nat -j stats "$1")
	[[ $json =~ \"$2\":([0-9]+) ]] || { echo "no $2 in: $json" >&2; return 1; }
	echo "${BASH_REMATCH[1]}"
}

# N new connections from h1 to inet, each seen there from E1.
outbound_ok()
{
	local answer n=0

	while read -r answer; do
		expect_peer "$answer" "$E1"
		n=$((n + 1))
	done < <(query "$ns1" tcp "$INET" 7000 "$1" 0 10)
	expect_eq "$n" "$1" "answers from inet"
}

# inet, a real client, reaches h1's published service.
inbound_ok()
{
	expect_peer "$(query "$ns3" tcp "$E1" 80 1 0 10)" "$INET"
}

# A flood of PROTO to PORT of E1 with the table limited to TABLE: the table
# stays full, new connections both ways get through, and unanswered
# sessions are evicted to make room; then the flood's sessions age out.
flood_test()
{
	local proto=$1 port=$2 sent e0 d0 c0 during evicted

	echo "$TABLE" >"$PARAMS/max_sessions"
	nat gateway set gw1 max-sessions 0
	nat session flush >/dev/null
	e0=$(stat gw1 sessions_evicted)
	d0=$(stat gw1 drops_session_limit)
	c0=$(stat gw1 sessions_created)
	flood "$proto" "$port" "$E1"
	wait_until 60 table_full
	during=$(stat gw1 sessions_evicted)
	outbound_ok 3
	inbound_ok
	evicted=$(stat gw1 sessions_evicted)
	flood_kill
	sent=$(flood_sent)
	ksft_diag "$proto flood: $sent packets sent," \
		"$(($(stat gw1 sessions_created) - c0)) sessions made," \
		"$((evicted - e0)) evicted," \
		"$(($(stat gw1 drops_session_limit) - d0)) dropped for the table limit"
	# evictions happen only at the limit: the table was full while the
	# connections were made
	((evicted > during)) ||
		{ echo "no eviction while the connections were made"; return 1; }
	((sent > TABLE)) || { echo "only $sent flood packets sent"; return 1; }
}

few_sessions() { (($(sessions) < 50)); }

# The flood's sessions, never answered from the Internet side, live
# IN_UNREPLIED s, not the 120 s of tcp-syn (the collector visits the whole
# table every 8 s).
test_syn_flood()
{
	flood_test tcp 80
	wait_until $((IN_UNREPLIED + 15)) few_sessions
}

test_udp_flood()
{
	flood_test udp 53
}

# gw1 has max-sessions GW_LIMIT and is flooded; the namespace has room.
# gw1 holds no more than its limit (one more per CPU racing at most),
# evicts its own sessions only, and gw2 still makes new ones.
test_gateway_limit()
{
	local sent n e0 d0 t0 answer

	echo 65536 >"$PARAMS/max_sessions"
	nat session flush >/dev/null
	nat gateway set gw1 max-sessions "$GW_LIMIT"
	expect_json "$(nat -j gateway show gw1)" "d[0]['max_sessions'] == $GW_LIMIT"
	expect_match "$(nat gateway show gw1)" " max-sessions $GW_LIMIT( |$)"
	e0=$(stat gw1 sessions_evicted)
	d0=$(stat gw1 drops_gateway_session_limit)
	t0=$(stat gw1 drops_session_limit)
	flood tcp 80 "$E1"
	wait_until 60 gw1_at_limit
	n=0
	while read -r answer; do
		expect_peer "$answer" "$E2"
		n=$((n + 1))
	done < <(query "$ns4" tcp "$INET" 7000 2 0 10)
	expect_eq "$n" 2 "answers to gw2's VPC"
	flood_kill
	# counted once the churn has stopped: a walk of the table during it
	# is no snapshot, and may meet a session evicted and its successor
	n=$(nat session count gw1)
	sent=$(flood_sent)
	ksft_diag "gw1 limited to $GW_LIMIT: $sent packets sent, $n sessions," \
		"$(($(stat gw1 sessions_evicted) - e0)) evicted," \
		"$(($(stat gw1 drops_gateway_session_limit) - d0)) dropped for its limit"
	((n <= GW_LIMIT + $(nproc))) || { echo "gw1 holds $n sessions"; return 1; }
	expect_eq "$(stat gw2 sessions_evicted)" 0 "gw2's sessions evicted"
	expect_eq "$(stat gw2 sessions_created)" 2 "gw2's sessions created"
	expect_eq "$(stat gw1 drops_session_limit)" "$t0" \
		"gw1's drops for the table limit"
}

gw1_at_limit() { (($(nat session count gw1) >= GW_LIMIT)); }

# gw2 with max-sessions 1 holds one answered session (a closed TCP
# connection, TIME_WAIT): a new connection is dropped and counted, as
# nothing can be evicted; without the limit it goes through.
test_gateway_limit_drop()
{
	nat session flush >/dev/null
	nat gateway set gw2 max-sessions 1
	expect_peer "$(query "$ns4" tcp "$INET" 7000 1 0 10)" "$E2"
	expect_eq "$(query "$ns4" tcp "$INET" 7000 1 0 1)" "error ETIMEDOUT" "a second connection"
	(($(stat gw2 drops_gateway_session_limit) >= 1)) ||
		{ echo "no drop counted for gw2's limit"; return 1; }
	expect_match "$(nat stats gw2)" "gateway-session-limit [1-9]"
	nat save >"$ksft_tmp/saved"
	expect_contains "$(<"$ksft_tmp/saved")" "gateway add gw2 dev ext0 vpc 10.1.0.0/16 snat-ports 1025-65535 max-sessions 1"
	# apply changes it in place, as a gateway set
	nat gateway set gw2 max-sessions 7
	nat apply "$ksft_tmp/saved"
	expect_match "$(nat gateway show gw2)" " max-sessions 1( |$)"
	nat gateway set gw2 max-sessions 0
	expect_peer "$(query "$ns4" tcp "$INET" 7000 1 0 10)" "$E2"
	expect_nomatch "$(nat gateway show gw2)" "max-sessions" "gateway show gw2 without a limit"
	expect_json "$(nat -j gateway show gw2)" "d[0]['max_sessions'] == 0"
}

# The counters in Prometheus' format, and the timeout in natctl's.
test_counters_exported()
{
	local prom

	prom=$(nat stats --prometheus)
	expect_match "$prom" '^natgw_sessions_evicted_total\{gateway="gw1"\} [1-9]'
	expect_match "$prom" '^natgw_drops_total\{gateway="gw2",reason="gateway_session_limit"\} [1-9]'
	expect_match "$prom" '^natgw_drops_total\{gateway="gw1",reason="session_limit"\} [0-9]'
	expect_match "$(nat timeout show)" "^inbound-unreplied $IN_UNREPLIED$"
}

# The memory cgroup of the process that adds the first gateway of a
# namespace pays for its session table (262144 buckets: 2 MiB), and the one
# that adds an EIP for its port allocators (3 x 320 KiB for 1025-65535).
test_memcg()
{
	local cg=$ksft_tmp/cg/natgw before after

	mkdir -p "$ksft_tmp/cg"
	mount -t cgroup2 none "$ksft_tmp/cg"
	grep -qw memory "$ksft_tmp/cg/cgroup.controllers" ||
		ksft_skip "no memory controller"
	echo +memory >"$ksft_tmp/cg/cgroup.subtree_control"
	mkdir "$cg"
	ip netns add "$ns_prefix-5"
	ip -n "$ns_prefix-5" link add d0 type dummy
	before=$(<"$cg/memory.current")
	sh -c "echo \$\$ >$cg/cgroup.procs && exec $NATCTL -n $ns_prefix-5 gateway add g dev d0 vpc 10.0.0.0/16"
	after=$(<"$cg/memory.current")
	ksft_diag "gateway add: memory cgroup charged $((after - before)) bytes"
	((after - before >= 2 * 1024 * 1024)) ||
		{ echo "charged $((after - before)) bytes for the first gateway"; return 1; }
	before=$after
	sh -c "echo \$\$ >$cg/cgroup.procs && exec $NATCTL -n $ns_prefix-5 eip add g 192.0.2.1"
	after=$(<"$cg/memory.current")
	ksft_diag "eip add: memory cgroup charged $((after - before)) bytes"
	((after - before >= 900 * 1024)) ||
		{ echo "charged $((after - before)) bytes for an EIP"; return 1; }
}

require_root
require_cmd trafgen insmod rmmod dmesg
[[ -f $NATGW_KO ]] || ksft_exit_skip "$NATGW_KO not built (make module)"

ksft_plan 7
ksft_run hash_buckets_refused test_hash_buckets
natgw_load
setup || { echo "# setup failed"; exit "$KSFT_FAIL"; }
ksft_run syn_flood test_syn_flood
ksft_run udp_flood test_udp_flood
ksft_run gateway_limit test_gateway_limit
ksft_run gateway_limit_drop test_gateway_limit_drop
ksft_run counters_exported test_counters_exported
ksft_run memcg_charged test_memcg
ksft_finish
