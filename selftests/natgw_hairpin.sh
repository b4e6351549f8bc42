#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hairpinning through natgw (RFC 4787 REQ-9): VPC hosts reach a DNAT entry
# of their own gateway at its EIP, and the server sees that EIP, not a
# private address, as the peer, so that its answers go back through the
# gateway.
#
#  ns1 h1 10.0.1.10 ──┐                 ns3 router
#  (the server)       ├── br0 10.0.1.1/24
#  ns2 h2 10.0.1.20 ──┘                 natgw gw1 dev ext0         ns4 inet
#                                       ext0 198.51.100.1/24 ───── eth0 198.51.100.2/24
#                                                                  203.0.113.0/24 via .1
#
# gw1: dev ext0, vpc 10.0.0.0/16, SNAT with 203.0.113.1 for the VPC, port
# mappings on 203.0.113.2 to h1 (TCP 1666, UDP 1667), an IP mapping of
# 203.0.113.3 to h1.  h1's servers (TCP 1666, 45000, UDP 1667) answer each
# connection or datagram with the peer they see and their own port,
# "ADDR-PORT SERVERPORT".

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

nat() { natctl -n "$ns3" "$@"; }

readonly INET=198.51.100.2
readonly E1=203.0.113.1 E2=203.0.113.2 E3=203.0.113.3

topology()
{
	ns_add 1 2 3 4
	ip -b - <<-EOF
		link add eth0 netns $ns1 type veth peer name vh1 netns $ns3
		link add eth0 netns $ns2 type veth peer name vh2 netns $ns3
		link add ext0 netns $ns3 type veth peer name eth0 netns $ns4
	EOF
	topo_host "$ns1" 10.0.1.10/24 10.0.1.1
	topo_host "$ns2" 10.0.1.20/24 10.0.1.1
	topo_router "$ns3" "$INET" vh1 vh2
	topo_host "$ns4" "$INET/24" 198.51.100.1 203.0.113.0/24
}

# gw1 with its SNAT entry and the DNAT entries above.
gw_setup_all()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat eip add gw1 "$E2"
	nat eip add gw1 "$E3"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	nat dnat add gw1 eip "$E2" proto tcp port 1666 to 10.0.1.10 port 1666 >/dev/null
	nat dnat add gw1 eip "$E2" proto udp port 1667 to 10.0.1.10 port 1667 >/dev/null
	nat dnat add gw1 eip "$E3" to 10.0.1.10 >/dev/null
}

test_tcp()
{
	gw_setup_all
	expect_peer "$(query "$ns2" tcp "$E2" 1666)" "$E2"
}

test_udp()
{
	gw_setup_all
	expect_peer "$(query "$ns2" udp "$E2" 1667)" "$E2"
}

# The server's own host reaches its service through the EIP.
test_self()
{
	gw_setup_all
	expect_peer "$(query "$ns1" tcp "$E2" 1666)" "$E2"
}

test_ip_mapping_tcp()
{
	gw_setup_all
	expect_peer "$(query "$ns2" tcp "$E3" 45000)" "$E3"
}

# A ping of an IP-mapped EIP from inside the VPC is answered by the host it
# maps to.
test_ip_mapping_ping()
{
	gw_setup_all
	count_in "$ns1" "icmp type echo-request"
	n2 ping -c 1 -W 2 "$E3"
	expect_eq "$(counted "$ns1")" 1 "echo requests that reached h1"
}

require_root
require_cmd nft ping
natgw_load
ksft_setup topology
serve "$ns1" tcp:1666 udp:1667 tcp:45000 || exit "$KSFT_FAIL"

ksft_plan 5
ksft_run hairpin_tcp test_tcp
ksft_run hairpin_udp test_udp
ksft_run hairpin_to_self test_self
ksft_run hairpin_ip_mapping_tcp test_ip_mapping_tcp
ksft_run hairpin_ip_mapping_ping test_ip_mapping_ping
ksft_finish
