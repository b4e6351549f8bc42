#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Hostile packets through a natgw gateway, from both sides, with oracles.

    fuzz_wire.py fuzz WORLD.json [--scale N] [--seed S] [--phases P,...]
    fuzz_wire.py legit tcp|udp ADDR PORT LOG [--sport N]

fuzz: injects Ethernet frames with PF_PACKET sockets opened in the Internet
host's and the VPC host's namespaces (setns), addressed to the router's MACs,
so that every frame crosses the router's netfilter hooks.  WORLD.json
(written by natgw_fuzz_wire.sh) names the namespaces, devices, the gateway
and its configuration.  Frames are built here with struct, not scapy: under
TCG scapy takes seconds to import and about a millisecond per packet, while
raw bytes go out at tens of thousands per second.

Every phase is checked against two oracles, and the run fails on any miss:

  accounting  nftables counters in the router just before (-250, 90) and
              just after (-210, 110) natgw's hooks (-225 prerouting, 100
              postrouting): whatever disappeared between them is exactly
              what natgw's drop counters (natctl -j stats) grew by.
  taps        every IPv4 frame the router hands to either host has a valid
              IP header; none leaves towards the Internet with a VPC source
              address or quotes one in an ICMP error; tagged frames keep
              their checksum's validity (incremental updates never repair a
              corrupted checksum or break a good one) and frames tagged as
              unsolicited never arrive.

The last line of output is "sent N", the number of frames sent, for the
caller to check that the run was as big as it should be.

legit: one long-lived flow for the "legitimate traffic still flows" check.
It sends a line every 0.1 s and waits up to 1 s for the echo, appending
"TIME ok|fail" to LOG, until killed.  TCP reconnects after an error.
"""

import argparse
import array
import ctypes
import ipaddress
import json
import os
import random
import socket
import struct
import subprocess
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
SO_RCVBUFFORCE = 33
CLONE_NEWNET = 0x40000000

TCP, UDP, ICMP = 6, 17, 1
FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 1, 2, 4, 8, 16, 32, 64, 128
ICMP_ECHOREPLY, ICMP_ECHO = 0, 8
ICMP_UNREACH, ICMP_TIMXCEED, ICMP_PARAMPROB = 3, 11, 12
ICMP_ERRORS = (ICMP_UNREACH, ICMP_TIMXCEED, ICMP_PARAMPROB)

# Tag carried in the payload of crafted frames: magic, flags, serial.  An
# ICMP error's payload is the quote itself, whose length matters, so errors
# carry the flags in their outer IP header instead: TOS TAG_TOS and an
# identification of TAG_ID | flags (routers keep both when forwarding).
TAG = b"NGFZ"
TAG_BAD_CSUM = 1	# the L4 (or ICMP) checksum was sent wrong on purpose
TAG_NO_PASS = 2		# natgw must not let this frame through
TAG_ZERO_CSUM = 4	# UDP sent without checksum: must stay 0
TAG_LEN = 9
TAG_TOS = 0x14
TAG_ID = 0xa5a0

libc = ctypes.CDLL(None, use_errno=True)


def die(msg):
    print("fuzz_wire: " + msg, file=sys.stderr)
    sys.exit(1)


def diag(msg):
    print("# " + msg, flush=True)


# ---- packets ---------------------------------------------------------------

def ip2b(addr):
    return socket.inet_aton(addr)


def b2ip(raw):
    return socket.inet_ntoa(raw)


def csum(data):
    """Internet checksum, as stored (byte order independent)."""
    if len(data) & 1:
        data += b"\0"
    s = sum(array.array("H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return struct.pack("=H", ~s & 0xffff)


def csum_ok(data):
    return csum(data) == b"\0\0"


def pseudo(src, dst, proto, length):
    return src + dst + struct.pack("!BBH", 0, proto, length)


def tag(flags, serial):
    return TAG + struct.pack("!BI", flags, serial & 0xffffffff)


def ipv4(src, dst, proto, payload, ttl=64, ident=0, frag=0, opts=b"",
         tot_len=None, ihl=None, version=4, tos=0, good_csum=True):
    """An IPv4 header and payload.  frag: flags and offset, as on the wire."""
    if len(opts) % 4:
        opts += b"\0" * (4 - len(opts) % 4)
    if ihl is None:
        ihl = 5 + len(opts) // 4
    if tot_len is None:
        tot_len = 20 + len(opts) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", version << 4 | (ihl & 15), tos,
                      tot_len & 0xffff, ident, frag, ttl, proto, 0,
                      ip2b(src), ip2b(dst)) + opts
    c = csum(hdr[:max(20, min(len(hdr), ihl * 4))])
    if not good_csum:
        c = bytes((c[0] ^ 0x5a, c[1]))
    return hdr[:10] + c + hdr[12:] + payload


def l4_csum(src, dst, proto, seg, bad):
    c = csum(pseudo(ip2b(src), ip2b(dst), proto, len(seg)) + seg)
    if bad:
        c = bytes((c[0] ^ 0xa5, c[1]))
    return c


def tcp(src, dst, sport, dport, flags, payload=b"", seq=1, ack=0, doff=5,
        opts=b"", bad=False, win=8192):
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack,
                      (doff & 15) << 4, flags, win, 0, 0) + opts + payload
    return seg[:16] + l4_csum(src, dst, TCP, seg, bad) + seg[18:]


def udp(src, dst, sport, dport, payload=b"", bad=False, zero=False,
        length=None):
    ln = 8 + len(payload) if length is None else length
    seg = struct.pack("!HHHH", sport, dport, ln & 0xffff, 0) + payload
    if zero:
        return seg
    c = l4_csum(src, dst, UDP, seg, bad)
    if c == b"\0\0":
        c = b"\xff\xff"
    return seg[:6] + c + seg[8:]


def icmp(typ, code, rest=b"\0\0\0\0", payload=b"", bad=False):
    msg = struct.pack("!BBH", typ, code, 0) + rest + payload
    c = csum(msg)
    if bad:
        c = bytes((c[0] ^ 0x3c, c[1]))
    return msg[:2] + c + msg[4:]


def echo(typ, ident, seq=1, payload=b"", bad=False):
    return icmp(typ, 0, struct.pack("!HH", ident, seq), payload, bad)


# ---- the world -------------------------------------------------------------

def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True,
                          text=True).stdout


def in_netns(ns, fn):
    """Call fn() with this thread in namespace ns; sockets stay there."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns " + ns)
        return fn()
    finally:
        libc.setns(home, CLONE_NEWNET)
        os.close(fd)
        os.close(home)


def mac_of(ns, dev):
    link = json.loads(run("ip", "-n", ns, "-j", "link", "show", "dev", dev))
    return bytes.fromhex(link[0]["address"].replace(":", ""))


class Side:
    """One host's link to the router: inject frames, tap what arrives."""

    def __init__(self, ns, dev, router_ns, router_dev):
        self.mac = mac_of(ns, dev)
        self.router_mac = mac_of(router_ns, router_dev)
        self.eth = self.router_mac + self.mac + struct.pack("!H", ETH_P_IP)

        def sockets():
            tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            tx.bind((dev, 0))
            tx.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
            rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                               socket.htons(ETH_P_ALL))
            rx.bind((dev, ETH_P_ALL))
            rx.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
            rx.setblocking(False)
            return tx, rx
        self.tx, self.rx = in_netns(ns, sockets)
        self.sent = 0

    def send(self, frames):
        for f in frames:
            try:
                self.tx.send(f)
            except OSError:
                # a frame the device refuses (too short, too long) counts
                # as tried: the kernel's own validation held
                pass
            self.sent += 1

    def frames(self):
        while True:
            try:
                data, addr = self.rx.recvfrom(65536)
            except BlockingIOError:
                return
            if addr[2] != PACKET_OUTGOING:
                yield data


class World:
    def __init__(self, path):
        with open(path) as f:
            w = json.load(f)
        self.router = w["router"]
        self.gw = w["gateway"]
        self.natctl = w["natctl"]
        self.vpc = ipaddress.ip_network(w["vpc"])
        self.hosts = w["hosts"]
        self.remotes = ipaddress.ip_network(w["remotes"])
        self.snat_eips = w["snat_eips"]
        self.dnat = w["dnat"]
        self.ipmap = w["ipmap"]
        self.idle_eips = w["idle_eips"]
        self.eips = self.snat_eips + [self.ipmap["eip"]] + self.idle_eips
        self.eips += sorted({d["eip"] for d in self.dnat})
        self.router_ext = w["router_ext"]
        self.router_vpc = w["router_vpc"]
        self.vpc_router = w["vpc_router"]
        self.legit_remote = w["legit_remote"]
        self.inet = Side(w["inet_ns"], w["inet_dev"], self.router,
                         w["ext_dev"])
        self.vpcside = Side(w["vpc_ns"], w["vpc_dev"], self.router,
                            w["vpc_router_dev"])

    def stats(self):
        out = run(self.natctl, "-n", self.router, "-j", "stats", self.gw)
        gw = json.loads(out)["gateways"][0]
        # an echo request the gateway answers is consumed, not dropped
        return {k: v for k, v in gw.items()
                if k.startswith("drops_") and k != "drops_total" or
                k == "icmp_replies"}

    def evicted(self):
        out = run(self.natctl, "-n", self.router, "-j", "stats", self.gw)
        return json.loads(out)["gateways"][0]["sessions_evicted"]

    def hook_counters(self):
        out = run("ip", "netns", "exec", self.router, "nft", "-j", "list",
                  "table", "ip", "natgw_fuzz")
        c = {}
        for item in json.loads(out)["nftables"]:
            rule = item.get("rule")
            if not rule:
                continue
            for e in rule["expr"]:
                if "counter" in e:
                    c[rule["chain"]] = e["counter"]["packets"]
        return c

    def sessions(self):
        out = run(self.natctl, "-n", self.router, "-j", "session", "show",
                  self.gw)
        return json.loads(out)


# ---- oracles ---------------------------------------------------------------

class Oracle:
    def __init__(self, world):
        self.world = world
        self.failures = {}
        self.seen = {"vpc": 0, "inet": 0, "tagged": 0}
        self.passed = set()	# serials of tagged frames that may pass

    def fail(self, what, frame):
        n, example = self.failures.get(what, (0, frame))
        self.failures[what] = (n + 1, example)

    def drain(self):
        for f in self.world.vpcside.frames():
            self.seen["vpc"] += 1
            self.check(f, "vpc")
        for f in self.world.inet.frames():
            self.seen["inet"] += 1
            self.check(f, "inet")

    def check(self, f, side):
        if len(f) < 34 or f[12:14] != b"\x08\x00":
            return
        ip = f[14:]
        ihl = (ip[0] & 15) * 4
        if ip[0] >> 4 != 4 or ihl < 20 or len(ip) < ihl:
            self.fail("router sent a bad IPv4 header", f)
            return
        if not csum_ok(ip[:ihl]):
            self.fail("router sent a bad IP header checksum", f)
        tot = struct.unpack("!H", ip[2:4])[0]
        ip = ip[:tot]
        proto = ip[9]
        src, dst = ip[12:16], ip[16:20]
        frag = struct.unpack("!H", ip[6:8])[0] & 0x3fff
        if side == "inet":
            if self.in_vpc(src):
                self.fail("a VPC source address left for the Internet", f)
            if proto == ICMP and len(ip) >= ihl + 28 and \
               ip[ihl] in ICMP_ERRORS and not frag:
                q = ip[ihl + 8:]
                if self.in_vpc(q[12:16]) or self.in_vpc(q[16:20]):
                    self.fail("an ICMP error left quoting a VPC address", f)
        if frag:
            return
        self.check_tag(ip, ihl, proto, src, dst, f)

    def in_vpc(self, raw):
        return ipaddress.ip_address(raw) in self.world.vpc

    def check_tag(self, ip, ihl, proto, src, dst, f):
        l4 = ip[ihl:]
        if proto == ICMP and l4[:1] and l4[0] in ICMP_ERRORS:
            ident = struct.unpack("!H", ip[4:6])[0]
            if ip[1] != TAG_TOS or ident & ~7 != TAG_ID:
                return
            flags = ident & 7
        else:
            off = {TCP: (l4[12] >> 4) * 4 if len(l4) > 12 else 20,
                   UDP: 8, ICMP: 8}.get(proto)
            if off is None:
                return
            t = l4[off:off + TAG_LEN]
            if len(t) != TAG_LEN or t[:4] != TAG:
                return
            flags = t[4]
            if not flags & TAG_NO_PASS:
                self.passed.add(struct.unpack("!I", t[5:9])[0])
        self.seen["tagged"] += 1
        if flags & TAG_NO_PASS:
            self.fail("an unsolicited frame got through", f)
            return
        if proto == UDP and flags & TAG_ZERO_CSUM:
            if l4[6:8] != b"\0\0":
                self.fail("a zero UDP checksum was filled in", f)
            return
        if proto == ICMP:
            ok = csum_ok(l4)
        else:
            ok = csum_ok(pseudo(src, dst, proto, len(l4)) + l4)
        if ok == bool(flags & TAG_BAD_CSUM):
            self.fail("a bad checksum was repaired" if ok else
                      "a good checksum was broken", f)

    def report(self):
        for what, (n, ex) in sorted(self.failures.items()):
            diag("FAIL %s: %d frames, e.g. %s" % (what, n, ex[14:90].hex()))
        return not self.failures


# ---- phases ----------------------------------------------------------------

class Fuzzer:
    def __init__(self, world, scale, seed):
        self.world = world
        self.scale = scale
        self.rnd = random.Random(seed)
        self.serial = 0
        self.oracle = Oracle(world)
        self.sess = []		# natgw's sessions, as natctl -j shows them
        self.counters = None	# (hook counters, drop counters), settled
        self.ok = True
        self.valid_serials = set()	# the valid phase's session frames

    def n(self, count):
        return max(1, int(count * self.scale))

    def tagged(self, flags):
        self.serial += 1
        return tag(flags, self.serial)

    def remote(self):
        r = self.world.remotes
        return str(r[self.rnd.randrange(1, r.num_addresses - 1)])

    def port(self):
        return self.rnd.randrange(1024, 65536)

    def frame(self, side, ip):
        return side.eth + ip

    def inbound(self, ip):
        return self.frame(self.world.inet, ip)

    def outbound(self, ip):
        return self.frame(self.world.vpcside, ip)

    def blast(self, side, frames):
        batch = []
        for f in frames:
            batch.append(f)
            if len(batch) == 512:
                side.send(batch)
                self.oracle.drain()
                batch = []
        side.send(batch)

    def settle(self):
        """Wait until the router is done with what was sent."""
        last = None
        for _ in range(50):
            time.sleep(0.2)
            self.oracle.drain()
            now = self.world.hook_counters()
            if now == last:
                return now
            last = now
        return last

    def phase(self, name, gen):
        w = self.world
        # a phase starts where the previous one settled
        if self.counters is None:
            self.counters = self.settle(), w.stats()
        before_c, before_s = self.counters
        sent0 = w.inet.sent + w.vpcside.sent
        t0 = time.time()
        for side, frames in gen():
            self.blast(side, frames)
        after_c, after_s = self.counters = self.settle(), w.stats()
        sent = w.inet.sent + w.vpcside.sent - sent0
        vanished = sum((after_c[a] - before_c[a]) - (after_c[b] - before_c[b])
                       for a, b in (("pre_a", "pre_b"), ("post_a", "post_b")))
        delta = {k.replace("drops_", ""): after_s[k] - before_s.get(k, 0)
                 for k in after_s if after_s[k] != before_s.get(k, 0)}
        dropped = sum(delta.values())
        diag("phase %s: %d frames in %.1fs; natgw dropped %d %s" %
             (name, sent, time.time() - t0, dropped,
              " ".join("%s=%d" % kv for kv in sorted(delta.items()))))
        if dropped != vanished:
            diag("FAIL phase %s: %d packets vanished at natgw's hooks, "
                 "its drop counters grew by %d" % (name, vanished, dropped))
            self.ok = False
        return delta

    # -- helpers for sessions --

    def load_sessions(self):
        """The fuzzer's own sessions whose tuples it can rebuild: not the
        legitimate flows (their hosts would answer), not hairpins, and ICMP
        only where a private host sent the echo requests."""
        def usable(s):
            if s.get("remote") == self.world.legit_remote:
                return False
            if s.get("proto") == "icmp":
                return s.get("kind") in ("snat", "ipmap-out")
            return s.get("proto") in ("tcp", "udp") and \
                s.get("kind") in ("snat", "dnat", "ipmap-in", "ipmap-out")
        self.sess = [s for s in self.world.sessions() if usable(s)]
        for s in self.sess:
            s.setdefault("remote_port", 0)
        kinds = {(s["proto"], s["kind"]) for s in self.sess}
        for p in ("tcp", "udp", "icmp"):
            if not any(k[0] == p for k in kinds):
                die("no %s session to fuzz against (have %s)" % (p, kinds))

    def pick(self, proto=None):
        pool = [s for s in self.sess if proto in (None, s["proto"])]
        return self.rnd.choice(pool)

    def session_packet(self, s, inbound, payload, flags=ACK, bad=False,
                       opts=b"", zero=False):
        """A packet of session s: from the Internet side (remote -> EIP)
        when inbound, else from the VPC side (inside -> remote)."""
        if inbound:
            src, sport, dst, dport = (s["remote"], s["remote_port"],
                                      s["eip"], s["eip_port"])
            icmp_type, ident = ICMP_ECHOREPLY, dport
        else:
            src, sport, dst, dport = (s["inside"], s["inside_port"],
                                      s["remote"], s["remote_port"])
            icmp_type, ident = ICMP_ECHO, sport
        p = s["proto"]
        if p == "tcp":
            seg = tcp(src, dst, sport, dport, flags, payload, bad=bad)
            return ipv4(src, dst, TCP, seg, opts=opts)
        if p == "udp":
            seg = udp(src, dst, sport, dport, payload, bad=bad, zero=zero)
            return ipv4(src, dst, UDP, seg, opts=opts)
        return ipv4(src, dst, ICMP, echo(icmp_type, ident, 7, payload, bad),
                    opts=opts)

    def reply_packet(self, s, *args, **kw):
        return self.session_packet(s, True, *args, **kw)

    def orig_packet(self, s, *args, **kw):
        return self.session_packet(s, False, *args, **kw)

    # -- the phases --

    def ph_setup(self):
        """Valid first packets: sessions to fuzz against, both directions."""
        w = self.world
        out, inn = [], []
        for i in range(self.n(150)):
            host = self.rnd.choice(w.hosts)
            r, sp, dp = self.remote(), self.port(), self.port()
            kind = i % 3
            if kind == 0:
                seg = udp(host, r, sp, dp, b"setup")
                out.append(self.outbound(ipv4(host, r, UDP, seg)))
            elif kind == 1:
                seg = tcp(host, r, sp, dp, SYN)
                out.append(self.outbound(ipv4(host, r, TCP, seg)))
            else:
                out.append(self.outbound(ipv4(host, r, ICMP,
                                              echo(ICMP_ECHO, sp))))
        for d in w.dnat:
            for _ in range(self.n(10)):
                r = self.remote()
                port = self.rnd.randint(d["pub"][0], d["pub"][1])
                if d["proto"] == "tcp":
                    seg = tcp(r, d["eip"], self.port(), port, SYN)
                    inn.append(self.inbound(ipv4(r, d["eip"], TCP, seg)))
                else:
                    seg = udp(r, d["eip"], self.port(), port, b"setup")
                    inn.append(self.inbound(ipv4(r, d["eip"], UDP, seg)))
        e = w.ipmap["eip"]
        for _ in range(self.n(20)):
            r = self.remote()
            inn.append(self.inbound(ipv4(r, e, TCP, tcp(r, e, self.port(),
                                                         self.port(), SYN))))
            inn.append(self.inbound(ipv4(r, e, ICMP,
                                         echo(ICMP_ECHO, self.port()))))
        # hairpin: a VPC host to a DNAT entry of its own gateway
        for d in w.dnat:
            h = w.hosts[0]
            p = d["pub"][0]
            if d["proto"] == "tcp":
                ip = ipv4(h, d["eip"], TCP, tcp(h, d["eip"], self.port(), p,
                                                SYN))
            else:
                ip = ipv4(h, d["eip"], UDP, udp(h, d["eip"], self.port(), p,
                                                b"hp"))
            out.append(self.outbound(ip))
        yield w.vpcside, out
        yield w.inet, inn

    def ph_valid(self):
        """Session traffic, checksums good, bad and absent, with options."""
        w = self.world
        opts = [b"", b"\x01\x01\x01\x01", b"\x07\x0b\x04" + bytes(8),
                b"\x44\x0c\x05\x00" + bytes(8), b"\x94\x04\x00\x00"]
        inn, out = [], []
        for _ in range(self.n(1500)):
            s = self.pick()
            o = self.rnd.choice(opts)
            bad = self.rnd.random() < 0.3
            zero = s["proto"] == "udp" and not bad and self.rnd.random() < 0.2
            flags = (bad and TAG_BAD_CSUM) | (zero and TAG_ZERO_CSUM)
            fl = self.rnd.choice((ACK, PSH | ACK, ACK | FIN, ACK | URG))
            inn.append(self.inbound(self.reply_packet(
                s, self.tagged(flags) + b"in", fl, bad, o, zero)))
            self.valid_serials.add(self.serial)
            out.append(self.outbound(self.orig_packet(
                s, self.tagged(flags) + b"out", fl, bad, o, zero)))
            self.valid_serials.add(self.serial)
        yield w.inet, inn
        yield w.vpcside, out

    def ph_tcp_flags(self):
        """Every combination of the 8 TCP flags, on sessions and off them."""
        w = self.world
        inn, out = [], []
        tcps = [s for s in self.sess if s["proto"] == "tcp"]
        reps = self.n(3)
        for flags in range(256):
            for _ in range(reps):
                s = self.rnd.choice(tcps)
                inn.append(self.inbound(self.reply_packet(
                    s, self.tagged(0), flags)))
                out.append(self.outbound(self.orig_packet(
                    s, self.tagged(0), flags)))
                # no session: only a SYN may open one, to a DNAT port
                e = self.rnd.choice(w.snat_eips + w.idle_eips)
                r = self.remote()
                inn.append(self.inbound(ipv4(r, e, TCP, tcp(
                    r, e, self.port(), self.port(), flags,
                    self.tagged(TAG_NO_PASS)))))
                h = self.rnd.choice(w.hosts)
                if not (flags & SYN and not flags & (ACK | RST | FIN)):
                    out.append(self.outbound(ipv4(h, r, TCP, tcp(
                        h, r, self.port(), self.port(), flags,
                        self.tagged(TAG_NO_PASS)))))
        yield w.inet, inn
        yield w.vpcside, out

    def ph_unsolicited(self):
        """Nothing gets in that no session or DNAT entry asked for."""
        w = self.world
        inn = []
        no = TAG_NO_PASS
        for _ in range(self.n(400)):
            r = self.remote()
            e = self.rnd.choice(w.snat_eips + w.idle_eips)
            s = self.rnd.choice([x for x in self.sess if x["kind"] == "snat"])
            inn += [
                # to an EIP port no session holds
                ipv4(r, e, UDP, udp(r, e, self.port(), self.port(),
                                    self.tagged(no))),
                # a session's port, from the wrong remote
                ipv4(r, s["eip"], UDP, udp(r, s["eip"], self.port(),
                                           s["eip_port"], self.tagged(no))),
                # echo replies nobody asked for
                ipv4(r, e, ICMP, echo(ICMP_ECHOREPLY, self.port(), 1,
                                      self.tagged(no))),
                # straight at a private address, or from a spoofed VPC one
                ipv4(r, self.rnd.choice(w.hosts), UDP,
                     udp(r, w.hosts[0], 1, 2, self.tagged(no))),
                ipv4(w.hosts[1], e, UDP, udp(w.hosts[1], e, self.port(),
                                             self.port(), self.tagged(no))),
                ipv4(w.hosts[0], w.ipmap["eip"], TCP,
                     tcp(w.hosts[0], w.ipmap["eip"], 1, 80, SYN,
                         self.tagged(no))),
            ]
            # unsupported protocols, to every kind of EIP
            for e2 in (e, w.ipmap["eip"]):
                proto = self.rnd.choice((0, 2, 4, 41, 47, 50, 51, 132, 255))
                inn.append(ipv4(r, e2, proto, self.tagged(no) + bytes(16)))
        yield w.inet, [self.inbound(ip) for ip in inn]

    def ip_bases(self, inbound):
        """A few valid packets to break in the IP and transport layers."""
        w = self.world
        s = self.pick()
        if inbound:
            base = [self.reply_packet(s, b"x" * 12)]
            for d in w.dnat:
                r = self.remote()
                seg = tcp(r, d["eip"], 4000, d["pub"][0], SYN, b"x" * 12) \
                    if d["proto"] == "tcp" else \
                    udp(r, d["eip"], 4000, d["pub"][0], b"x" * 12)
                base.append(ipv4(r, d["eip"], TCP if d["proto"] == "tcp"
                                 else UDP, seg))
            e = w.snat_eips[0]
            r = self.remote()
            base.append(ipv4(r, e, ICMP, echo(ICMP_ECHO, 5, 1, b"x" * 12)))
        else:
            base = [self.orig_packet(s, b"x" * 12)]
            h, r = w.hosts[0], self.remote()
            base.append(ipv4(h, r, UDP, udp(h, r, self.port(), 53, b"q" * 12)))
            base.append(ipv4(h, r, ICMP, echo(ICMP_ECHO, 9, 1, b"p" * 12)))
        return base

    def ph_ip_header(self):
        """Truncations, IHL, total length, version, checksum, options, TTL."""
        w = self.world
        opts = [b"\x00", b"\x01" * 3, b"\x07\x03\x04",
                b"\x07\x27\x04" + bytes(36),
                b"\x44\x04\x05\x00", b"\x44\x28\x05\x01" + bytes(36),
                b"\x83\x07\x04" + ip2b(w.router_ext) + b"\0",	# LSRR
                b"\x89\x07\x04" + ip2b(w.router_vpc) + b"\0",	# SSRR
                b"\x94\x04\x00\x00", b"\x82\x0b" + bytes(9),
                b"\x07\x00\x04\x00", b"\x07\x01", b"\x07\xff\x04\x00",
                b"\x44\x02\x05\x00", b"\x19\x28" + bytes(38), bytes(40),
                self.rnd.randbytes(40)]
        for inbound, side in ((True, w.inet), (False, w.vpcside)):
            frames = []
            for _ in range(self.n(4)):
                for ip in self.ip_bases(inbound):
                    ihl = (ip[0] & 15) * 4
                    hdr, pl = ip[:ihl], ip[ihl:]
                    src, dst, proto = b2ip(ip[12:16]), b2ip(ip[16:20]), ip[9]
                    # every truncation, IP header and transport header
                    for cut in range(0, len(ip)):
                        frames.append(side.eth + ip[:cut])
                    # total length too short, too long, absurd
                    for tl in (0, 1, 19, 20, 21, ihl + 3, len(ip) - 1,
                               len(ip) + 1, len(ip) + 100, 65535):
                        frames.append(side.eth + ipv4(src, dst, proto, pl,
                                                      tot_len=tl))
                    for ihl2 in range(16):
                        frames.append(side.eth + ipv4(src, dst, proto, pl,
                                                      ihl=ihl2))
                        frames.append(side.eth + ipv4(
                            src, dst, proto, pl, ihl=ihl2, opts=bytes(40)))
                    for v in (0, 5, 6, 15):
                        frames.append(side.eth + ipv4(src, dst, proto, pl,
                                                      version=v))
                    frames.append(side.eth + ipv4(src, dst, proto, pl,
                                                  good_csum=False))
                    zero = bytearray(ip)
                    zero[10:12] = b"\0\0"
                    frames.append(side.eth + bytes(zero))
                    for o in opts:
                        frames.append(side.eth + ipv4(src, dst, proto, pl,
                                                      opts=o))
                    for ttl in (0, 1, 2, 255):
                        frames.append(side.eth + ipv4(src, dst, proto, pl,
                                                      ttl=ttl))
                    frames.append(side.eth + hdr + pl + bytes(64))  # trailer
            yield side, frames

    def ph_l4(self):
        """Broken transport headers and every ICMP type, to live tuples."""
        w = self.world
        for inbound, side in ((True, w.inet), (False, w.vpcside)):
            frames = []
            for _ in range(self.n(3)):
                s = self.pick("tcp")
                pk = self.reply_packet if inbound else self.orig_packet
                for p in (s, self.pick("udp"), self.pick("icmp")):
                    ip = pk(p, b"y" * 24)
                    ihl = (ip[0] & 15) * 4
                    src, dst, proto = b2ip(ip[12:16]), b2ip(ip[16:20]), ip[9]
                    l4 = ip[ihl:]
                    for cut in range(len(l4)):
                        frames.append(side.eth + ipv4(src, dst, proto,
                                                      l4[:cut]))
                for doff in range(16):
                    ip = pk(s, b"z" * 8)
                    ihl = (ip[0] & 15) * 4
                    seg = bytearray(ip[ihl:])
                    seg[12] = doff << 4
                    frames.append(side.eth + ip[:ihl] + bytes(seg))
                u = self.pick("udp")
                src, dst = (u["remote"], u["eip"]) if inbound else \
                    (u["inside"], u["remote"])
                sp, dp = (u["remote_port"], u["eip_port"]) if inbound else \
                    (u["inside_port"], u["remote_port"])
                for ln in (0, 1, 7, 8, 9, 20, 65535):
                    frames.append(side.eth + ipv4(src, dst, UDP, udp(
                        src, dst, sp, dp, b"u" * 12, length=ln)))
                # ports 0 and 65535 on both ends
                for sp2, dp2 in ((0, 0), (0, dp), (sp, 0), (65535, 65535)):
                    frames.append(side.eth + ipv4(src, dst, UDP, udp(
                        src, dst, sp2, dp2, b"p")))
            h, r = w.hosts[0], self.remote()
            for typ in range(256):
                for code in (0, 1, 4, 255):
                    if inbound:
                        e = self.rnd.choice(w.eips)
                        ip = ipv4(r, e, ICMP, icmp(typ, code, b"\0\x07\0\x01",
                                                   bytes(28)))
                    else:
                        ip = ipv4(h, r, ICMP, icmp(typ, code, b"\0\x07\0\x01",
                                                   bytes(28)))
                    frames.append(side.eth + ip)
            yield side, frames

    def fragments(self, ip, shape):
        """Fragment an IP datagram in one of several hostile shapes."""
        ihl = (ip[0] & 15) * 4
        pl = ip[ihl:]
        ident = self.rnd.randrange(65536)
        src, dst, proto = b2ip(ip[12:16]), b2ip(ip[16:20]), ip[9]

        def frag(off, data, mf, o=b""):
            return ipv4(src, dst, proto, data, ident=ident,
                        frag=(0x2000 if mf else 0) | (off // 8), opts=o)
        step = 8
        pieces = [frag(o, pl[o:o + step], o + step < len(pl))
                  for o in range(0, len(pl), step)]
        if shape == "inorder":
            return pieces
        if shape == "reverse":
            return pieces[::-1]
        if shape == "shuffle":
            self.rnd.shuffle(pieces)
            return pieces
        if shape == "first-missing":
            return pieces[1:]
        if shape == "last-missing":
            return pieces[:-1]
        if shape == "duplicate":
            return pieces + pieces[:2]
        if shape == "overlap":
            return [frag(0, pl[:16], True), frag(8, pl[8:], False)]
        if shape == "overlap-rewrite":	# a later fragment rewrites the ports
            evil = bytes(4) + pl[4:16]
            return [frag(0, pl[:16], True), frag(0, evil, True),
                    frag(16, pl[16:], False)]
        if shape == "tiny":	# first fragment shorter than a TCP header
            return [frag(0, pl[:8], True), frag(8, pl[8:], False)]
        if shape == "huge":	# reassembles past 65535 bytes
            return [frag(0, pl[:8], True), frag(65528, pl[:16], False)]
        if shape == "zero-len":
            return [frag(0, b"", True), frag(0, pl, False)]
        if shape == "mf-last":
            return [frag(0, pl[:8], True), frag(8, pl[8:], True)]
        if shape == "options":
            return [frag(0, pl[:8], True, b"\x94\x04\x00\x00"),
                    frag(8, pl[8:], False, b"\x07\x07\x04" + bytes(4))]
        if shape == "unaligned":
            return [frag(0, pl[:5], True), frag(5, pl[5:], False)]
        raise ValueError(shape)

    SHAPES = ("inorder", "reverse", "shuffle", "first-missing",
              "last-missing", "duplicate", "overlap", "overlap-rewrite",
              "tiny", "huge", "zero-len", "mf-last", "options", "unaligned")

    def ph_fragments(self):
        """Every fragment shape, of session packets and of new flows."""
        w = self.world
        for inbound, side in ((True, w.inet), (False, w.vpcside)):
            frames = []
            for _ in range(self.n(12)):
                for proto in ("tcp", "udp", "icmp"):
                    s = self.pick(proto)
                    ip = (self.reply_packet if inbound else
                          self.orig_packet)(s, self.tagged(0) + bytes(40))
                    for shape in self.SHAPES:
                        frames += [side.eth + f
                                   for f in self.fragments(ip, shape)]
                for ip in self.ip_bases(inbound):
                    for shape in self.SHAPES:
                        frames += [side.eth + f
                                   for f in self.fragments(ip, shape)]
            yield side, frames

    def quoted(self, s, inbound, l4len=8):
        """The packet an error is about, as the error's sender saw it.

        Inbound errors are about packets that left through the gateway
        (EIP -> remote); outbound ones about packets that came in
        (remote -> inside)."""
        p = {"tcp": TCP, "udp": UDP, "icmp": ICMP}[s["proto"]]
        if inbound:
            src, dst, sp, dp = s["eip"], s["remote"], s["eip_port"], \
                s["remote_port"]
        else:
            src, dst, sp, dp = s["remote"], s["inside"], s["remote_port"], \
                s["inside_port"]
        if p == TCP:
            seg = tcp(src, dst, sp, dp, ACK, b"q" * 8)
        elif p == UDP:
            seg = udp(src, dst, sp, dp, b"q" * 8)
        else:	# an echo request that left, or its reply that came in
            typ = ICMP_ECHO if inbound else ICMP_ECHOREPLY
            seg = echo(typ, sp if inbound else dp, 1, b"q" * 8)
        return ipv4(src, dst, p, seg)[:20 + l4len], src

    def ph_icmp_errors(self, count=120):
        """Errors about sessions: true, truncated, nested, forged."""
        w = self.world
        err_types = [(3, c) for c in range(16)] + [(11, 0), (11, 1),
                                                   (12, 0), (12, 1), (12, 2)]
        for inbound, side in ((True, w.inet), (False, w.vpcside)):
            frames = []
            for _ in range(self.n(count)):
                s = self.pick()
                typ, code = self.rnd.choice(err_types)
                rest = struct.pack("!HH", 0, 1280) if typ == 3 else bytes(4)
                q, qsrc = self.quoted(s, inbound,
                                      self.rnd.choice((8, 8, 20, 28)))
                # from the far end itself, or from a router on the way
                if inbound:
                    src = self.rnd.choice((s["remote"], self.remote()))
                else:
                    src = self.rnd.choice((s["inside"], w.vpc_router))
                dst = qsrc

                def err(quote, fl=0, t=typ, c=code, d=dst, sr=src):
                    bad = bool(fl & TAG_BAD_CSUM)
                    return side.eth + ipv4(sr, d, ICMP, icmp(
                        t, c, rest, quote, bad), tos=TAG_TOS,
                        ident=TAG_ID | fl)
                frames.append(err(q))
                frames.append(err(q, TAG_BAD_CSUM))
                # quoted transport header cut short, quoted IP header broken
                for cut in range(0, 28, 1 if self.scale >= 1 else 3):
                    frames.append(err(q[:cut], TAG_NO_PASS))
                for ihl in (0, 4, 6, 15):
                    bq = bytearray(q)
                    bq[0] = 0x40 | ihl
                    frames.append(err(bytes(bq), TAG_NO_PASS))
                bq = bytearray(q)
                bq[6:8] = b"\x20\x00"		# a first fragment: has ports
                frames.append(err(bytes(bq)))
                bq[6:8] = b"\x20\x10"		# a later one: has none
                frames.append(err(bytes(bq), TAG_NO_PASS))
                bq = bytearray(q)
                bq[9] = {TCP: UDP, UDP: TCP, ICMP: TCP}[q[9]]
                frames.append(err(bytes(bq), TAG_NO_PASS))
                # nested: an error about an error about the session
                inner = ipv4(src, dst, ICMP, icmp(typ, code, rest, q))
                frames.append(err(inner[:28 + len(q)], TAG_NO_PASS))
                # forged: sent to another EIP than the quoted packet's
                # source, or (from inside) by another host than the
                # session's.  Conntrack refuses both (outer daddr must be
                # the inner saddr); nothing of either may get through.
                if inbound:
                    other = [e for e in w.eips if e != s["eip"]]
                    frames.append(err(q, TAG_NO_PASS,
                                      d=self.rnd.choice(other)))
                else:
                    other = [h for h in w.hosts if h != s["inside"]]
                    frames.append(err(q, 0, sr=self.rnd.choice(other)))
                # non-error ICMP types quoting a session are not errors
                frames.append(err(q, TAG_NO_PASS, t=self.rnd.choice(
                    (4, 5, 13, 15, 17, 40)), c=0))
            yield side, frames

    def ph_ports(self):
        """Every port of every EIP (strided unless scaled up)."""
        w = self.world
        stride = max(1, int(64 / self.scale))
        r = self.remote()
        frames = []
        for e in w.eips:
            for port in range(self.rnd.randrange(stride), 65536, stride):
                frames.append(self.inbound(ipv4(r, e, UDP, udp(
                    r, e, 5000, port, b"port"))))
                frames.append(self.inbound(ipv4(r, e, TCP, tcp(
                    r, e, 5000, port, SYN))))
            for ident in range(0, 65536, stride * 64):
                frames.append(self.inbound(ipv4(r, e, ICMP, echo(
                    ICMP_ECHO, ident))))
        yield w.inet, frames

    def mutate(self, frame):
        """A few random corruptions; the IP checksum is usually redone so
        that most frames get past ip_rcv() to natgw."""
        f = bytearray(frame)
        # a crafted tag must not vouch for a mutated frame
        i = f.find(TAG)
        if i >= 0:
            f[i:i + 4] = b"ngfz"
        if len(f) >= 20 and f[15] == TAG_TOS:
            f[15] = 0
        ihl = (f[14] & 15) * 4 if len(f) > 14 else 20
        for _ in range(self.rnd.randint(1, 4)):
            op = self.rnd.randrange(8)
            if op == 0 and len(f) > 15:
                i = self.rnd.randrange(14, len(f))
                f[i] ^= 1 << self.rnd.randrange(8)
            elif op == 1 and len(f) > 15:
                i = self.rnd.randrange(14, min(len(f), 14 + ihl + 40))
                f[i] = self.rnd.randrange(256)
            elif op == 2:
                del f[self.rnd.randrange(14, len(f) + 1):]
            elif op == 3:
                f += bytes(self.rnd.randrange(256)
                           for _ in range(self.rnd.randrange(1, 64)))
            elif op == 4 and len(f) >= 34:	# IP fields
                field = self.rnd.choice((0, 2, 6, 8, 9))
                f[14 + field] = self.rnd.randrange(256)
            elif op == 5 and len(f) >= 14 + ihl + 4:	# ports / ICMP type
                j = 14 + ihl + self.rnd.randrange(4)
                f[j] = self.rnd.randrange(256)
            elif op == 6 and len(f) >= 14 + ihl + 14:	# TCP flags, doff
                f[14 + ihl + self.rnd.choice((12, 13))] = \
                    self.rnd.randrange(256)
            elif op == 7 and len(f) >= 34:	# fragment bits
                f[20] = self.rnd.choice((0x20, 0x40, 0x00, 0x3f, 0xff))
        if len(f) >= 34 and self.rnd.random() < 0.9:
            h = (f[14] & 15) * 4
            if 20 <= h <= len(f) - 14:
                f[24:26] = b"\0\0"
                f[24:26] = csum(bytes(f[14:14 + h]))
        return bytes(f)

    def ph_mutations(self):
        """Random corruptions of valid packets and of every crafted kind."""
        w = self.world
        errors = dict(self.ph_icmp_errors(count=4))
        for inbound, side in ((True, w.inet), (False, w.vpcside)):
            seeds = []
            pk = self.reply_packet if inbound else self.orig_packet
            for _ in range(64):
                s = self.pick()
                seeds.append(side.eth + pk(s, b"m" * self.rnd.randrange(40)))
            for ip in self.ip_bases(inbound):
                seeds.append(side.eth + ip)
            seeds += errors[side]
            frames = [self.mutate(self.rnd.choice(seeds))
                      for _ in range(self.n(32000))]
            yield side, frames

    def ph_flood(self):
        """New tuples far past max_sessions, from both sides."""
        w = self.world
        out, inn = [], []
        for _ in range(self.n(3000)):
            h, r = self.rnd.choice(w.hosts[:1]), self.remote()
            out.append(self.outbound(ipv4(h, r, UDP, udp(
                h, r, self.port(), self.port(), b"flood"))))
        d = next(d for d in w.dnat if d["proto"] == "tcp")
        for _ in range(self.n(1000)):
            r = self.remote()
            inn.append(self.inbound(ipv4(r, d["eip"], TCP, tcp(
                r, d["eip"], self.port(), d["pub"][0], SYN))))
        yield w.vpcside, out
        yield w.inet, inn

    PHASES = ("setup", "valid", "tcp_flags", "unsolicited", "ip_header", "l4",
              "fragments", "icmp_errors", "ports", "mutations")

    def run(self, phases):
        for name in phases:
            if name != "setup" and not self.sess:
                self.load_sessions()
            if name == "flood":
                evicted = self.world.evicted()
            delta = self.phase(name, getattr(self, "ph_" + name))
            if name == "setup":
                self.load_sessions()
                diag("%d sessions to fuzz against" % len(self.sess))
            if name == "flood":
                self.flood_check(delta, self.world.evicted() - evicted)
            if name == "valid":
                self.valid_check(delta)
        self.oracle.drain()
        if not self.oracle.report():
            self.ok = False
        w = self.world
        if any(p != "flood" for p in phases) and not self.oracle.seen["tagged"]:
            diag("FAIL no tagged frame reached either host")
            self.ok = False
        diag("sent %d frames: %d from the Internet side, %d from the VPC "
             "side; the hosts received %d (VPC) and %d (Internet), %d tagged" %
             (w.inet.sent + w.vpcside.sent, w.inet.sent, w.vpcside.sent,
              self.oracle.seen["vpc"], self.oracle.seen["inet"],
              self.oracle.seen["tagged"]))
        print("sent %d" % (w.inet.sent + w.vpcside.sent))
        return self.ok

    def valid_check(self, delta):
        """Every session frame of the valid phase reached its host, but
        for those natgw counted as dropped: a natgw that dropped them all
        must not pass."""
        sent = len(self.valid_serials)
        arrived = len(self.valid_serials & self.oracle.passed)
        dropped = sum(delta.values())
        diag("valid: %d session frames sent, %d arrived, natgw dropped %d" %
             (sent, arrived, dropped))
        if not sent or arrived + dropped < sent or arrived < sent // 2:
            diag("FAIL valid: %d of %d session frames did not arrive "
                 "(%d counted as dropped)" % (sent - arrived, sent, dropped))
            self.ok = False

    def flood_check(self, delta, evicted):
        """Past the limit, each new tuple evicts an unanswered session or
        is dropped, counted either way."""
        dropped = delta.get("session_limit", 0)
        diag("flood: %d sessions evicted, %d flows dropped for the limit" %
             (evicted, dropped))
        if evicted + dropped == 0:
            diag("FAIL flood: the session limit was never met")
            self.ok = False


def cmd_fuzz(args):
    world = World(args.world)
    phases = args.phases.split(",") if args.phases else Fuzzer.PHASES
    fz = Fuzzer(world, args.scale, args.seed)
    diag("seed %d, scale %g, phases %s" % (args.seed, args.scale,
                                          ",".join(phases)))
    return 0 if fz.run(phases) else 1


def cmd_legit(args):
    kind = socket.SOCK_STREAM if args.proto == "tcp" else socket.SOCK_DGRAM
    s = None
    seq = 0
    with open(args.log, "a", buffering=1) as log:
        while True:
            seq += 1
            line = b"legit %d\n" % seq
            ok = False
            try:
                if s is None:
                    s = socket.socket(socket.AF_INET, kind)
                    s.settimeout(1)
                    if args.sport:
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                        s.bind(("", args.sport))
                    if kind == socket.SOCK_STREAM:
                        s.connect((args.addr, args.port))
                if kind == socket.SOCK_STREAM:
                    s.sendall(line)
                    got = b""
                    while not got.endswith(b"\n"):
                        chunk = s.recv(256)
                        if not chunk:
                            raise OSError("closed")
                        got += chunk
                else:
                    s.sendto(line, (args.addr, args.port))
                    while True:
                        got, _ = s.recvfrom(256)
                        if got == line:
                            break
                ok = got == line
            except OSError:
                if kind == socket.SOCK_STREAM and s is not None:
                    s.close()
                    s = None
            log.write("%.2f %s\n" % (time.time(), "ok" if ok else "fail"))
            time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fuzz")
    f.add_argument("world")
    f.add_argument("--scale", type=float, default=1.0)
    f.add_argument("--seed", type=int, default=1)
    f.add_argument("--phases")
    lg = sub.add_parser("legit")
    lg.add_argument("proto", choices=("tcp", "udp"))
    lg.add_argument("addr")
    lg.add_argument("port", type=int)
    lg.add_argument("log")
    lg.add_argument("--sport", type=int, default=0)
    args = ap.parse_args()
    if args.cmd == "fuzz":
        sys.exit(cmd_fuzz(args))
    cmd_legit(args)


if __name__ == "__main__":
    main()
