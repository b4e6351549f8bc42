#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send one UDP datagram for each of COUNT new flows, as fast as possible.

    gen_flows.py IFNAME DSTMAC SRC HOSTS DST:DPORT FIRST COUNT

Run in a VPC host's namespace: it writes Ethernet frames to IFNAME with a
PF_PACKET socket, addressed to DSTMAC (the router's side of the link), so
that each crosses the router's forward path and natgw's hooks as if a
different host or socket had sent it.  Flow i, for FIRST <= i < FIRST+COUNT,
comes from address SRC + i % HOSTS, port 1024 + i // HOSTS, to DST:DPORT:
every flow is a new 5-tuple, and the test that runs this can tell which
sessions it should find.

Frames are built from one template with struct, not scapy (seconds to
import and a millisecond per packet under TCG); the UDP checksum is zero,
as IPv4 allows, and the IP checksum is updated for the source address
alone.  Prints the number of frames sent.
"""

import socket
import struct
import sys

SPORT_BASE = 1024
PAYLOAD = b"natgw"
# Where the fields that vary start: the IP header follows the 14 bytes of
# Ethernet, its checksum is at 10, then come the source and destination
# addresses, then the UDP source port.
VARYING = 14 + 10


def mac(text):
    return bytes(int(b, 16) for b in text.split(":"))


def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def template(src_mac, dst_mac, dst, dport):
    """The frame with source address 0 and source port 0, and the one's
    complement sum of its IP header (checksum field 0)."""
    eth = dst_mac + src_mac + struct.pack("!H", 0x0800)
    udp_len = 8 + len(PAYLOAD)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0x4000, 64,
                     socket.IPPROTO_UDP, 0, bytes(4), dst)
    udp = struct.pack("!HHHH", 0, dport, udp_len, 0)
    words = struct.unpack("!10H", ip)
    return bytearray(eth + ip + udp + PAYLOAD), sum(words)


def main(argv):
    if len(argv) != 8:
        sys.exit(__doc__)
    ifname, dst_mac, src, hosts, target, first, count = argv[1:]
    dst, dport = target.rsplit(":", 1)
    src = struct.unpack("!I", socket.inet_aton(src))[0]
    hosts, first, count = int(hosts), int(first), int(count)
    if SPORT_BASE + (first + count - 1) // hosts > 0xFFFF:
        sys.exit("gen_flows.py: more flows than HOSTS addresses have ports")
    with open("/sys/class/net/%s/address" % ifname) as f:
        src_mac = mac(f.read().strip())

    dst = socket.inet_aton(dst)
    frame, base = template(src_mac, mac(dst_mac), dst, int(dport))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    # The destination is rewritten as it is: pad bytes would zero it.
    pack = struct.Struct("!HI4sH").pack_into
    send = s.send
    for i in range(first, first + count):
        addr = src + i % hosts
        pack(frame, VARYING,
             ~fold(base + (addr >> 16) + (addr & 0xFFFF)) & 0xFFFF,
             addr, dst, SPORT_BASE + i // hosts)
        send(frame)
    print(count)


if __name__ == "__main__":
    main(sys.argv)
