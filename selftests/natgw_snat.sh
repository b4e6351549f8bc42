#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SNAT through natgw: VPC hosts reach the Internet host with the gateway's
# EIPs as their address, and nothing comes back in that no session asked for.
#
#  ns1 h1 10.0.1.10 ──┐
#                     ├── br0 10.0.1.1/24 ┐
#  ns2 h2 10.0.1.20 ──┘                   │ ns4 router
#                                         │ natgw gw1 dev ext0        ns5 inet
#  ns3 h3 10.0.2.30 ───── vh3 10.0.2.1/24 ┘ ext0 198.51.100.1/24 ──── eth0 198.51.100.2/24
#                                                                     203.0.113.0/24 via .1
#
# gw1: dev ext0, vpc 10.0.0.0/16; EIPs come from 203.0.113.0/24, which inet
# routes to the router.  inet has no route to 10.0.0.0/8, so only the
# translation makes its answers reach a VPC host.  Its servers (TCP 7000,
# UDP 7001 and 7002) answer each connection or datagram with the peer they
# see and their own port, "ADDR-PORT SERVERPORT".  Every subtest starts from
# a fresh gw1.

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

ns5=$ns_prefix-5
n5() { ip netns exec "$ns5" "$@"; }
nat() { natctl -n "$ns4" "$@"; }

readonly INET=198.51.100.2
readonly E1=203.0.113.1 E2=203.0.113.2 E3=203.0.113.3

# counted_is NS N: count_in has counted N packets in NS.
counted_is()
{
	(($(counted "$1") == $2))
}

# The distinct peer addresses in a list of answers, in one line.
peer_addrs()
{
	cut -d - -f 1 <<<"$1" | sort -u | paste -sd ' '
}

# Each step is checked: the caller's || would void set -e.
# gen_flows SRC HOSTS DST:PORT FIRST COUNT: new UDP flows from addresses
# SRC.. of h1's subnet, one datagram each, written by one process straight
# to h1's link (see gen_flows.py).  Nothing answers those to 192.0.2.0/24:
# inet does not forward them.
gen_flows()
{
	n1 "$PYTHON" -I -S "$NATGW_REPO/selftests/gen_flows.py" eth0 \
		"$(n4 cat /sys/class/net/br0/address)" "$@"
}

topology()
{
	ns_add 1 2 3 4 5 || return
	ip -b - <<-EOF || return
		link add eth0 netns $ns1 type veth peer name vh1 netns $ns4
		link add eth0 netns $ns2 type veth peer name vh2 netns $ns4
		link add eth0 netns $ns3 type veth peer name vh3 netns $ns4
		link add ext0 netns $ns4 type veth peer name eth0 netns $ns5
	EOF
	topo_router "$ns4" "$INET" vh1 vh2 || return
	# The second VPC subnet, h3's, is routed beside the bridge of the first.
	ip -n "$ns4" -b - <<-EOF || return
		link set vh3 up
		addr add 10.0.2.1/24 dev vh3
	EOF
	topo_host "$ns1" 10.0.1.10/24 10.0.1.1 || return
	topo_host "$ns2" 10.0.1.20/24 10.0.1.1 || return
	topo_host "$ns3" 10.0.2.30/24 10.0.2.1 || return
	topo_host "$ns5" "$INET/24" 198.51.100.1 203.0.113.0/24
}

# VPC hosts on both VPC subnets ping the Internet host, which sees each
# echo request come from the EIP.
test_ping()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1"
	count_in "$ns5" "ip saddr $E1 icmp type echo-request"
	n1 ping -c 2 -i 0.2 -W 2 "$INET"
	n3 ping -c 1 -W 2 "$INET"
	expect_eq "$(counted "$ns5")" 3 "echo requests from $E1 seen by inet"
}

test_tcp()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1"
	expect_peer "$(query "$ns1" tcp "$INET" 7000)" "$E1"
	expect_peer "$(query "$ns3" tcp "$INET" 7000)" "$E1"
}

test_udp()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1"
	expect_peer "$(query "$ns1" udp "$INET" 7001)" "$E1"
	expect_peer "$(query "$ns3" udp "$INET" 7001)" "$E1"
}

# Longest prefix wins whatever the order the entries came in: h1 has a /32
# entry, its neighbour h2 the /24 of their subnet, h3 only the VPC entry.
test_precedence()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat eip add gw1 "$E2"
	nat eip add gw1 "$E3"
	nat snat add gw1 source 10.0.1.10/32 eip "$E3"
	nat snat add gw1 source vpc eip "$E1"
	nat snat add gw1 source 10.0.1.0/24 eip "$E2"
	expect_peer "$(query "$ns1" tcp "$INET" 7000)" "$E3"
	expect_peer "$(query "$ns2" tcp "$INET" 7000)" "$E2"
	expect_peer "$(query "$ns3" tcp "$INET" 7000)" "$E1"
}

# An entry with two EIPs spreads connections over both (affinity off); with
# affinity on, all flows of one host to one destination use one EIP, and
# hosts and destinations spread over both: 20 hosts (10.0.1.100-119), two
# flows each to each of two destinations.  Each count below fails a correct
# natgw with a probability under 2^-19.
test_two_eips()
{
	local id out

	gw_setup
	nat eip add gw1 "$E1"
	nat eip add gw1 "$E2"
	id=$(nat snat add gw1 source vpc eip "$E1,$E2" affinity off)
	id=${id#id }

	out=$(query "$ns1" tcp "$INET" 7000 30)
	expect_nomatch "$out" '^error' "answers to 30 connections"
	expect_eq "$(peer_addrs "$out")" "$E1 $E2" "EIPs seen over 30 connections, affinity off"

	nat snat set gw1 id "$id" affinity on
	nat session flush gw1 >/dev/null
	out=$(query "$ns1" tcp "$INET" 7000 10)
	expect_nomatch "$out" '^error' "answers to 10 connections"
	expect_lines 1 "$(peer_addrs "$out" | tr ' ' '\n')" "EIPs seen from h1, affinity on"
	expect_eq "$(gen_flows 10.0.1.100 20 192.0.2.1:9 0 40)" 40 "frames sent to 192.0.2.1"
	expect_eq "$(gen_flows 10.0.1.100 20 192.0.2.2:9 0 40)" 40 "frames sent to 192.0.2.2"
	wait_until 10 gw_sessions_are 80 proto udp
	expect_json "$(nat -j session show gw1 proto udp)" \
		"len(d) == 80" \
		"all(len({s['eip'] for s in d if (s['inside'], s['remote']) == k}) == 1
		     for k in {(s['inside'], s['remote']) for s in d})" \
		"all({s['eip'] for s in d if s['remote'] == r} == {'$E1', '$E2'}
		     for r in ('192.0.2.1', '192.0.2.2'))" \
		"any(len({s['eip'] for s in d if s['inside'] == h}) == 2
		     for h in {s['inside'] for s in d})"
}

# Affinity off spreads the private endpoints evenly: of 3000 flows (100
# hosts, 30 ports each) each of 3 EIPs gets 1000 +- 129, five standard
# deviations of the binomial count (sqrt(3000 * 1/3 * 2/3) = 25.8): a
# correct natgw fails this with a probability under 10^-5, a 2:1 skew
# fails it.  The flows go to 192.0.2.1, which does not answer.
test_hash_spread()
{
	local e n

	gw_setup
	nat eip add gw1 "$E1"
	nat eip add gw1 "$E2"
	nat eip add gw1 "$E3"
	nat snat add gw1 source vpc eip "$E1,$E2,$E3" >/dev/null
	expect_eq "$(gen_flows 10.0.1.100 100 192.0.2.1:9 0 3000)" 3000 "frames sent"
	wait_until 30 stat_reaches sessions_created 3000
	expect_eq "$(gw_stat sessions_created)" 3000 "sessions created"
	for e in "$E1" "$E2" "$E3"; do
		n=$(eip_stat "$e" sessions_created)
		ksft_diag "flows on $e: $n of 3000"
		((n >= 871 && n <= 1129)) ||
			{ echo "$e has $n of 3000 flows, outside 1000 +- 129"; return 1; }
	done
}

# h1 and h2 both connect from port 40000 to one server: both get through,
# with the same EIP and different public ports.
test_same_source_port()
{
	local a b

	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1"
	a=$(query "$ns1" tcp "$INET" 7000 1 40000)
	b=$(query "$ns2" tcp "$INET" 7000 1 40000)
	expect_peer "$a" "$E1"
	expect_peer "$b" "$E1"
	[[ $(peer_port "$a") != "$(peer_port "$b")" ]] ||
		{ echo "h1 and h2 share public port $(peer_port "$a")"; return 1; }
}

# One UDP socket talking to two server ports keeps its public address and
# port (endpoint-independent mapping, RFC 4787 REQ-1); with three EIPs
# (affinity off) each of 8 sockets keeps its EIP and port too.
test_endpoint_independent()
{
	local out i first

	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1"
	out=$(query "$ns1" udp "$INET" 7001,7002)
	expect_lines 2 "$out" "answers"
	expect_peer "$(head -n 1 <<<"$out")" "$E1"
	expect_eq "$(tail -n 1 <<<"$out")" "$(head -n 1 <<<"$out" | sed 's/ 7001$/ 7002/')" \
		"answer of port 7002"

	nat eip add gw1 "$E2"
	nat eip add gw1 "$E3"
	nat snat set gw1 id 1 eip "$E1,$E2,$E3"
	out=$(query "$ns1" udp "$INET" 7001,7002 8)
	expect_lines 16 "$out" "answers of 8 sockets"
	expect_nomatch "$out" '^error' "answers of 8 sockets"
	for ((i = 1; i <= 16; i += 2)); do
		first=$(sed -n "${i}p" <<<"$out")
		expect_match "$first" "^(${E1//./\\.}|${E2//./\\.}|${E3//./\\.})-[0-9]+ 7001\$" \
			"answer $i"
		expect_eq "$(sed -n "$((i + 1))p" <<<"$out")" "${first% 7001} 7002" \
			"answer to port 7002 of socket $(((i + 1) / 2))"
	done
	ksft_diag "EIPs of 8 sockets: $(peer_addrs "$out")"
}

# With 16 SNAT ports, 16 flows to one destination get through and the 17th
# is dropped and counted, while a flow to another destination still gets a
# port.  UDP sessions outlive the client's sockets (300 s).
test_exhaustion()
{
	local out

	gw_reset
	nat gateway add gw1 dev ext0 vpc 10.0.0.0/16 snat-ports 20000-20015
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1"

	out=$(query "$ns1" udp "$INET" 7001 17 0 2)
	expect_lines 17 "$out" "answers"
	expect_eq "$(head -n 16 <<<"$out" | grep -cE "^${E1//./\\.}-200(0[0-9]|1[0-5]) 7001\$")" 16 \
		"answers of the first 16 flows from $E1 ports 20000-20015"
	expect_eq "$(head -n 16 <<<"$out" | sort -u | wc -l)" 16 "distinct public ports"
	expect_eq "$(tail -n 1 <<<"$out")" "error ETIMEDOUT" "17th flow"
	wait_until 3 stat_reaches drops_port_alloc 1
	expect_eq "$(gw_stat drops_port_alloc)" 1 "drops_port_alloc of gw1"
	expect_eq "$(eip_stat "$E1" drops_port_alloc)" 1 "drops_port_alloc of $E1"
	expect_eq "$(entry_stat snat 1 drops_port_alloc)" 1 "drops_port_alloc of SNAT entry 1"

	out=$(query "$ns1" udp "$INET" 7002)
	expect_match "$out" "^${E1//./\\.}-200(0[0-9]|1[0-5]) 7002\$" "flow to port 7002"
	expect_eq "$(gw_stat drops_port_alloc)" 1 "drops_port_alloc of gw1"
}

# Port exhaustion with two EIPs of 8 ports each (20000-20007).  E1 alone
# takes 8 flows to inet's server (from hosts 10.0.1.100-107, whose answers
# go nowhere); with E2 added (affinity off) h1's next 8 flows all leave
# from E2, whichever EIP their hash chose first, and its 9th is dropped,
# counted once on the gateway, the entry and the EIP it hashed to.  With
# affinity on, h1's flows to inet all use one EIP: its 8 ports serve 8
# flows and the 9th is dropped although the other EIP has ports free.
test_exhaustion_two_eips()
{
	local out pinned other d1 d2

	gw_reset
	nat gateway add gw1 dev ext0 vpc 10.0.0.0/16 snat-ports 20000-20007
	nat eip add gw1 "$E1"
	nat eip add gw1 "$E2"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	expect_eq "$(gen_flows 10.0.1.100 8 "$INET:7001" 0 8)" 8 "frames sent"
	wait_until 5 gw_sessions_are 8 eip "$E1"

	nat snat set gw1 id 1 eip "$E1,$E2"
	expect_eq "$(nat session count gw1)" 8 "sessions after snat set"
	out=$(query "$ns1" udp "$INET" 7001 9 0 2)
	expect_lines 9 "$out" "answers"
	expect_eq "$(head -n 8 <<<"$out" | grep -cE "^${E2//./\\.}-2000[0-7] 7001\$")" 8 \
		"flows of the 8 that left from $E2"
	expect_eq "$(tail -n 1 <<<"$out")" "error ETIMEDOUT" "h1's 9th flow"
	wait_until 3 stat_reaches drops_port_alloc 1
	expect_eq "$(gw_stat drops_port_alloc)" 1 "drops_port_alloc of gw1"
	expect_eq "$(entry_stat snat 1 drops_port_alloc)" 1 "drops_port_alloc of SNAT entry 1"
	expect_eq "$(($(eip_stat "$E1" drops_port_alloc) + $(eip_stat "$E2" drops_port_alloc)))" 1 \
		"drops_port_alloc of $E1 and $E2"
	expect_eq "$(nat session count gw1)" 16 "sessions"

	nat snat set gw1 id 1 affinity on
	expect_eq "$(nat session flush gw1)" "16 sessions flushed" "session flush"
	d1=$(eip_stat "$E1" drops_port_alloc)
	d2=$(eip_stat "$E2" drops_port_alloc)
	out=$(query "$ns1" udp "$INET" 7001 9 0 2)
	expect_lines 9 "$out" "answers"
	pinned=$(head -n 1 <<<"$out" | cut -d - -f 1)
	[[ $pinned == "$E1" ]] && other=$E2 || other=$E1
	expect_eq "$(head -n 8 <<<"$out" | grep -cE "^${pinned//./\\.}-2000[0-7] 7001\$")" 8 \
		"flows of the 8 that left from $pinned, affinity on"
	expect_eq "$(tail -n 1 <<<"$out")" "error ETIMEDOUT" "9th flow, affinity on"
	wait_until 3 stat_reaches drops_port_alloc 2
	expect_eq "$(gw_stat drops_port_alloc)" 2 "drops_port_alloc of gw1"
	expect_eq "$(entry_stat snat 1 drops_port_alloc)" 2 "drops_port_alloc of SNAT entry 1"
	if [[ $pinned == "$E1" ]]; then d1=$((d1 + 1)); else d2=$((d2 + 1)); fi
	expect_eq "$(eip_stat "$E1" drops_port_alloc)" "$d1" "drops_port_alloc of $E1"
	expect_eq "$(eip_stat "$E2" drops_port_alloc)" "$d2" "drops_port_alloc of $E2"
	expect_eq "$(nat session count gw1 eip "$other")" 0 "sessions on $other, affinity on"
	expect_eq "$(nat session count gw1 eip "$pinned")" 8 "sessions on $pinned, affinity on"
}

# h3's subnet, 10.0.2.0/24, is in the VPC but in no SNAT entry: its
# datagram is dropped and counted as no-snat, once, and inet sees nothing
# of it, while h1's entry serves.
test_no_snat()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source 10.0.1.0/24 eip "$E1" >/dev/null
	count_in "$ns5" "ip saddr 10.0.2.30"
	expect_eq "$(query "$ns3" udp "$INET" 7001 1 0 1)" "error ETIMEDOUT" "h3's flow"
	wait_until 3 stat_reaches drops_no_snat 1
	expect_peer "$(query "$ns1" udp "$INET" 7001)" "$E1"
	expect_eq "$(gw_stat drops_no_snat)" 1 "drops_no_snat"
	expect_eq "$(entry_stat snat 1 drops_no_snat)" 0 "drops_no_snat of SNAT entry 1"
	expect_eq "$(counted "$ns5")" 0 "packets from 10.0.2.30 at inet"
	expect_eq "$(nat session count gw1)" 1 "sessions"
}

# Packets from the Internet that no session asked for reach no VPC host:
# to a port of the EIP that no session holds, from the wrong remote port to
# a port that one holds, and straight to a private address.  inet's route to
# the VPC is only for this subtest.  Finally, with the gateway gone, the
# same packet does reach h1: what the counter would show if natgw let one in.
test_unsolicited()
{
	local drops out port

	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1"
	count_in "$ns1" "ip saddr $INET"
	out=$(query "$ns1" udp "$INET" 7001 1 9999)
	expect_peer "$out" "$E1"
	port=$(peer_port "$out")
	expect_eq "$(counted "$ns1")" 1 "packets from inet at h1 (the answer)"

	drops=$(gw_stat drops_unsolicited)
	n5 ip route add 10.0.0.0/16 via 198.51.100.1
	n5 bash -c "echo >/dev/udp/$E1/$((port == 9998 ? 9997 : 9998));
		    echo >/dev/udp/$E1/$port; echo >/dev/udp/10.0.1.10/9999"
	expect_eq "$(query "$ns5" tcp "$E1" "$port" 1 0 1)" "error ETIMEDOUT" "TCP to $E1:$port"
	# Three datagrams and at least one SYN.
	wait_until 3 stat_reaches drops_unsolicited $((drops + 4))
	expect_eq "$(counted "$ns1")" 1 "packets from inet at h1"

	nat gateway del gw1 force
	n5 bash -c "echo >/dev/udp/10.0.1.10/9999"
	wait_until 3 counted_is "$ns1" 2
	n5 ip route del 10.0.0.0/16
}

require_root
require_cmd nft ping
natgw_load
topology || { echo "# topology setup failed"; exit "$KSFT_FAIL"; }
serve "$ns5" tcp:7000 udp:7001 udp:7002 || exit "$KSFT_FAIL"

ksft_plan 12
ksft_run snat_ping test_ping
ksft_run snat_tcp test_tcp
ksft_run snat_udp test_udp
ksft_run snat_prefix_precedence test_precedence
ksft_run snat_two_eips_affinity test_two_eips
ksft_run snat_hash_spread test_hash_spread
ksft_run snat_same_source_port test_same_source_port
ksft_run snat_endpoint_independent_mapping test_endpoint_independent
ksft_run snat_port_exhaustion test_exhaustion
ksft_run snat_port_exhaustion_two_eips test_exhaustion_two_eips
ksft_run snat_no_entry test_no_snat
ksft_run snat_unsolicited test_unsolicited
ksft_finish
