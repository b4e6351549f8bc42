#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# natgw's SNAT sessions: listed by natctl, flushed by its filters, expired
# by short timeouts (UDP, ICMP and each TCP state's), ended with their
# entry, EIP or gateway, and torn down cleanly with the namespace or the
# module while traffic flows.
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
#
# About a minute alone under TCG; the timeout subtests wait out their 4 s
# in real time, which a VM slowed by a loaded host does not shorten: with
# six VMs on two CPUs the script took over 300 s.
# natgw-selftest: timeout 600

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

nat() { natctl -n "$ns2" "$@"; }

readonly INET=198.51.100.2 E1=203.0.113.1 E2=203.0.113.2 E3=203.0.113.3

# The timeouts the script started with, "NAME SECONDS" per line.
saved_timeouts=

# Put back the timeouts the script started with.  Each subtest that changes
# one does so from its EXIT trap, which runs whether it passes or not
# (spawn sets that trap to reap: set it after spawning).
timeouts_restore()
{
	nat -f - >/dev/null <<<"timeout set ${saved_timeouts//$'\n'/$'\n'timeout set }"
}

# restore_on_exit: the subtest's EXIT trap puts the timeouts back and ends
# what the subtest spawned.
restore_on_exit()
{
	trap 'timeouts_restore; reap' EXIT
}

# gen_flows SRC HOSTS FIRST COUNT: new UDP flows from addresses SRC.. over
# h1's link to 192.0.2.1:9, one datagram each (see gen_flows.py).  inet
# does not forward: nothing answers them.
gen_flows()
{
	n1 "$PYTHON" -I -S "$NATGW_REPO/selftests/gen_flows.py" eth0 \
		"$(n2 cat /sys/class/net/vh1/address)" "$1" "$2" 192.0.2.1:9 "$3" "$4"
}

# The server for an idle TCP connection: it listens on PORT and never
# accepts (the kernel completes the handshake), creating READY once it
# listens.  The client connects to ADDR:PORT and holds the connection.
listen_py='
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", int(sys.argv[2])))
s.listen(8)
open(sys.argv[1], "w").close()
while True:
	time.sleep(3600)
'
hold_py='
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
while True:
	time.sleep(3600)
'

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
	expect_rc 0 nat session show gw1 src 10.0.1.20
	expect_eq "$out" "" "session show src 10.0.1.20"
}

# session flush with each of its filters ends exactly the sessions they
# select.  gw1 holds h1's TCP and ICMP sessions with inet (EIP E1) and five
# UDP flows to 192.0.2.1 from 10.0.1.100-104, the first two through an
# entry of their own on E2; gw2, on the same device for the VPC 10.1.0.0/16
# (the router takes 10.1.0.5's packet from h1's link: no reverse-path
# filter), one flow on E3.  Each flush prints how many it ended.
test_flush()
{
	local port re

	trap 'nat gateway del gw2 force >/dev/null 2>&1 || true' EXIT
	gw_setup
	nat -f - >/dev/null <<-EOF
		eip add gw1 $E1
		eip add gw1 $E2
		snat add gw1 source vpc eip $E1
		snat add gw1 source 10.0.1.100/31 eip $E2
		gateway add gw2 dev ext0 vpc 10.1.0.0/16
		eip add gw2 $E3
		snat add gw2 source vpc eip $E3
	EOF
	ip netns exec "$ns2" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.vh1.rp_filter=0
	expect_peer "$(query "$ns1" tcp "$INET" 7000)" "$E1"
	n1 ping -c 1 -W 2 "$INET" >/dev/null
	expect_eq "$(gen_flows 10.0.1.100 5 0 5)" 5 "frames from 10.0.1.100-104"
	expect_eq "$(gen_flows 10.1.0.5 1 0 1)" 1 "frames from 10.1.0.5"
	wait_until 5 gw_sessions_are 7
	expect_eq "$(nat session count gw2)" 1 "sessions of gw2"
	expect_eq "$(nat session count gw1 eip "$E2")" 2 "sessions of gw1 on $E2"
	capture nat session show gw1 src 10.0.1.102
	re='^udp 10\.0\.1\.102:1024 -> 203\.0\.113\.1:([0-9]+) '
	[[ $out =~ $re ]] ||
		{ echo "no session of 10.0.1.102 on $E1: $out"; return 1; }
	port=${BASH_REMATCH[1]}

	expect_eq "$(nat session flush gw1 proto icmp)" "1 sessions flushed" "flush proto icmp"
	expect_eq "$(nat session count gw1 proto icmp)" 0 "ICMP sessions"
	expect_eq "$(nat session flush gw1 src 10.0.1.104)" "1 sessions flushed" "flush src 10.0.1.104"
	expect_eq "$(nat session flush gw1 eip "$E2")" "2 sessions flushed" "flush eip $E2"
	expect_eq "$(nat session flush gw1 port "$port")" "1 sessions flushed" "flush port $port"
	expect_eq "$(nat session count gw1 src 10.0.1.102)" 0 "sessions of 10.0.1.102"
	expect_eq "$(nat session flush gw1 dst 192.0.2.1)" "1 sessions flushed" "flush dst 192.0.2.1"
	capture nat session show gw1
	expect_lines 1 "$out" "sessions left on gw1"
	expect_match "$out" "^tcp 10\.0\.1\.10:[0-9]+ -> 203\.0\.113\.1:[0-9]+ -> 198\.51\.100\.2:7000 " \
		"session left on gw1"
	expect_eq "$(nat session flush gw1)" "1 sessions flushed" "flush gw1"
	expect_eq "$(nat session count gw2)" 1 "sessions of gw2 after flush gw1"
	expect_eq "$(nat session flush)" "1 sessions flushed" "flush of the namespace"
	expect_eq "$(nat session count)" 0 "sessions"
	nat gateway del gw2 force
}


# With UDP and ICMP timeouts of 2 s, those sessions expire within seconds;
# the TCP session (TIME_WAIT, 240 s) stays.
test_timeouts()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	restore_on_exit
	nat timeout set udp 2
	nat timeout set icmp 2
	expect_json "$(nat -j timeout show)" "d['udp'] == 2 and d['icmp'] == 2"
	# The answers prove that each session existed.
	expect_peer "$(query "$ns1" udp "$INET" 7001)" "$E1"
	n1 ping -c 1 -W 2 "$INET" >/dev/null
	expect_peer "$(query "$ns1" tcp "$INET" 7000)" "$E1"
	wait_until 6 gw_sessions_are 1
	expect_match "$(nat session show gw1)" "^tcp .* TIME_WAIT " "the remaining session"
}

# Each TCP timeout, set to 4 s while the others keep their long defaults
# (120 s and more), ends a session in its state within seconds: a SYN that
# nothing answers (inet drops it; the client gives up before
# retransmitting), an idle established connection, and a closed one
# (TIME_WAIT).  The timeout is taken at each packet, so it is set before
# the traffic.  The session's state is shown, not asserted: under a slow
# VM it may have expired by the time natctl looks.
test_tcp_syn_timeout()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	count_in "$ns3" "tcp dport 7999" drop
	restore_on_exit
	nat timeout set tcp-syn 4
	expect_eq "$(query "$ns1" tcp "$INET" 7999 1 0 0.5)" "error ETIMEDOUT" "connection to a dropping port"
	capture nat session show gw1
	ksft_diag "session of the SYN: $out"
	expect_eq "$(gw_stat sessions_created)" 1 "sessions created"
	wait_until 15 gw_sessions_are 0
	n3 nft flush ruleset
}

test_tcp_established_timeout()
{
	local ready=$ksft_tmp/listen.ready

	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	spawn "$ns3" "$PYTHON" -I -S -c "$listen_py" "$ready" 7010
	restore_on_exit
	wait_until 10 test -e "$ready"
	nat timeout set tcp-established 4
	spawn "$ns1" "$PYTHON" -I -S -c "$hold_py" "$INET" 7010
	restore_on_exit
	# shellcheck disable=SC2016 # eval expands it, at each try
	wait_until 30 eval 'ip netns exec "$ns1" ss -Htn state established dst "$INET" | grep -q .'
	capture nat session show gw1
	ksft_diag "session of the connection: $out"
	expect_eq "$(gw_stat sessions_created)" 1 "sessions created"
	wait_until 15 gw_sessions_are 0
	expect_eq "$(ip netns exec "$ns1" ss -Htn state established dst "$INET" | wc -l)" 1 \
		"h1's connections to inet, still established"
}

test_tcp_transitory_timeout()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	restore_on_exit
	nat timeout set tcp-transitory 4
	expect_peer "$(query "$ns1" tcp "$INET" 7000)" "$E1"
	capture nat session show gw1
	ksft_diag "session of the closed connection: $out"
	expect_eq "$(gw_stat sessions_created)" 1 "sessions created"
	wait_until 15 gw_sessions_are 0
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
topo_basic 1 2 3 || { echo "# topology setup failed"; exit "$KSFT_FAIL"; }
serve "$ns3" tcp:7000 udp:7001 || exit "$KSFT_FAIL"
saved_timeouts=$(nat timeout show) || { echo "# natctl timeout show failed"; exit "$KSFT_FAIL"; }
[[ -n $saved_timeouts ]] || { echo "# natctl timeout show printed nothing"; exit "$KSFT_FAIL"; }

ksft_plan 11
ksft_run session_show test_show
ksft_run session_flush_filters test_flush
ksft_run session_timeouts test_timeouts
ksft_run session_timeout_tcp_syn test_tcp_syn_timeout
ksft_run session_timeout_tcp_established test_tcp_established_timeout
ksft_run session_timeout_tcp_transitory test_tcp_transitory_timeout
ksft_run session_end_snat_del test_del_entry
ksft_run session_end_eip_del test_del_eip
ksft_run session_end_gateway_del test_del_gateway
ksft_run netns_del_under_traffic test_netns_del
ksft_run rmmod_under_traffic test_rmmod
ksft_finish
