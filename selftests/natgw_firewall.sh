#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# natgw beside a stateful nftables firewall on the router: with
# nf_conntrack loaded and a forward chain that accepts established and
# related traffic, new connections from the VPC and one published service,
# and drops the rest, SNAT and DNAT still work, and the filter sees the
# private addresses (never an EIP).
#
#  ns1 h1                  ns2 router                         ns3 inet
#  eth0 10.0.1.10/24 ───── vh1 10.0.1.1/24
#  default via .1          natgw gw1 dev ext0, nftables fw
#                          ext0 198.51.100.1/24 ──────────── eth0 198.51.100.2/24
#                                                             203.0.113.0/24 via .1
#
# gw1: dev ext0, vpc 10.0.0.0/16, SNAT with 203.0.113.1 for the VPC, port
# mappings of 203.0.113.2 TCP 1666 and 1667 to h1.  The firewall publishes
# 10.0.1.10 TCP 1666 only.  The servers (h1: TCP 1666, 1667; inet: TCP
# 7000, UDP 7001) answer each connection or datagram with the peer they see
# and their own port, "ADDR-PORT SERVERPORT".

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

nat() { natctl -n "$ns2" "$@"; }

readonly INET=198.51.100.2 E1=203.0.113.1 E2=203.0.113.2

topology()
{
	topo_basic 1 2 3 || return
	ip netns exec "$ns2" nft -f - <<-EOF
		table ip fw {
			counter from_h1 { }
			counter to_h1 { }
			counter eip { }
			chain forward {
				type filter hook forward priority filter; policy drop;
				ip saddr 10.0.1.10 oifname "ext0" counter name from_h1
				ip daddr 10.0.1.10 iifname "ext0" counter name to_h1
				ip saddr 203.0.113.0/24 counter name eip
				ip daddr 203.0.113.0/24 counter name eip
				ct state established,related accept
				ct state new iifname "vh1" accept
				ct state new ip daddr 10.0.1.10 tcp dport 1666 accept
			}
		}
	EOF
}

# fw_count NAME: the packets the router's firewall counted in counter NAME.
fw_count()
{
	ip netns exec "$ns2" nft list counter ip fw "$1" |
		sed -nE 's/.*packets ([0-9]+) .*/\1/p'
}

# gw1 with its SNAT entry and both port mappings.
gw_setup_fw()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat eip add gw1 "$E2"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	nat dnat add gw1 eip "$E2" proto tcp port 1666 to 10.0.1.10 port 1666 >/dev/null
	nat dnat add gw1 eip "$E2" proto tcp port 1667 to 10.0.1.10 port 1667 >/dev/null
}

# Outbound connections and their answers pass the filter (the answers as
# established), which counts them with h1's address.
test_snat()
{
	local before

	gw_setup_fw
	before=$(fw_count from_h1)
	expect_peer "$(query "$ns1" tcp "$INET" 7000)" "$E1"
	expect_peer "$(query "$ns1" udp "$INET" 7001)" "$E1"
	n1 ping -c 1 -W 2 "$INET"
	(($(fw_count from_h1) > before)) || { echo "the filter never saw 10.0.1.10 leave"; return 1; }
	expect_eq "$(fw_count eip)" 0 "packets with an EIP seen by the filter"
}

# The published service is reached with the client's real address; the
# port that natgw maps but the filter does not publish stays closed.
test_dnat()
{
	local before

	gw_setup_fw
	before=$(fw_count to_h1)
	expect_eq "$(query "$ns3" tcp "$E2" 1666 1 41000)" "$INET-41000 1666" "answer of the published service"
	(($(fw_count to_h1) > before)) || { echo "the filter never saw 10.0.1.10 as a destination"; return 1; }
	expect_eq "$(query "$ns3" tcp "$E2" 1667 1 0 1)" "error ETIMEDOUT" "unpublished port 1667"
	expect_eq "$(fw_count eip)" 0 "packets with an EIP seen by the filter"
}

# inet's port unreachable for h1's datagram passes as related.
test_related()
{
	gw_setup_fw
	expect_eq "$(query "$ns1" udp "$INET" 9)" "error ECONNREFUSED" "UDP to a closed port"
}

# fw_count_new NAME MATCH: count, in new counter NAME, the packets matching
# MATCH that the forward chain sees as new, ahead of its other rules.
fw_count_new()
{
	ip netns exec "$ns2" nft -f - <<-EOF
		add counter ip fw $1
		insert rule ip fw forward $2 ct state new counter name $1
	EOF
}

# h1 reaches its own service through E2 (hairpinning): conntrack sees one
# flow h1 -> h1:1666 both ways, so the answers pass as established, and
# the filter sees private addresses only.
test_hairpin_tcp()
{
	gw_setup_fw
	fw_count_new hp_tcp_answers "tcp sport 1666"
	expect_peer "$(query "$ns1" tcp "$E2" 1666 1 0 2)" "$E2"
	expect_eq "$(fw_count hp_tcp_answers)" 0 "server answers the filter saw as new"
	expect_eq "$(fw_count eip)" 0 "packets with an EIP seen by the filter"
}

test_hairpin_udp()
{
	gw_setup_fw
	nat dnat add gw1 eip "$E2" proto udp port 1668 to 10.0.1.10 port 1668 >/dev/null
	serve "$ns1" udp:1668
	fw_count_new hp_udp_answers "udp sport 1668"
	expect_peer "$(query "$ns1" udp "$E2" 1668 1 0 2)" "$E2"
	expect_eq "$(fw_count hp_udp_answers)" 0 "server answers the filter saw as new"
	expect_eq "$(fw_count eip)" 0 "packets with an EIP seen by the filter"
}

# The gateway answers pings of its EIPs, from the VPC and from outside, as
# the router's own packets: they do not cross the forward chain.
test_ping_eip()
{
	gw_setup_fw
	n1 ping -c 1 -W 2 "$E1"
	n3 ping -c 1 -W 2 "$E2"
	expect_eq "$(gw_stat icmp_replies)" 2 "echo replies by the gateway"
	expect_eq "$(fw_count eip)" 0 "packets with an EIP seen by the filter"
}

require_root
require_cmd nft ping
modprobe -q nf_conntrack || ksft_exit_skip "no nf_conntrack"
natgw_load
ksft_setup topology
serve "$ns1" tcp:1666 tcp:1667 || exit "$KSFT_FAIL"
serve "$ns3" tcp:7000 udp:7001 || exit "$KSFT_FAIL"

ksft_plan 6
ksft_run firewall_snat test_snat
ksft_run firewall_dnat test_dnat
ksft_run firewall_related_icmp test_related
ksft_run firewall_hairpin_tcp test_hairpin_tcp
ksft_run firewall_hairpin_udp test_hairpin_udp
ksft_run firewall_ping_eip test_ping_eip
ksft_finish
