#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# natgw's SNAT sessions: listed by natctl, expired by short timeouts, ended
# with their entry, EIP or gateway, and torn down cleanly with the namespace
# or the module while traffic flows.
#
#  ns1 h1                  ns2 router                         ns3 inet
#  eth0 10.0.1.10/24 ───── vh1 10.0.1.1/24
#  default via .1          natgw gw1 dev ext0
#                          ext0 198.51.100.1/24 ──────────── eth0 198.51.100.2/24
#                                                             203.0.113.0/24 via .1
#
# gw1: dev ext0, vpc 10.0.0.0/16, EIP 203.0.113.1 for the whole VPC.  inet
# has no route to the VPC; its servers (TCP 7000, UDP 7001) answer each
# connection or datagram with the peer they see and their own port,
# "ADDR-PORT SERVERPORT".  The namespace-deletion subtest builds a second,
# identical set in ns4-ns6 and deletes its router.

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

nat() { natctl -n "$ns2" "$@"; }

readonly INET=198.51.100.2 E1=203.0.113.1

# gw1 with E1 for the whole VPC, and one UDP, one TCP and one ICMP session
# of h1's.  Leaves the servers' answers in $udp and $tcp.
sessions_setup()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	udp=$(query "$ns1" udp "$INET" 7001)
	tcp=$(query "$ns1" tcp "$INET" 7000)
	expect_peer "$udp" "$E1"
	expect_peer "$tcp" "$E1"
	n1 ping -c 1 -W 2 "$INET" >/dev/null
	expect_eq "$(nat session count gw1)" 3 "sessions"
}

# Traffic through namespace R's gateway, from the host in H, until the
# subtest ends: pings every 10 ms, and UDP datagrams every 2 ms that inet's
# server answers.
flood_py='
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
s.connect((sys.argv[1], int(sys.argv[2])))
while True:
	try:
		s.send(b"x")
		s.recv(64)
	except OSError:
		pass
	time.sleep(0.002)
'

flood()
{
	spawn "$ns_prefix-$1" ping -q -i 0.01 "$INET"
	spawn "$ns_prefix-$1" "$PYTHON" -I -S -c "$flood_py" "$INET" 7001
}

# sessions_reach NS N: the gateways of namespace NS hold N sessions or more.
sessions_reach()
{
	(($(natctl -n "$1" session count) >= $2))
}

# sessions_are N: gw1 holds N sessions.
sessions_are()
{
	(($(nat session count gw1) == $1))
}

# link_gone NS DEV: namespace NS has no device DEV.
link_gone()
{
	! ip -n "$1" link show "$2" >/dev/null 2>&1
}

# natctl session show lists each session with its inside, public and remote
# endpoints; its filters select among them.
test_show()
{
	local json line

	sessions_setup
	json=$(nat -j session show gw1)
	expect_json "$json" \
		"len(d) == 3" \
		"sorted(s['proto'] for s in d) == ['icmp', 'tcp', 'udp']" \
		"all(s['gateway'] == 'gw1' and s['kind'] == 'snat' for s in d)" \
		"all(s['inside'] == '10.0.1.10' and s['eip'] == '$E1' for s in d)" \
		"all(s['remote'] == '$INET' for s in d)" \
		"[(s['eip_port'], s['remote_port']) for s in d if s['proto'] == 'udp'] == [($(peer_port "$udp"), 7001)]" \
		"[(s['eip_port'], s['remote_port']) for s in d if s['proto'] == 'tcp'] == [($(peer_port "$tcp"), 7000)]"

	line=$(nat session show gw1 proto udp)
	expect_lines 1 "$line" "session show proto udp"
	expect_match "$line" "^udp 10\.0\.1\.10:[0-9]+ -> 203\.0\.113\.1:$(peer_port "$udp") -> 198\.51\.100\.2:7001 "
	expect_lines 1 "$(nat session show gw1 dst "$INET" proto icmp)" "session show dst $INET proto icmp"
	expect_lines 0 "$(nat session show gw1 src 10.0.1.20)" "session show src 10.0.1.20"
}

# With UDP and ICMP timeouts of 2 s, those sessions expire within seconds;
# the TCP session (TIME_WAIT, 240 s) stays.
test_timeouts()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	nat timeout set udp 2
	nat timeout set icmp 2
	expect_json "$(nat -j timeout show)" "d['udp'] == 2 and d['icmp'] == 2"
	# The answers prove that each session existed.
	expect_peer "$(query "$ns1" udp "$INET" 7001)" "$E1"
	n1 ping -c 1 -W 2 "$INET" >/dev/null
	expect_peer "$(query "$ns1" tcp "$INET" 7000)" "$E1"
	wait_until 6 sessions_are 1
	expect_match "$(nat session show gw1)" "^tcp .* TIME_WAIT " "the remaining session"
	nat timeout set udp 300
	nat timeout set icmp 60
}

test_del_entry()
{
	sessions_setup
	nat snat del gw1 id 1
	expect_eq "$(nat session count gw1)" 0 "sessions after snat del"
}

# An EIP in use is only deleted with force, which takes its entries and
# sessions with it.
test_del_eip()
{
	sessions_setup
	expect_rc 1 nat eip del gw1 "$E1"
	expect_match "$err" "force" "refusal"
	expect_eq "$(nat session count gw1)" 3 "sessions after the refusal"
	nat eip del gw1 "$E1" force
	expect_eq "$(nat session count gw1)" 0 "sessions after eip del force"
	expect_eq "$(nat -j snat show gw1)" "[]" "SNAT entries after eip del force"
}

test_del_gateway()
{
	sessions_setup
	nat gateway del gw1 force
	expect_eq "$(nat session count)" 0 "sessions after gateway del"
	expect_eq "$(nat -j gateway show)" "[]" "gateways"
}

# Delete a router namespace whose gateway translates a flood: the kernel
# must not complain (the VM fails the run on any report).  Its eth0 leaving
# h1's twin namespace shows that the namespace is gone; the gateway of the
# same name in ns2 still serves.
test_netns_del()
{
	local r=$ns_prefix-5

	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	topo_basic 4 5 6
	natctl -n "$r" gateway add gw1 dev ext0 vpc 10.0.0.0/16
	natctl -n "$r" eip add gw1 "$E1"
	natctl -n "$r" snat add gw1 source vpc eip "$E1" >/dev/null
	serve "$ns_prefix-6" udp:7001
	flood 4
	wait_until 30 sessions_reach "$r" 2
	ip netns del "$r"
	wait_until 10 link_gone "$ns4" eth0
	expect_peer "$(query "$ns1" udp "$INET" 7001)" "$E1"
}

# rmmod while the gateway translates a flood.
test_rmmod()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	flood 1
	wait_until 30 sessions_reach "$ns2" 2
	expect_rc 0 rmmod natgw
	[[ ! -e /sys/module/natgw ]] || { echo "natgw still loaded"; return 1; }
}

require_root
require_cmd nft ping
natgw_load
(set -e; topo_basic 1 2 3) || { echo "# topology setup failed"; exit "$KSFT_FAIL"; }
serve "$ns3" tcp:7000 udp:7001 || exit "$KSFT_FAIL"

ksft_plan 7
ksft_run session_show test_show
ksft_run session_timeouts test_timeouts
ksft_run session_end_snat_del test_del_entry
ksft_run session_end_eip_del test_del_eip
ksft_run session_end_gateway_del test_del_gateway
ksft_run netns_del_under_traffic test_netns_del
ksft_run rmmod_under_traffic test_rmmod
ksft_finish
