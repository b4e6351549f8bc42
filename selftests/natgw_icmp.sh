#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ICMP errors through natgw (RFC 5508): fragmentation needed, port
# unreachable and time exceeded reach the VPC host that caused them, through
# SNAT and through DNAT sessions, with their quoted headers translated back;
# an error about no session is dropped and counted.
#
#  ns1 h1              ns2 router               ns3 far router          ns4 inet
#  eth0 10.0.1.10/24 ── vh1 10.0.1.1/24
#                       natgw gw1 dev ext0
#                       ext0 198.51.100.1/24 ── eth0 198.51.100.2/24
#                                               eth1 192.0.2.1/24 ───── eth0 192.0.2.2/24
#                                               mtu 1280                     192.0.2.3/24
#                                                                       mtu 1280
#
# gw1: dev ext0, vpc 10.0.0.0/16, SNAT with 203.0.113.1 for the VPC, DNAT
# port mappings on 203.0.113.2.  203.0.113.0/24 is routed back to the
# router; neither far end has a route to the VPC.  ICMP error rate limits
# are off.  inet's UDP server on port 7001 answers "ADDR-PORT 7001".  h1
# keeps what it learns of the path MTU, so each PMTU subtest uses its own
# inet address.

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

nat() { natctl -n "$ns2" "$@"; }

readonly INET=192.0.2.2 INET2=192.0.2.3 FAR=198.51.100.2
readonly E1=203.0.113.1 E2=203.0.113.2

# A UDP server behind DNAT that answers the first datagram on PORT with one
# of 1300 bytes and DF set ("pmtu") or with TTL 2 ("ttl"), and writes the
# ICMP error that comes back, as its socket's error queue reports it, to
# RESULT: "icmp TYPE CODE from OFFENDER info INFO" (or "error ERRNO").
dnat_server_py='
import errno, socket, struct, sys, time
IP_MTU_DISCOVER, IP_PMTUDISC_DO, IP_RECVERR = 10, 2, 11
mode, port, ready, result = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", port))
s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
open(ready, "w").close()
s.connect(s.recvfrom(64)[1])
try:
	if mode == "pmtu":
		s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
		s.send(b"x" * 1300)
	else:
		s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 2)
		s.send(b"x")
except OSError as e:
	open(result, "w").write("error %s\n" % errno.errorcode[e.errno])
	sys.exit(0)
for i in range(50):
	try:
		anc = s.recvmsg(64, 256, socket.MSG_ERRQUEUE)[1]
		break
	except BlockingIOError:
		time.sleep(0.1)
else:
	sys.exit(0)
for level, kind, data in anc:
	if level == socket.IPPROTO_IP and kind == IP_RECVERR:
		err, origin, type, code, pad, info, _ = struct.unpack("=IBBBBII", data[:16])
		with open(result, "w") as f:
			f.write("icmp %d %d from %s info %d\n" %
				(type, code, socket.inet_ntoa(data[20:24]), info))
'

# Send from here, to EIP, a port unreachable error quoting a UDP datagram
# EIP:EPORT -> REMOTE:RPORT.
forge_py='
import socket, struct, sys
def csum(b):
	s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
	s = (s >> 16) + (s & 0xffff)
	return ~(s + (s >> 16)) & 0xffff
eip, eport, remote, rport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 30, 0, 0x4000, 64, 17, 0,
		 socket.inet_aton(eip), socket.inet_aton(remote))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
quoted = ip + struct.pack("!HHHH", eport, rport, 10, 0)
icmp = struct.pack("!BBHI", 3, 3, 0, 0) + quoted
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).sendto(icmp, (eip, 0))
'

# dnat_error MODE PORT: h1 serves MODE on PORT behind E2:PORT; inet sends it
# a datagram; print the error h1's server saw.
dnat_error()
{
	local ready=$ksft_tmp/ready.$2 result=$ksft_tmp/result.$2

	nat dnat add gw1 eip "$E2" proto udp port "$2" to 10.0.1.10 port "$2" >/dev/null
	spawn "$ns1" "$PYTHON" -I -S -c "$dnat_server_py" "$1" "$2" "$ready" "$result"
	wait_until 10 test -e "$ready"
	query "$ns4" udp "$E2" "$2" 1 0 1 >/dev/null
	wait_until 6 test -s "$result" && cat "$result"
}

# Each step is checked: the caller's || would void set -e.
topology()
{
	ns_add 1 2 3 4 || return
	ip -b - <<-EOF || return
		link add eth0 netns $ns1 type veth peer name vh1 netns $ns2
		link add ext0 netns $ns2 type veth peer name eth0 netns $ns3
		link add eth1 netns $ns3 type veth peer name eth0 netns $ns4
	EOF
	topo_host "$ns1" 10.0.1.10/24 10.0.1.1 || return
	topo_router "$ns2" "$FAR" vh1 || return
	ip -n "$ns3" -b - <<-EOF || return
		link set eth0 up
		addr add $FAR/24 dev eth0
		link set eth1 mtu 1280 up
		addr add 192.0.2.1/24 dev eth1
		route add 203.0.113.0/24 via 198.51.100.1
	EOF
	ip -n "$ns4" -b - <<-EOF || return
		link set eth0 mtu 1280 up
		addr add $INET/24 dev eth0
		addr add $INET2/24 dev eth0
		route add 203.0.113.0/24 via 192.0.2.1
	EOF
	ip netns exec "$ns3" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0 || return
	ip netns exec "$ns4" sysctl -qw net.ipv4.icmp_ratelimit=0 || return
	ip netns exec "$ns1" sysctl -qw net.ipv4.icmp_ratelimit=0
}

# gw1 with SNAT for the VPC on E1, and E2 for DNAT entries.
gw_setup_both()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat eip add gw1 "$E2"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
}

# Path-MTU discovery through SNAT: the far router's "fragmentation needed"
# reaches h1, whose ping reports the link's MTU and whose route learns it.
test_snat_frag_needed()
{
	gw_setup_both
	capture n1 ping -c 2 -i 0.5 -W 1 -M "do" -s 1300 "$INET2"
	expect_match "$out$err" "mtu ?= ?1280" "ping -M do -s 1300"
	expect_match "$(ip -n "$ns1" route get "$INET2")" " mtu 1280" "h1's route to inet"
}

test_snat_port_unreachable()
{
	gw_setup_both
	expect_eq "$(query "$ns1" udp "$INET" 9)" "error ECONNREFUSED" "UDP to a closed port"
}

# ping -t 2: the router takes one hop, the far router the last one and
# reports it from its own address.
test_snat_time_exceeded()
{
	gw_setup_both
	capture n1 ping -c 1 -W 2 -t 2 "$INET"
	expect_match "$out" "^From ${FAR//./\\.} .*Time to live exceeded" "ping -t 2"
}

# The same errors about a DNAT session reach the Internet host (port
# unreachable from h1) and h1's server (fragmentation needed, time exceeded
# from the far router).
test_dnat_port_unreachable()
{
	gw_setup_both
	nat dnat add gw1 eip "$E2" proto udp port 1667 to 10.0.1.10 port 1667 >/dev/null
	expect_eq "$(query "$ns4" udp "$E2" 1667)" "error ECONNREFUSED" "UDP to $E2:1667, closed at h1"
}

test_dnat_frag_needed()
{
	gw_setup_both
	expect_eq "$(dnat_error pmtu 1668)" "icmp 3 4 from $FAR info 1280" "error at h1's server"
}

test_dnat_time_exceeded()
{
	gw_setup_both
	expect_eq "$(dnat_error ttl 1669)" "icmp 11 0 from $FAR info 0" "error at h1's server"
}

# A port unreachable that quotes h1's public endpoint but another remote
# port than its session's matches no session: dropped, counted once on the
# gateway and on the EIP it was sent to, unseen by h1.
test_error_without_session()
{
	local out

	gw_setup_both
	count_in "$ns1" "icmp type destination-unreachable"
	out=$(query "$ns1" udp "$INET" 7001 1 40000)
	expect_peer "$out" "$E1"
	n4 "$PYTHON" -I -S -c "$forge_py" "$E1" "$(peer_port "$out")" "$INET" 7002
	wait_until 3 stat_reaches drops_icmp_no_session 1
	expect_eq "$(gw_stat drops_icmp_no_session)" 1 "drops_icmp_no_session of gw1"
	expect_eq "$(eip_stat "$E1" drops_icmp_no_session)" 1 "drops_icmp_no_session of $E1"
	expect_eq "$(eip_stat "$E2" drops_icmp_no_session)" 0 "drops_icmp_no_session of $E2"
	expect_eq "$(entry_stat snat 1 drops_icmp_no_session)" 0 \
		"drops_icmp_no_session of SNAT entry 1"
	expect_eq "$(counted "$ns1")" 0 "ICMP errors that reached h1"
}

require_root
require_cmd nft ping
natgw_load
topology || { echo "# topology setup failed"; exit "$KSFT_FAIL"; }
serve "$ns4" udp:7001 || exit "$KSFT_FAIL"

ksft_plan 7
ksft_run snat_frag_needed test_snat_frag_needed
ksft_run snat_port_unreachable test_snat_port_unreachable
ksft_run snat_time_exceeded test_snat_time_exceeded
ksft_run dnat_port_unreachable test_dnat_port_unreachable
ksft_run dnat_frag_needed test_dnat_frag_needed
ksft_run dnat_time_exceeded test_dnat_time_exceeded
ksft_run icmp_error_without_session test_error_without_session
ksft_finish
