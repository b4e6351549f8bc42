#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Gateways and entries as configuration changes them.  A namespace is one
# routing domain: natgw refuses a gateway whose VPC overlaps another
# gateway's, on any device (overlapping VPCs go in separate namespaces), and
# two gateways with disjoint VPCs on two devices each translate their own
# VPC with their own EIP and keep their own sessions.  snat set and dnat set
# refuse what they cannot change (natctl, and the kernel to any client), and
# no session of a DNAT entry outlives its change or deletion.  The router's
# own packets from a VPC address go through the gateway too, and are counted
# (POST_ROUTING runs them in process context, preemptible: on the debug
# kernel, CONFIG_DEBUG_PREEMPT reports a per-CPU counter written there
# without protection).
#
#  ns1 h1                  ns2 router                         ns3 inet
#  eth0 10.0.1.10/24 ───── vh1 10.0.1.1/24   gw1 dev ext0
#                          ext0 198.51.100.1/24 ──────────── eth0 198.51.100.2/24
#  ns4 h2                                                     203.0.113.0/24 via .1
#  eth0 10.1.1.10/24 ───── vh2 10.1.1.1/24   gw2 dev ext1
#                          ext1 198.51.101.1/24 ──────────── eth1 198.51.101.2/24
#                          from 10.1.0.0/16: default via     203.0.114.0/24 via .1
#                          198.51.101.2
#
# gw1: vpc 10.0.0.0/16, EIP 203.0.113.1; gw2: vpc 10.1.0.0/16, EIP
# 203.0.114.1; each with one SNAT entry for its VPC.  inet's server (TCP
# 7000) answers with the peer it sees; h1's (UDP 7001) too.

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

nat() { natctl -n "$ns2" "$@"; }

readonly INET=198.51.100.2 E1=203.0.113.1 E2=203.0.114.1
readonly OVERLAP_MSG="another gateway in this namespace has an overlapping VPC"
readonly CHANGE_MSG="cannot be changed"

# SET requests that carry what SET cannot change, made by hand (natctl
# never sends them): one line per request, "NAME ERRNO EXTACK-MESSAGE".
set_py='
import os, socket, struct, sys
sys.path.insert(0, sys.argv[1])
import fuzz_netlink as f
cmds, attrs = f.parse_uapi()
nl = f.Netlink()
fam = f.resolve(nl)
def a(name, payload):
	return f.attr(attrs[name], payload)
key = a("GW_NAME", b"gw1\0") + a("ENTRY_ID", struct.pack("=I", 1))
eip = socket.inet_aton(sys.argv[2])
cases = [
	("snat-source", "SNAT_SET", a("SNAT_SRC_ADDR", socket.inet_aton("10.0.1.0")) +
	 a("SNAT_SRC_PLEN", struct.pack("=B", 24))),
	("snat-vpc", "SNAT_SET", a("SNAT_SRC_VPC", b"")),
	("dnat-eip", "DNAT_SET", a("EIP_ADDR", eip)),
	("dnat-proto", "DNAT_SET", a("DNAT_PROTO", struct.pack("=B", 6))),
]
for name, cmd, extra in cases:
	err, msg = None, ""
	for typ, _, _, payload in nl.request(fam["id"], cmds[cmd], key + extra):
		if typ != f.NLMSG_ERROR:
			continue
		err = -struct.unpack_from("=i", payload)[0]
		for t, v in f.parse_attrs(payload[20:]):
			if t == 1:
				msg = v.rstrip(b"\0").decode()
	print(name, err, msg)
'

topo()
{
	ns_add 1 2 3 4 || return
	ip -b - <<-EOF || return
		link add eth0 netns $ns1 type veth peer name vh1 netns $ns2
		link add eth0 netns $ns4 type veth peer name vh2 netns $ns2
		link add ext0 netns $ns2 type veth peer name eth0 netns $ns3
		link add ext1 netns $ns2 type veth peer name eth1 netns $ns3
	EOF
	topo_host "$ns1" 10.0.1.10/24 10.0.1.1 || return
	topo_host "$ns4" 10.1.1.10/24 10.1.1.1 || return
	ip -n "$ns2" -b - <<-EOF || return
		link set vh1 up
		addr add 10.0.1.1/24 dev vh1
		link set vh2 up
		addr add 10.1.1.1/24 dev vh2
		link set ext0 up
		addr add 198.51.100.1/24 dev ext0
		link set ext1 up
		addr add 198.51.101.1/24 dev ext1
		route add default via 198.51.100.2
		route add default via 198.51.101.2 table 100
		route add 10.1.1.0/24 dev vh2 table 100
		rule add from 10.1.0.0/16 lookup 100
	EOF
	ip netns exec "$ns2" sysctl -qw net.ipv4.ip_forward=1 || return
	ip -n "$ns3" -b - <<-EOF
		link set eth0 up
		addr add 198.51.100.2/24 dev eth0
		link set eth1 up
		addr add 198.51.101.2/24 dev eth1
		route add 203.0.113.0/24 via 198.51.100.1
		route add 203.0.114.0/24 via 198.51.101.1
	EOF
}

# refused CMD...: natctl refuses, with the overlap message.
refused()
{
	expect_rc 1 nat "$@"
	expect_contains "$err" "$OVERLAP_MSG" "natctl's message for '$*'"
}

# Overlapping VPCs are refused on another device as on the same one, in
# add and when a gateway moves; disjoint ones are accepted, and another
# namespace may hold the same VPC.
test_overlap_refused()
{
	gw_reset
	nat gateway del gw2 force >/dev/null 2>&1 || true
	expect_rc 0 nat gateway add gw1 dev ext0 vpc 10.0.0.0/16
	refused gateway add gw2 dev ext1 vpc 10.0.128.0/17
	refused gateway add gw2 dev ext1 vpc 10.0.0.0/8
	refused gateway add gw2 dev ext1 vpc 10.0.0.0/16
	refused gateway add gw2 dev ext0 vpc 10.0.7.0/24
	expect_rc 0 nat gateway add gw2 dev ext1 vpc 10.1.0.0/16
	expect_lines 2 "$(nat gateway show)" "gateways"
	# moving a gateway keeps its VPC, which stays disjoint
	expect_rc 0 nat gateway set gw2 dev ext0
	expect_rc 0 nat gateway set gw2 dev ext1
	# a namespace per routing domain: the same VPC elsewhere is fine
	ip -n "$ns3" link add d9 type dummy
	expect_rc 0 natctl -n "$ns3" gateway add gw1 dev d9 vpc 10.0.0.0/16
	expect_rc 0 natctl -n "$ns3" gateway del gw1
	ip -n "$ns3" link del d9
}

# Each gateway translates its own VPC with its own EIP, and each session
# belongs to the gateway that made it.
test_two_gateways()
{
	local a b

	gw_reset
	nat gateway del gw2 force >/dev/null 2>&1 || true
	nat gateway add gw1 dev ext0 vpc 10.0.0.0/16
	nat gateway add gw2 dev ext1 vpc 10.1.0.0/16
	nat eip add gw1 "$E1"
	nat eip add gw2 "$E2"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	nat snat add gw2 source vpc eip "$E2" >/dev/null
	a=$(query "$ns1" tcp "$INET" 7000)
	b=$(query "$ns4" tcp "$INET" 7000)
	expect_peer "$a" "$E1"
	expect_peer "$b" "$E2"
	expect_rc 0 nat -j session show gw1
	expect_json "$out" "len(d) == 1" "d[0]['inside'] == '10.0.1.10'" \
		"d[0]['eip'] == '$E1'" "d[0]['gateway'] == 'gw1'"
	expect_rc 0 nat -j session show gw2
	expect_json "$out" "len(d) == 1" "d[0]['inside'] == '10.1.1.10'" \
		"d[0]['eip'] == '$E2'" "d[0]['gateway'] == 'gw2'"
	nat gateway del gw2 force
}

# A field natctl set cannot change is refused with a message that says so,
# by natctl and by the kernel, and the entry stays as it was.
test_set_refusals()
{
	local snat dnat

	gw_reset
	nat gateway del gw2 force >/dev/null 2>&1 || true
	nat gateway add gw1 dev ext0 vpc 10.0.0.0/16
	nat eip add gw1 "$E1"
	nat eip add gw1 203.0.113.2
	nat snat add gw1 id 1 source vpc eip 203.0.113.2 >/dev/null
	nat dnat add gw1 id 1 eip "$E1" proto udp port 8080 to 10.0.1.10 port 7001 >/dev/null
	snat=$(nat snat show gw1)
	dnat=$(nat dnat show gw1)

	expect_fail nat snat set gw1 id 1 source 10.0.1.0/24
	expect_contains "$err" "the source of an SNAT entry $CHANGE_MSG" "natctl snat set source"
	expect_fail nat dnat set gw1 id 1 proto tcp
	expect_contains "$err" "the EIP and protocol of a DNAT entry $CHANGE_MSG" "natctl dnat set proto"
	expect_fail nat dnat set gw1 id 1 eip 203.0.113.2
	expect_contains "$err" "the EIP and protocol of a DNAT entry $CHANGE_MSG" "natctl dnat set eip"

	out=$(ip netns exec "$ns2" "$PYTHON" -c "$set_py" "$NATGW_REPO/selftests" 203.0.113.2)
	expect_match "$out" "^snat-source 95 the source of an SNAT entry $CHANGE_MSG" "kernel"
	expect_match "$out" "^snat-vpc 95 the source of an SNAT entry $CHANGE_MSG" "kernel"
	expect_match "$out" "^dnat-eip 95 the EIP of a DNAT entry $CHANGE_MSG" "kernel"
	expect_match "$out" "^dnat-proto 95 the protocol of a DNAT entry $CHANGE_MSG" "kernel"
	expect_eq "$(nat snat show gw1)" "$snat" "SNAT entry after the refusals"
	expect_eq "$(nat dnat show gw1)" "$dnat" "DNAT entry after the refusals"
}

# dnat set and dnat del end every session of the entry as it was: the
# sessions of the old mapping do not survive it, and the new one serves.
test_dnat_change_ends_sessions()
{
	local a

	gw_reset
	nat gateway del gw2 force >/dev/null 2>&1 || true
	nat gateway add gw1 dev ext0 vpc 10.0.0.0/16
	nat eip add gw1 "$E1"
	nat dnat add gw1 id 1 eip "$E1" proto udp port 8080 to 10.0.1.10 port 7001 >/dev/null
	a=$(query "$ns3" udp "$E1" 8080 3)
	expect_eq "$(wc -l <<<"$a")" 3 "answers"
	expect_peer "$(head -n 1 <<<"$a")" "$INET"
	expect_eq "$(nat session count gw1)" 3 "sessions before dnat set"
	expect_rc 0 nat dnat set gw1 id 1 port 8081
	expect_eq "$(nat session count gw1)" 0 "sessions after dnat set"
	a=$(query "$ns3" udp "$E1" 8081 2)
	expect_peer "$(head -n 1 <<<"$a")" "$INET"
	expect_rc 0 nat -j session show gw1
	expect_json "$out" "len(d) == 2" "all(s['eip_port'] == 8081 for s in d)"
	expect_rc 0 nat dnat del gw1 id 1
	expect_eq "$(nat session count gw1)" 0 "sessions after dnat del"
}

# The router pings inet from its own VPC address: the echo requests leave
# through gw1 as E1 (counted in process context), the replies come back.
test_router_own_packets()
{
	gw_reset
	nat gateway del gw2 force >/dev/null 2>&1 || true
	nat gateway add gw1 dev ext0 vpc 10.0.0.0/16
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	count_in "$ns3" "ip saddr $E1 icmp type echo-request"
	expect_rc 0 n2 ping -c 3 -i 0.2 -W 2 -I 10.0.1.1 "$INET"
	expect_eq "$(counted "$ns3")" 3 "echo requests inet saw from $E1"
	expect_eq "$(gw_stat packets_out)" 3 "gw1 packets_out"
	expect_eq "$(gw_stat packets_in)" 3 "gw1 packets_in"
	ip netns exec "$ns3" nft flush ruleset
}

require_root
natgw_load
(set -e; topo) || { echo "# topology setup failed"; exit "$KSFT_FAIL"; }
serve "$ns3" tcp:7000 || exit "$KSFT_FAIL"
serve "$ns1" udp:7001 || exit "$KSFT_FAIL"

ksft_plan 5
ksft_run overlapping_vpcs_refused test_overlap_refused
ksft_run two_gateways_two_devices test_two_gateways
ksft_run set_refuses_what_it_cannot_change test_set_refusals
ksft_run dnat_change_ends_sessions test_dnat_change_ends_sessions
ksft_run router_own_packets_counted test_router_own_packets
ksft_finish
