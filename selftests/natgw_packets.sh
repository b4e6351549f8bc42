#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packets at the edges of what natgw translates: UDP without a checksum
# (VXLAN with noudpcsum, whose tunnel packets leave the host as
# CHECKSUM_PARTIAL for the inner checksum) keeps it at zero both ways, and a
# UDP checksum is still right after translation; an ICMP error that quotes
# a first fragment reaches its host translated; the ARP responder answers
# Ethernet requests only, and not duplicate-address probes.
#
#  ns1 h1                  ns2 router                         ns3 inet
#  eth0 10.0.1.10/24 ───── vh1 10.0.1.1/24
#  default via .1          natgw gw1 dev ext0
#                          ext0 198.51.100.1/24 ──────────── eth0 198.51.100.2/24
#  vx0 192.168.99.1/24                                        203.0.113.0/24 via .1
#  (VXLAN 42 to inet)                                         vx0 192.168.98.1/24
#                                                             (VXLAN 43 to E2)
#
# gw1: dev ext0, vpc 10.0.0.0/16, SNAT with 203.0.113.1 for the VPC, and
# E2 (203.0.113.2) UDP 4789 mapped to h1.  Both VXLAN devices send no outer
# checksum, h1's from port 4790, inet's from 4792.  inet's UDP server on port 7001 answers "ADDR-PORT 7001".
# 198.51.100.100 lies in inet's subnet: only ARP reaches it.

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

nat() { natctl -n "$ns2" "$@"; }

readonly INET=198.51.100.2 E1=203.0.113.1 E2=203.0.113.2 E4=198.51.100.100

# Print the UDP datagrams to port PORT that reach this namespace's eth0,
# one line each: "SRC:SPORT DST:DPORT CHECK" where CHECK is "none" (zero),
# "good" or "bad" (checked with the pseudo header), until killed (reap
# counts on that).  Creates READY once it listens.
sniff_py='
import socket, struct, sys
ready, port = sys.argv[1], int(sys.argv[2])
def fold(s):
	while s >> 16:
		s = (s & 0xffff) + (s >> 16)
	return s
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
s.bind(("eth0", 0x0800))
open(ready, "w").close()
while True:
	pkt, addr = s.recvfrom(65535)
	if addr[2] == socket.PACKET_OUTGOING or pkt[9] != 17:
		continue
	ihl = (pkt[0] & 15) * 4
	udp = pkt[ihl:]
	sport, dport, ulen, check = struct.unpack("!HHHH", udp[:8])
	if dport != port:
		continue
	if not check:
		verdict = "none"
	else:
		b = pkt[12:20] + struct.pack("!HH", 17, ulen) + udp[:ulen]
		b += b"\0" * (len(b) & 1)
		total = fold(sum(struct.unpack("!%dH" % (len(b) // 2), b)))
		verdict = "good" if total == 0xffff else "bad"
	print("%s:%d %s:%d %s" % (socket.inet_ntoa(pkt[12:16]), sport,
		socket.inet_ntoa(pkt[16:20]), dport, verdict), flush=True)
'

# Send from here a UDP datagram SRC:SPORT -> DST:DPORT through a raw socket
# (the checksum is not the stack'"'"'s to fill): with no checksum ("zero")
# or a right one ("good").
udp_py='
import socket, struct, sys
src, sport, dst, dport, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
data = b"natgw checksum test\n"
udp = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
if mode == "good":
	b = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!HH", 17, len(udp)) + udp
	b += b"\0" * (len(b) & 1)
	s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
	while s >> 16:
		s = (s & 0xffff) + (s >> 16)
	udp = udp[:6] + struct.pack("!H", (~s & 0xffff) or 0xffff) + udp[8:]
socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP).sendto(udp, (dst, 0))
'

# Send one UDP datagram from a socket to ADDR:PORT (over VXLAN here).
dgram_py='
import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"over vxlan\n", (sys.argv[1], int(sys.argv[2])))
'

# Send from here, to EIP, a port unreachable error quoting a fragment of a
# UDP datagram EIP:EPORT -> REMOTE:RPORT with fragment field FRAG (0x2000:
# MF set, offset 0, the first fragment; 0x0010: offset 128 bytes).
forge_py='
import socket, struct, sys
def csum(b):
	s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
	s = (s >> 16) + (s & 0xffff)
	return ~(s + (s >> 16)) & 0xffff
eip, eport, remote, rport, frag = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5], 0)
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1500, 7, frag, 64, 17, 0,
		 socket.inet_aton(eip), socket.inet_aton(remote))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
quoted = ip + struct.pack("!HHHH", eport, rport, 3000, 0)
icmp = struct.pack("!BBHI", 3, 3, 0, 0) + quoted
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).sendto(icmp, (eip, 0))
'

# On eth0, send ARP requests for TIP: a duplicate-address probe (sender
# 0.0.0.0, from 02:00:00:00:00:01), one with hardware type 32 (InfiniBand,
# from 02:00:00:00:00:02), then a normal one (from 02:00:00:00:00:03).
# Print the target hardware address of each reply for TIP, until the normal
# one is answered or 3 s pass.  A reply to an earlier request would come
# first: each is answered, or not, as it arrives.
arp_py='
import socket, struct, sys, time
sip, tip = socket.inet_aton(sys.argv[1]), socket.inet_aton(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind(("eth0", 0x0806))
def mac(i):
	return bytes([2, 0, 0, 0, 0, i])
def request(hrd, src, spa):
	arp = struct.pack("!HHBBH6s4s6s4s", hrd, 0x0800, 6, 4, 1, src, spa, bytes(6), tip)
	return b"\xff" * 6 + src + b"\x08\x06" + arp
for hrd, i, spa in ((1, 1, bytes(4)), (32, 2, sip), (1, 3, sip)):
	s.send(request(hrd, mac(i), spa))
s.settimeout(0.2)
end = time.time() + 3
while time.time() < end:
	try:
		f = s.recv(128)
	except socket.timeout:
		continue
	if f[12:14] != b"\x08\x06":
		continue
	op, sha, spa, tha = struct.unpack("!6xH6s4s6s", f[14:38])
	if op != 2 or spa != tip:
		continue
	print(":".join("%02x" % b for b in tha), flush=True)
	if tha == mac(3):
		break
'

topology()
{
	local ns

	topo_basic 1 2 3
	# no IPv6 on the VXLAN devices: its router and neighbour discovery
	# would be tunnel traffic too
	for ns in "$ns1" "$ns3"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	done
	ip -n "$ns1" -b - <<-EOF
		link add vx0 type vxlan id 42 remote $INET dstport 4789 srcport 4790 4791 noudpcsum
		addr add 192.168.99.1/24 dev vx0
		link set vx0 up
		neigh add 192.168.99.2 lladdr 02:00:00:00:99:02 dev vx0
	EOF
	ip -n "$ns3" -b - <<-EOF
		link add vx0 type vxlan id 43 remote $E2 dstport 4789 srcport 4792 4793 noudpcsum
		addr add 192.168.98.1/24 dev vx0
		link set vx0 up
		neigh add 192.168.98.2 lladdr 02:00:00:00:98:02 dev vx0
	EOF
}

# gw1 with SNAT on E1 and E2 UDP 4789 mapped to h1.
gw_setup_udp()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat eip add gw1 "$E2"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
	nat dnat add gw1 eip "$E2" proto udp port 4789 to 10.0.1.10 port 4789 >/dev/null
}

# sniff NS PORT: start sniffing in NS; the lines go to $ksft_tmp/sniff.
sniff()
{
	local ready=$ksft_tmp/sniff.ready

	rm -f "$ready" "$ksft_tmp/sniff"
	spawn -o "$ksft_tmp/sniff" "$1" "$PYTHON" -I -S -c "$sniff_py" "$ready" "$2"
	wait_until 10 test -e "$ready"
}

sniff_lines_reach()
{
	(($(wc -l <"$ksft_tmp/sniff") >= $1))
}

# expect_sniffed LINE...: the sniffer saw these lines, in any order, and no
# other.
expect_sniffed()
{
	local want got

	if ! wait_until 5 sniff_lines_reach $#; then
		echo "seen: $(<"$ksft_tmp/sniff")"
		return 1
	fi
	want=$(printf '%s\n' "$@" | sort)
	got=$(sort "$ksft_tmp/sniff")
	expect_eq "$got" "$want" "UDP datagrams seen"
}

# counted_reaches NS N: count_in has counted at least N packets in NS.
counted_reaches()
{
	(($(counted "$1") >= $2))
}

# Out through SNAT: VXLAN's zero checksum stays zero; a datagram with no
# checksum and one with a checksum, both sent with it final, leave with
# their source translated, the first still without, the second still right.
test_snat()
{
	gw_setup_udp
	sniff "$ns3" 4789
	n1 "$PYTHON" -I -S -c "$dgram_py" 192.168.99.2 9
	n1 "$PYTHON" -I -S -c "$udp_py" 10.0.1.10 40000 "$INET" 4789 zero
	n1 "$PYTHON" -I -S -c "$udp_py" 10.0.1.10 40001 "$INET" 4789 good
	expect_sniffed "$E1:4790 $INET:4789 none" "$E1:40000 $INET:4789 none" \
		"$E1:40001 $INET:4789 good"
}

# In through DNAT: the same from inet to E2:4789, at h1.
test_dnat()
{
	gw_setup_udp
	sniff "$ns1" 4789
	n3 "$PYTHON" -I -S -c "$dgram_py" 192.168.98.2 9
	n3 "$PYTHON" -I -S -c "$udp_py" "$INET" 40002 "$E2" 4789 zero
	n3 "$PYTHON" -I -S -c "$udp_py" "$INET" 40003 "$E2" 4789 good
	expect_sniffed "$INET:4792 10.0.1.10:4789 none" \
		"$INET:40002 10.0.1.10:4789 none" "$INET:40003 10.0.1.10:4789 good"
}

# A port unreachable quoting the first fragment of h1's datagram reaches
# h1 with the quote translated back (10.0.1.10 as its source); one quoting
# a later fragment, which has no ports to match, is dropped and counted.
test_icmp_first_fragment()
{
	local out port

	gw_setup_udp
	count_in "$ns1" "icmp type destination-unreachable @th,160,32 0x0a00010a"
	out=$(query "$ns1" udp "$INET" 7001 1 40004)
	expect_peer "$out" "$E1"
	port=$(peer_port "$out")
	n3 "$PYTHON" -I -S -c "$forge_py" "$E1" "$port" "$INET" 7001 0x2000
	wait_until 3 counted_reaches "$ns1" 1
	n3 "$PYTHON" -I -S -c "$forge_py" "$E1" "$port" "$INET" 7001 0x0010
	wait_until 3 stat_reaches drops_icmp_no_session 1
	expect_eq "$(counted "$ns1")" 1 "errors that reached h1"
}

# With eip-arp on, a duplicate-address probe for an EIP and a request with
# another hardware type than Ethernet get no answer; a normal one does.
test_arp()
{
	gw_setup
	nat eip add gw1 "$E4"
	nat gateway set gw1 eip-arp on
	expect_eq "$(n3 "$PYTHON" -I -S -c "$arp_py" "$INET" "$E4")" \
		"02:00:00:00:00:03" "requests answered"
}

require_root
require_cmd nft
modprobe -q vxlan || ksft_exit_skip "no vxlan"
natgw_load
(set -e; topology) || { echo "# topology setup failed"; exit "$KSFT_FAIL"; }
serve "$ns3" udp:7001 || exit "$KSFT_FAIL"

ksft_plan 4
ksft_run udp_zero_checksum_snat test_snat
ksft_run udp_zero_checksum_dnat test_dnat
ksft_run icmp_error_first_fragment test_icmp_first_fragment
ksft_run eip_arp_probe_and_hw_type test_arp
ksft_finish
