#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# natgw's TCP tracking, one transition at a time, with segments made by
# scapy: an RST out of the window leaves the session as it was; an RST in
# the window (or one refusing a SYN) closes it, and a closed session ends
# after the short tcp-close timeout; a new SYN from the client after a FIN
# reuses the session with the same EIP and port (RFC 7857 section 2).
#
#  ns1 h1                  ns2 router                         ns3 inet
#  eth0 10.0.1.10/24 ───── vh1 10.0.1.1/24
#  default via .1          natgw gw1 dev ext0
#                          ext0 198.51.100.1/24 ──────────── eth0 198.51.100.2/24
#                                                             203.0.113.0/24 via .1
#
# gw1: dev ext0, vpc 10.0.0.0/16, EIP 203.0.113.1 for the whole VPC.  No
# socket takes part: h1 and inet drop TCP port 5000 at their input hook, so
# that their kernels answer nothing, and one Python process per step list
# sends each segment from its side and waits until the other side's eth0
# has seen it, translated (which also keeps the segments in order).

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

nat() { natctl -n "$ns2" "$@"; }

readonly INET=198.51.100.2 E1=203.0.113.1 PORT=5000

# The segment maker: one Python process for the whole script (scapy takes
# long to start under TCG), a coprocess that reads lines "SPORT STEP;STEP..."
# and answers each with "ok" or "error REASON".  Each STEP is "SIDE FLAGS
# SEQ ACK [LEN]": SIDE c (h1 10.0.1.10:SPORT -> inet:PORT) or s (inet:PORT
# -> the EIP and port inet saw SPORT's segments come from); FLAGS in
# scapy's letters; LEN bytes of payload.  It sends each segment from its
# side and waits until the other side's eth0 has seen it, translated: one
# that does not arrive within 5 s, or arrives untranslated, is an error.
tcp_py='
import ctypes, os, socket, sys, time
from scapy.layers.inet import IP, TCP

h1, inet, eip, port = sys.argv[1:5]
port = int(port)
libc = ctypes.CDLL(None, use_errno=True)

def in_ns(name):
	fd = os.open("/run/netns/" + name, os.O_RDONLY)
	if libc.setns(fd, 0x40000000):
		sys.exit("setns %s: %s" % (name, os.strerror(ctypes.get_errno())))
	os.close(fd)
	tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
	rx = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
	rx.bind(("eth0", 0x0800))
	rx.settimeout(0.2)
	return tx, rx

class Fail(Exception):
	pass

sock = {"c": in_ns(h1), "s": in_ns(inet)}
eports = {}

def step(sport, text):
	f = text.split()
	side, flags, seq, ack = f[0], f[1], int(f[2]), int(f[3])
	payload = b"x" * (int(f[4]) if len(f) > 4 else 0)
	eport = eports.get(sport)
	if side == "c":
		pkt = IP(src="10.0.1.10", dst="198.51.100.2") / \
		      TCP(sport=sport, dport=port, flags=flags, seq=seq, ack=ack,
			  window=65535) / payload
		rx, want_src, want_dst = sock["s"][1], eip, "198.51.100.2"
	else:
		if eport is None:
			raise Fail("step \"%s\": no segment of the client seen yet" % text)
		pkt = IP(src="198.51.100.2", dst=eip) / \
		      TCP(sport=port, dport=eport, flags=flags, seq=seq, ack=ack,
			  window=65535) / payload
		rx, want_src, want_dst = sock["c"][1], "198.51.100.2", "10.0.1.10"
	sock[side][0].sendto(bytes(pkt), (pkt[IP].dst, 0))
	deadline = time.time() + 5
	while True:
		if time.time() > deadline:
			raise Fail("step \"%s\": nothing arrived" % text)
		try:
			data, addr = rx.recvfrom(65535)
		except socket.timeout:
			continue
		if addr[2] == socket.PACKET_OUTGOING:
			continue
		got = IP(data)
		if TCP in got and got[TCP].seq == seq and \
		   str(got[TCP].flags) == str(pkt[TCP].flags) and \
		   port in (got[TCP].sport, got[TCP].dport):
			break
	if got.src != want_src or got.dst != want_dst:
		raise Fail("step \"%s\": arrived as %s -> %s, expected %s -> %s" %
			   (text, got.src, got.dst, want_src, want_dst))
	if side == "s" and got[TCP].dport != sport:
		raise Fail("step \"%s\": reached port %d, expected %d" %
			   (text, got[TCP].dport, sport))
	if side == "c" and eport is None:
		eports[sport] = got[TCP].sport
	elif side == "c" and got[TCP].sport != eport:
		raise Fail("step \"%s\": left from port %d, before from %d" %
			   (text, got[TCP].sport, eport))

print("ready", flush=True)
for line in sys.stdin:
	sport, _, steps = line.strip().partition(" ")
	try:
		for text in steps.split(";"):
			step(int(sport), text)
		print("ok", flush=True)
	except Fail as e:
		print("error", e, flush=True)
'

# tcp_steps SPORT STEP...: have the segment maker send these steps.
tcp_steps()
{
	local sport=$1 IFS=';' reply

	shift
	echo "$sport $*" >&9
	read -r -t 60 reply <&8 || { echo "no answer from the segment maker"; return 1; }
	[[ $reply == ok ]] && return 0
	echo "$reply"
	return 1
}

# The three-way handshake of a client with ISN 1000 and a server with 5000.
readonly HANDSHAKE=("c S 1000 0" "s SA 5000 1001" "c A 1001 5001")

# sess SPORT: the session of h1's source port SPORT, as natctl -j shows it
# (a list of one).
sess()
{
	nat -j session show gw1 proto tcp |
		"$PYTHON" -I -S -c '
import json, sys
print(json.dumps([s for s in json.load(sys.stdin) if s["inside_port"] == int(sys.argv[1])]))
' "$1"
}

no_session()
{
	[[ $(sess "$1") == "[]" ]]
}

setup()
{
	gw_setup
	nat eip add gw1 "$E1"
	nat snat add gw1 source vpc eip "$E1" >/dev/null
}

# Blind RSTs, from either side, far from where the sender's sequence is.
test_rst_out_of_window()
{
	setup
	tcp_steps 40000 "${HANDSHAKE[@]}"
	expect_json "$(sess 40000)" "len(d) == 1" "d[0]['tcp_state'] == 'ESTABLISHED'"
	tcp_steps 40000 "c R $((1001 + 0x40000)) 0" \
		"c RA $(((1001 - 0x30000) & 0xffffffff)) 5001" \
		"s R $((5001 + 0x80000000)) 0" "s RA 3000000 1001"
	expect_json "$(sess 40000)" "len(d) == 1" \
		"d[0]['tcp_state'] == 'ESTABLISHED'" "d[0]['timeout'] > 7000"
}

# An RST at the sender's next sequence number closes the session, which
# then ends after tcp-close (8 s here) where tcp-transitory is 240 s; so does
# the RST that refuses a SYN (from a side with no sequence seen yet).
test_rst_in_window()
{
	trap 'nat timeout set tcp-close 10' EXIT
	nat timeout set tcp-close 8
	setup
	tcp_steps 40001 "${HANDSHAKE[@]}" "c PA 1001 5001 100" "s RA 5001 1101"
	expect_json "$(sess 40001)" "len(d) == 1" \
		"d[0]['tcp_state'] == 'CLOSE'" "d[0]['timeout'] <= 8"
	tcp_steps 40002 "c S 7000 0" "s RA 0 7001"
	expect_json "$(sess 40002)" "len(d) == 1" \
		"d[0]['tcp_state'] == 'CLOSE'" "d[0]['timeout'] <= 8"
	wait_until 15 no_session 40001
	wait_until 15 no_session 40002
}

# After a FIN (FIN_WAIT) and after FINs both ways (TIME_WAIT), a new SYN of
# the client goes out from the same EIP and port through the same session,
# which opens again.
test_syn_reuse()
{
	local before

	setup
	tcp_steps 40003 "${HANDSHAKE[@]}" "c FA 1001 5001"
	expect_json "$(sess 40003)" "len(d) == 1" "d[0]['tcp_state'] == 'FIN_WAIT'"
	before=$(sess 40003)
	tcp_steps 40003 "c S 900000 0" "s SA 800000 900001" "c A 900001 800001"
	expect_json "$(sess 40003)" "len(d) == 1" "d[0]['tcp_state'] == 'ESTABLISHED'" \
		"d[0]['eip'] == '$E1'" \
		"d[0]['eip_port'] == json.loads('$before')[0]['eip_port']"

	tcp_steps 40004 "${HANDSHAKE[@]}" "c FA 1001 5001" "s FA 5001 1002" \
		"c A 1002 5002"
	expect_json "$(sess 40004)" "len(d) == 1" "d[0]['tcp_state'] == 'TIME_WAIT'"
	tcp_steps 40004 "c S 300000 0"
	expect_json "$(sess 40004)" "len(d) == 1" "d[0]['tcp_state'] == 'SYN_SENT'"
	expect_eq "$(nat session count gw1)" 2 "sessions"
}

test_cleanup()
{
	[[ -n ${TCP_PID:-} ]] && kill "$TCP_PID" 2>/dev/null
	return 0
}

require_root
require_cmd nft
natgw_load
(set -e; topo_basic 1 2 3) || { echo "# topology setup failed"; exit "$KSFT_FAIL"; }
count_in "$ns1" "tcp sport $PORT" drop || exit "$KSFT_FAIL"
count_in "$ns3" "tcp dport $PORT" drop || exit "$KSFT_FAIL"
coproc TCP { "$PYTHON" -c "$tcp_py" "$ns1" "$ns3" "$E1" "$PORT" 2>&1; }
# subtests are subshells, which do not see a coprocess's descriptors
exec 8<&"${TCP[0]}" 9>&"${TCP[1]}"
read -r -t 240 ready <&8 && [[ $ready == ready ]] ||
	{ echo "# the segment maker did not start: $ready"; exit "$KSFT_FAIL"; }

ksft_plan 3
ksft_run tcp_rst_out_of_window test_rst_out_of_window
ksft_run tcp_rst_in_window_close test_rst_in_window
ksft_run tcp_syn_reuse_after_fin test_syn_reuse
ksft_finish
