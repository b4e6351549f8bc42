#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DNAT through natgw: the Internet host reaches services of a VPC host
# through EIPs (port mappings, port ranges, IP mappings), the gateway
# answers pings to its EIPs or not, conflicting entries are refused, and
# with eip-arp the gateway answers ARP for EIPs on its device's segment.
#
#  ns1 h1                  ns2 router                         ns3 inet
#  eth0 10.0.1.10/24 ───── vh1 10.0.1.1/24
#       10.0.1.11/24
#  default via .1          natgw gw1 dev ext0
#                          ext0 198.51.100.1/24 ──────────── eth0 198.51.100.2/24
#                                                             203.0.113.0/24 via .1
#
# gw1: dev ext0, vpc 10.0.0.0/16.  EIPs 203.0.113.1-3 are routed to the
# router; 198.51.100.100 lies in inet's connected subnet, with no route to
# it: only ARP can reach it.  inet has no route to the VPC.  The servers
# answer each connection or datagram with the peer they see and their own
# port, "ADDR-PORT SERVERPORT": h1 on TCP 1666, 20000, 20009, 45000 and UDP
# 1667, 20000, 20009, 45001; inet on TCP 7000 and UDP 7001.  h1's second
# address, 10.0.1.11, is a second private target.  Every subtest starts
# from a fresh gw1.  Clients on inet that choose their source port use one
# of their own in each subtest, so that no new SYN meets an old TIME_WAIT.

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

nat() { natctl -n "$ns2" "$@"; }

readonly INET=198.51.100.2
readonly E1=203.0.113.1 E2=203.0.113.2 E3=203.0.113.3 E4=198.51.100.100

# refused ERE ARG...: natctl ARG... is refused with a message matching ERE.
refused()
{
	local re=$1

	shift
	capture nat "$@"
	((rc != 0)) || { echo "natctl $* was accepted: $out"; return 1; }
	expect_match "$err" "$re" "refusal of natctl $*"
}

# The Internet host reaches EIP:1666 (TCP) and EIP:1667 (UDP); h1's servers
# see its real address and source port.
test_tcp_port()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat eip add gw1 "$E2"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	nat dnat add gw1 eip "$E2" proto tcp port 1666 to 10.0.1.10 port 1666 >/dev/null
	expect_eq "$(query "$ns3" tcp "$E2" 1666 1 41000)" "$INET-41000 1666" "answer"
	expect_match "$(nat session show gw1)" \
		"^tcp 10\.0\.1\.10:1666 -> 203\.0\.113\.2:1666 -> 198\.51\.100\.2:41000 .*kind dnat "
}

test_udp_port()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat eip add gw1 "$E2"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	nat dnat add gw1 eip "$E2" proto udp port 1667 to 10.0.1.10 port 1667 >/dev/null
	expect_eq "$(query "$ns3" udp "$E2" 1667 1 41001)" "$INET-41001 1667" "answer"
	expect_match "$(nat session show gw1)" \
		"^udp 10\.0\.1\.10:1667 -> 203\.0\.113\.2:1667 -> 198\.51\.100\.2:41001 .*kind dnat "
}

# 10000/10009 to 20000/20009 maps by offset: both ends of the range reach
# their own port, and the ports just outside it reach nothing.
test_port_range()
{
	gw_setup
	nat eip add gw1 "$E2"
	nat dnat add gw1 eip "$E2" proto tcp port 10000/10009 to 10.0.1.10 port 20000/20009 >/dev/null
	expect_eq "$(query "$ns3" tcp "$E2" 10000 1 41002)" "$INET-41002 20000" "answer to port 10000"
	expect_eq "$(query "$ns3" tcp "$E2" 10009 1 41002)" "$INET-41002 20009" "answer to port 10009"
	expect_eq "$(query "$ns3" tcp "$E2" 9999 1 0 1)" "error ETIMEDOUT" "port 9999"
	expect_eq "$(query "$ns3" tcp "$E2" 10010 1 0 1)" "error ETIMEDOUT" "port 10010"
}

# An IP mapping forwards ping and any port to h1, and h1's own connections
# leave with its EIP although SNAT entries (even a /32) cover it.
test_ip_mapping()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat eip add gw1 "$E3"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	nat snat add gw1 source 10.0.1.10/32 eip "$E1" >/dev/null
	nat dnat add gw1 eip "$E3" to 10.0.1.10 >/dev/null
	count_in "$ns1" "ip saddr $INET icmp type echo-request"
	n3 ping -c 2 -i 0.2 -W 2 "$E3"
	expect_eq "$(counted "$ns1")" 2 "echo requests that reached h1"
	expect_eq "$(query "$ns3" tcp "$E3" 45000 1 41003)" "$INET-41003 45000" "answer to TCP 45000"
	expect_eq "$(query "$ns3" udp "$E3" 45001 1 41006)" "$INET-41006 45001" "answer to UDP 45001"
	expect_peer "$(query "$ns1" tcp "$INET" 7000)" "$E3"
	expect_peer "$(query "$ns1" udp "$INET" 7001)" "$E3"
}

# The gateway answers pings to its EIPs that no IP mapping owns, whether
# SNAT or a port mapping uses them; icmp-reply off silences them.
test_icmp_reply()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat eip add gw1 "$E2"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	nat dnat add gw1 eip "$E2" proto tcp port 1666 to 10.0.1.10 port 1666 >/dev/null
	count_in "$ns1" "icmp type echo-request"
	n3 ping -c 1 -W 2 "$E1"
	n3 ping -c 1 -W 2 "$E2"
	expect_eq "$(gw_stat icmp_replies)" 2 "echo replies by the gateway"
	nat gateway set gw1 icmp-reply off
	expect_rc 1 n3 ping -c 1 -W 1 "$E1"
	expect_rc 1 n3 ping -c 1 -W 1 "$E2"
	expect_eq "$(gw_stat icmp_replies)" 2 "echo replies by the gateway"
	expect_eq "$(counted "$ns1")" 0 "echo requests that reached h1"
}

# Pings to an IP-mapped EIP go to the private host, icmp-reply on or off:
# with it off h1 answers; with it on, and h1 dropping them, nobody does.
test_icmp_reply_ip_mapping()
{
	gw_setup
	nat eip add gw1 "$E3"
	nat dnat add gw1 eip "$E3" to 10.0.1.10 >/dev/null
	nat gateway set gw1 icmp-reply off
	count_in "$ns1" "icmp type echo-request"
	n3 ping -c 1 -W 2 "$E3"
	expect_eq "$(counted "$ns1")" 1 "echo requests that reached h1"
	nat gateway set gw1 icmp-reply on
	count_in "$ns1" "icmp type echo-request" drop
	expect_rc 1 n3 ping -c 1 -W 1 "$E3"
	expect_eq "$(counted "$ns1")" 1 "echo requests that reached h1"
	expect_eq "$(gw_stat icmp_replies)" 0 "echo replies by the gateway"
}

# Refused: overlapping public ranges of one EIP and protocol, ranges of
# different sizes, a private address outside the VPC, an IP-mapped EIP
# used again (and an IP mapping of an EIP in use), a public port in the SNAT
# range of an EIP that SNAT uses unless port-override is given.  Refusals
# leave the configuration as it was.
test_conflicts()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat eip add gw1 "$E2"
	nat eip add gw1 "$E3"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	nat dnat add gw1 eip "$E2" proto tcp port 3000/3010 to 10.0.1.10 port 3000/3010 >/dev/null
	refused overlap dnat add gw1 eip "$E2" proto tcp port 3005/3015 to 10.0.1.10 port 3005/3015
	refused overlap dnat add gw1 eip "$E2" proto tcp port 3010 to 10.0.1.20 port 80
	refused overlap dnat add gw1 eip "$E2" proto tcp port 2990/3000 to 10.0.1.10 port 2990/3000
	nat dnat add gw1 eip "$E2" proto udp port 3005/3015 to 10.0.1.10 port 3005/3015 >/dev/null
	nat dnat add gw1 eip "$E2" proto tcp port 3011/3015 to 10.0.1.10 port 3011/3015 >/dev/null
	refused size dnat add gw1 eip "$E2" proto tcp port 4000/4001 to 10.0.1.10 port 4000/4009
	refused VPC dnat add gw1 eip "$E2" proto tcp port 5000 to 10.1.0.5 port 5000

	nat dnat add gw1 eip "$E3" to 10.0.1.10 >/dev/null
	refused "IP mapping" snat add gw1 source 10.0.1.0/24 eip "$E3"
	refused "IP mapping" snat set gw1 id 1 eip "$E1,$E3"
	refused "IP mapping" dnat add gw1 eip "$E3" proto tcp port 80 to 10.0.1.10 port 80
	refused "IP mapping" dnat add gw1 eip "$E3" to 10.0.1.20
	refused "IP mapping" dnat add gw1 eip "$E1" to 10.0.1.20
	refused "IP mapping" dnat add gw1 eip "$E2" to 10.0.1.20

	refused port-override dnat add gw1 eip "$E1" proto tcp port 1666 to 10.0.1.10 port 1666
	nat dnat add gw1 eip "$E1" proto tcp port 1666 to 10.0.1.10 port 1666 port-override >/dev/null
	expect_json "$(nat -j dnat show gw1)" "sorted((e['eip'], e.get('proto'), e.get('port'))
		for e in d) == [('$E1', 'tcp', '1666'), ('$E2', 'tcp', '3000/3010'),
		('$E2', 'tcp', '3011/3015'), ('$E2', 'udp', '3005/3015'), ('$E3', None, None)]"
	expect_json "$(nat -j snat show gw1)" "[e['eips'] for e in d] == [['$E1']]"
}

# With snat-ports 20000-20003, a UDP port mapping taking 20000/20001 with
# port-override ends the SNAT sessions on those ports, and SNAT then has two
# ports left toward one destination; the mapping itself serves.
test_port_override()
{
	local out

	gw_reset
	nat gateway add gw1 dev ext0 vpc 10.0.0.0/16 snat-ports 20000-20003
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	out=$(query "$ns1" udp "$INET" 7001 4)
	expect_eq "$(grep -cE "^${E1//./\\.}-2000[0-3] 7001\$" <<<"$out")" 4 "SNAT flows before the mapping"

	nat dnat add gw1 eip "$E1" proto udp port 20000/20001 to 10.0.1.10 port 20000/20001 port-override >/dev/null
	expect_json "$(nat -j session show gw1)" "sorted(s['eip_port'] for s in d) == [20002, 20003]"

	nat session flush gw1
	out=$(query "$ns1" udp "$INET" 7001 3 0 2)
	expect_eq "$(head -n 2 <<<"$out" | grep -cE "^${E1//./\\.}-2000[23] 7001\$")" 2 "SNAT flows after the mapping"
	expect_eq "$(tail -n 1 <<<"$out")" "error ETIMEDOUT" "third SNAT flow"
	wait_until 3 stat_reaches drops_port_alloc 1
	expect_eq "$(gw_stat drops_port_alloc)" 1 "drops_port_alloc of gw1"
	expect_eq "$(eip_stat "$E1" drops_port_alloc)" 1 "drops_port_alloc of $E1"
	expect_eq "$(entry_stat snat 1 drops_port_alloc)" 1 "drops_port_alloc of SNAT entry 1"
	expect_eq "$(entry_stat dnat 1 drops_port_alloc)" 0 "drops_port_alloc of DNAT entry 1"
	expect_eq "$(query "$ns3" udp "$E1" 20000 1 41004)" "$INET-41004 20000" "answer through the mapping"
}

# UDP port ranges map by offset too: 10000/10009 to 20000/20009.
test_udp_port_range()
{
	local unreplied

	# The Internet client sends once: its sessions stay unanswered, which
	# live inbound-unreplied seconds (5); long enough to be counted here.
	unreplied=$(nat timeout show | sed -n 's/^inbound-unreplied //p')
	[[ -n $unreplied ]] || { echo "no inbound-unreplied timeout"; return 1; }
	trap 'nat timeout set inbound-unreplied "$unreplied" >/dev/null 2>&1 || true' EXIT
	nat timeout set inbound-unreplied 120
	gw_setup
	nat eip add gw1 "$E2"
	nat dnat add gw1 eip "$E2" proto udp port 10000/10009 to 10.0.1.10 port 20000/20009 >/dev/null
	expect_eq "$(query "$ns3" udp "$E2" 10000 1 41007)" "$INET-41007 20000" "answer to port 10000"
	expect_eq "$(query "$ns3" udp "$E2" 10009 1 41007)" "$INET-41007 20009" "answer to port 10009"
	expect_eq "$(query "$ns3" udp "$E2" 9999 1 0 1)" "error ETIMEDOUT" "port 9999"
	expect_eq "$(query "$ns3" udp "$E2" 10010 1 0 1)" "error ETIMEDOUT" "port 10010"
	expect_eq "$(nat session count gw1)" 2 "sessions"
}

# dnat set moves a mapping to another private address and port (given with
# the public port, as the first "port" of set is the public one): new
# connections reach the new target, and the old one no longer.
test_dnat_set()
{
	local id

	gw_setup
	nat eip add gw1 "$E2"
	id=$(nat dnat add gw1 eip "$E2" proto tcp port 1666 to 10.0.1.10 port 1666)
	id=${id#id }
	expect_eq "$(query "$ns3" tcp "$E2" 1666 1 41008)" "$INET-41008 1666" "answer before dnat set"
	nat dnat set gw1 id "$id" port 1666 to 10.0.1.11 port 20009
	expect_match "$(nat dnat show gw1)" " eip ${E2//./\\.} proto tcp port 1666 to 10\.0\.1\.11 port 20009( |$)" \
		"dnat show after dnat set"
	expect_eq "$(query "$ns3" tcp "$E2" 1666 1 41009)" "$INET-41009 20009" "answer after dnat set"
	expect_match "$(nat session show gw1 src 10.0.1.11)" \
		"^tcp 10\.0\.1\.11:20009 -> ${E2//./\\.}:1666 -> ${INET//./\\.}:41009 .*kind dnat " \
		"session of the new target"
}

# Refused with the kernel's reason: an EIP that another gateway has, an
# SNAT source outside the VPC, and entries naming an EIP that the gateway
# does not have.  Nothing changes.
test_refusals()
{
	trap 'nat gateway del gw2 force >/dev/null 2>&1 || true' EXIT
	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	nat gateway add gw2 dev ext0 vpc 172.16.0.0/12
	nat eip add gw2 "$E3"
	refused "EIP is already associated with another gateway" eip add gw2 "$E1"
	refused "EIP is already associated with another gateway" eip add gw1 "$E3"
	refused "source CIDR is not within the gateway's VPC" snat add gw1 source 10.1.0.0/24 eip "$E1"
	refused "source CIDR is not within the gateway's VPC" snat add gw1 source 0.0.0.0/0 eip "$E1"
	refused "EIP is not associated with this gateway" snat add gw1 source 10.0.1.0/24 eip "$E2"
	refused "EIP is not associated with this gateway" snat add gw1 source 10.0.1.0/24 eip "$E1,$E3"
	refused "EIP is not associated with this gateway" snat set gw1 id 1 eip "$E2"
	refused "EIP is not associated with this gateway" \
		dnat add gw1 eip "$E3" proto tcp port 80 to 10.0.1.10 port 80
	refused "EIP is not associated with this gateway" dnat add gw1 eip "$E2" to 10.0.1.10
	expect_json "$(nat -j eip show)" \
		"sorted((e['gateway'], e['eip']) for e in d) == [('gw1', '$E1'), ('gw2', '$E3')]"
	expect_json "$(nat -j snat show gw1)" "[(e['source'], e['eips']) for e in d] == [('vpc', ['$E1'])]"
	expect_rc 0 nat -j dnat show
	expect_eq "$out" "[]" "DNAT entries"
	nat gateway del gw2 force
}

# An EIP in the upstream host's own subnet is reached through ARP: before
# eip-arp nothing answers for it; after it the gateway does, with ext0's
# address, and the DNAT entry serves, while other addresses of the subnet
# stay unanswered.  Each eip-arp subtest starts by flushing inet's
# neighbour entry of the EIP, which an earlier subtest may have left.
test_eip_arp_dnat()
{
	local mac

	gw_setup
	nat eip add gw1 "$E4"
	nat dnat add gw1 eip "$E4" proto tcp port 1666 to 10.0.1.10 port 1666 >/dev/null
	ip -n "$ns3" neigh flush to "$E4"
	expect_match "$(query "$ns3" tcp "$E4" 1666 1 0 2)" "^error" "connection before eip-arp on"

	nat gateway set gw1 eip-arp on
	ip -n "$ns3" neigh flush to "$E4"
	expect_eq "$(query "$ns3" tcp "$E4" 1666 1 41005)" "$INET-41005 1666" "answer"
	mac=$(ip -n "$ns2" -br link show ext0 | awk '{ print $3 }')
	expect_match "$(ip -n "$ns3" neigh show "$E4")" "lladdr $mac " "inet's neighbour entry of $E4"
	n3 ping -c 1 -W 2 "$E4"
	expect_rc 1 n3 ping -c 1 -W 1 198.51.100.101
}

# SNAT with that EIP: answers only come back once the gateway answers ARP.
test_eip_arp_snat()
{
	gw_setup
	nat eip add gw1 "$E4"
	nat snat add gw1 source vpc eip "$E4" >/dev/null
	ip -n "$ns3" neigh flush to "$E4"
	expect_eq "$(query "$ns1" udp "$INET" 7001 1 0 2)" "error ETIMEDOUT" "flow before eip-arp on"
	nat gateway set gw1 eip-arp on
	ip -n "$ns3" neigh flush to "$E4"
	expect_peer "$(query "$ns1" udp "$INET" 7001)" "$E4"
}

require_root
require_cmd nft ping
natgw_load
{ topo_basic 1 2 3 && ip -n "$ns1" addr add 10.0.1.11/24 dev eth0; } ||
	{ echo "# topology setup failed"; exit "$KSFT_FAIL"; }
serve "$ns1" tcp:1666 udp:1667 tcp:20000 tcp:20009 tcp:45000 udp:20000 udp:20009 udp:45001 ||
	exit "$KSFT_FAIL"
serve "$ns3" tcp:7000 udp:7001 || exit "$KSFT_FAIL"

ksft_plan 13
ksft_run dnat_tcp_port test_tcp_port
ksft_run dnat_udp_port test_udp_port
ksft_run dnat_port_range test_port_range
ksft_run dnat_udp_port_range test_udp_port_range
ksft_run dnat_set test_dnat_set
ksft_run dnat_ip_mapping test_ip_mapping
ksft_run icmp_reply test_icmp_reply
ksft_run icmp_reply_ip_mapping test_icmp_reply_ip_mapping
ksft_run dnat_conflicts test_conflicts
ksft_run refusals test_refusals
ksft_run dnat_port_override test_port_override
ksft_run eip_arp_dnat test_eip_arp_dnat
ksft_run eip_arp_snat test_eip_arp_snat
ksft_finish
