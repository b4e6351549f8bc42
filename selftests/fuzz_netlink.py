#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Raw generic netlink fuzzer for the natgw family.

    fuzz_netlink.py fuzz COUNT [--seed S] [--unprivileged] [--names N,...]
    fuzz_netlink.py dumps COUNT [--seed S]
    fuzz_netlink.py family
    fuzz_netlink.py pausedump CMD [ARG...]

Speaks netlink with the socket module only (AF_NETLINK, NETLINK_GENERIC),
resolves the family "natgw" through the ctrl family, and takes the command
and attribute numbers from include/uapi/linux/natgw.h, so it follows the
contract as it grows.

fuzz: COUNT messages: random ones (any command, flags, attribute stream),
structured ones (a command with the attributes it takes, values drawn from
valid, boundary and wrong-sized pools, attributes dropped, duplicated,
oversized, nested garbage) and mutations of structured ones (bit flips,
cuts, bad lengths), 1 to 16 per send().  Now and then the socket is closed
in the middle of a dump.  Every request must be answered (unless the
socket overran while its answers came: such requests are counted, not
excused wholesale) and every reply well-formed; every error must be a plain
errno (1-133, no kernel-internal code such as ENOTSUPP 524); every refusal
by natgw itself (not EPERM or EOPNOTSUPP from genetlink) must say why in
its extack (a message, the offending attribute or the missing one); the
family must go on answering on the same socket.  As root it also creates
a few valid objects now and then, so that SET and DEL reach existing ones.
--unprivileged: no command the family marks GENL_ADMIN_PERM may succeed;
each must be refused with EPERM, or with EINVAL by genetlink's header
checks, which come first.

dumps: COUNT dumps of every kind, each abandoned after its first message
(a tiny receive buffer, then close), some with a second dump started on
the same socket.  What the kernel sent before the socket closed must be
well-formed (plain errnos), and afterwards a whole dump of every kind must
still run to its end (NLMSG_DONE, no error) and the family answer.

pausedump CMD...: dump the sessions on a socket, read the dump's first
part, run CMD (a configuration change), read the rest; print "parts N
intr 0|1 sessions M" (intr: a part after the first carried
NLM_F_DUMP_INTR) and exit 1 unless the dump came whole in two or more
parts.

family: print the family's id, version and operations (a quick check).

Prints "# ..." diagnostics and exits 1 on any violation.
"""

import argparse
import errno
import os
import random
import re
import select
import socket
import struct
import sys
import time

NETLINK_GENERIC = 16
SOL_NETLINK = 270
SO_RCVBUFFORCE = 33
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_VERSION = 1, 2, 3
CTRL_ATTR_MAXATTR, CTRL_ATTR_OPS = 5, 6
CTRL_ATTR_OP_ID, CTRL_ATTR_OP_FLAGS = 1, 2
GENL_ADMIN_PERM = 0x01
GENL_UNS_ADMIN_PERM = 0x10
# Operations that need CAP_NET_ADMIN, in the initial or the owning user ns
ADMIN_FLAGS = GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM
GENL_CMD_CAP_DO, GENL_CMD_CAP_DUMP = 0x02, 0x04

NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO = 1, 2, 4, 8
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP = 0x300
NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN = 1, 2, 3, 4
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_MISS_TYPE = 1, 2, 5
NLA_F_NESTED, NLA_F_NET_BYTEORDER = 0x8000, 0x4000

UAPI = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                    "include", "uapi", "linux", "natgw.h")

# How each attribute is encoded, by the name it has in the header.
KINDS = {
    "GW_NAME": "str", "GW_IFINDEX": "u32", "GW_IFNAME": "str",
    "GW_VPC_ADDR": "addr", "GW_VPC_PLEN": "u8", "GW_SNAT_PORT_MIN": "u16",
    "GW_SNAT_PORT_MAX": "u16", "GW_STATE": "u8", "GW_ICMP_REPLY": "u8",
    "GW_EIP_ARP": "u8", "GW_PROTECT": "u8", "GW_DESCR": "str",
    "GW_ID": "u32", "FORCE": "flag", "EIP_ADDR": "addr", "EIP_LIST": "list",
    "ENTRY_ID": "u32", "SNAT_SRC_ADDR": "addr", "SNAT_SRC_PLEN": "u8",
    "SNAT_SRC_VPC": "flag", "SNAT_AFFINITY": "u8", "DNAT_PRIV_ADDR": "addr",
    "DNAT_PROTO": "u8", "DNAT_PUB_PORT_MIN": "u16", "DNAT_PUB_PORT_MAX": "u16",
    "DNAT_PRIV_PORT_MIN": "u16", "DNAT_PRIV_PORT_MAX": "u16",
    "DNAT_PORT_OVERRIDE": "flag", "SESS_PROTO": "u8", "SESS_KIND": "u8",
    "SESS_IN_ADDR": "addr", "SESS_IN_PORT": "u16", "SESS_EIP_ADDR": "addr",
    "SESS_EIP_PORT": "u16", "SESS_REM_ADDR": "addr", "SESS_REM_PORT": "u16",
    "SESS_TCP_STATE": "u8", "SESS_TIMEOUT": "u32", "SESS_AGE": "u32",
    "SESS_BYTES_OUT": "u64", "SESS_BYTES_IN": "u64", "SESS_COUNT": "u64",
    "TIMEOUT_UDP": "u32", "TIMEOUT_ICMP": "u32", "TIMEOUT_TCP_SYN": "u32",
    "TIMEOUT_TCP_EST": "u32", "TIMEOUT_TCP_TRANS": "u32", "STATS": "nest",
    "EIP_STATS_LIST": "nest", "SNAT_STATS_LIST": "nest",
    "DNAT_STATS_LIST": "nest", "STATS_ITEM": "nest", "NTF_CMD": "u8",
    "NTF_LOST": "u64", "SESS_START": "u64", "PAD": "pad",
}

# The attributes each command takes (the uapi header's documentation).
GW = ["GW_NAME"]
SESS_FILTER = GW + ["SESS_PROTO", "SESS_IN_ADDR", "SESS_REM_ADDR",
                    "SESS_EIP_ADDR", "SESS_EIP_PORT"]
SNAT = GW + ["ENTRY_ID", "SNAT_SRC_ADDR", "SNAT_SRC_PLEN", "SNAT_SRC_VPC",
             "EIP_LIST", "SNAT_AFFINITY"]
DNAT = GW + ["ENTRY_ID", "EIP_ADDR", "DNAT_PRIV_ADDR", "DNAT_PROTO",
             "DNAT_PUB_PORT_MIN", "DNAT_PUB_PORT_MAX", "DNAT_PRIV_PORT_MIN",
             "DNAT_PRIV_PORT_MAX", "DNAT_PORT_OVERRIDE"]
USES = {
    "GW_NEW": GW + ["GW_IFINDEX", "GW_VPC_ADDR", "GW_VPC_PLEN",
                    "GW_SNAT_PORT_MIN", "GW_SNAT_PORT_MAX", "GW_ICMP_REPLY",
                    "GW_EIP_ARP", "GW_PROTECT", "GW_DESCR"],
    "GW_DEL": GW + ["FORCE"],
    "GW_GET": GW,
    "GW_SET": GW + ["GW_IFINDEX", "GW_ICMP_REPLY", "GW_EIP_ARP",
                    "GW_PROTECT", "GW_DESCR"],
    "EIP_NEW": GW + ["EIP_ADDR"], "EIP_DEL": GW + ["EIP_ADDR", "FORCE"],
    "EIP_GET": GW,
    "SNAT_NEW": SNAT, "SNAT_SET": SNAT, "SNAT_DEL": GW + ["ENTRY_ID"],
    "SNAT_GET": GW,
    "DNAT_NEW": DNAT, "DNAT_SET": DNAT, "DNAT_DEL": GW + ["ENTRY_ID"],
    "DNAT_GET": GW,
    "SESSION_GET": SESS_FILTER, "SESSION_FLUSH": SESS_FILTER,
    "SESSION_COUNT": SESS_FILTER,
    "TIMEOUT_GET": [], "TIMEOUT_SET": ["TIMEOUT_UDP", "TIMEOUT_ICMP",
                                       "TIMEOUT_TCP_SYN", "TIMEOUT_TCP_EST",
                                       "TIMEOUT_TCP_TRANS"],
    "STATS_GET": GW, "QUOTA_GET": [],
}


def diag(msg):
    print("# " + msg, flush=True)


def parse_uapi():
    """enum natgw_cmd and enum natgw_attrs, as {name: number}."""
    with open(UAPI) as f:
        text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)

    def enum(name, prefix):
        body = re.search(r"enum %s\s*{(.*?)}" % name, text, re.S).group(1)
        values, n = {}, 0
        for item in body.split(","):
            m = re.match(r"\s*(\w+)\s*(?:=\s*(\w+))?\s*$", item)
            if not m:
                continue
            if m.group(2):
                n = int(m.group(2), 0)
            if m.group(1).startswith(prefix) and \
               not m.group(1).startswith("__"):
                values[m.group(1)[len(prefix):]] = n
            n += 1
        return values
    return enum("natgw_cmd", "NATGW_CMD_"), enum("natgw_attrs", "NATGW_A_")


def attr(atype, payload):
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * (-len(payload) % 4)


def parse_attrs(data):
    """Yield (type, payload); raise ValueError on a malformed stream."""
    off = 0
    while off < len(data):
        if len(data) - off < 4:
            raise ValueError("truncated attribute header")
        ln, atype = struct.unpack_from("=HH", data, off)
        if ln < 4 or off + ln > len(data):
            raise ValueError("attribute length %d at %d" % (ln, off))
        yield atype, data[off + 4:off + ln]
        off += (ln + 3) & ~3


class Netlink:
    def __init__(self, rcvbuf=None):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        else:
            # room for every answer to a batch, dumps included; root may
            # go past net.core.rmem_max
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE,
                                     8 << 20)
            except OSError:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF,
                                     8 << 20)
        self.overruns = 0
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.bind((0, 0))
        self.seq = random.randrange(1 << 20)

    def close(self):
        self.sock.close()

    def msg(self, family, flags, payload, seq=None):
        self.seq += 1
        seq = self.seq if seq is None else seq
        # the next message of a batch starts at NLMSG_ALIGN(nlmsg_len)
        return struct.pack("=IHHII", 16 + len(payload), family, flags, seq,
                           0) + payload + b"\0" * (-len(payload) % 4), seq

    def send(self, data):
        try:
            self.sock.send(data)
            return True
        except OSError:
            return False

    def recv(self, timeout):
        """All messages that arrive within timeout seconds of each other."""
        out = []
        while select.select([self.sock], [], [], timeout)[0]:
            try:
                # the size of the buffer sets the size of dump messages
                data = self.sock.recv(1 << 15)
            except OSError as e:
                if e.errno == errno.ENOBUFS:	# overrun: answers lost
                    self.overruns += 1
                    continue
                raise
            off = 0
            while off + 16 <= len(data):
                ln, typ, flags, seq, _ = struct.unpack_from("=IHHII", data,
                                                            off)
                if ln < 16 or off + ln > len(data):
                    raise ValueError("malformed netlink message from kernel")
                out.append((typ, flags, seq, data[off + 16:off + ln]))
                off += (ln + 3) & ~3
            timeout = 0
        return out

    def request(self, family, cmd, attrs=b"", flags=NLM_F_ACK):
        data, seq = self.msg(family, NLM_F_REQUEST | flags,
                             struct.pack("=BBH", cmd, 1, 0) + attrs)
        self.send(data)
        replies = []
        while True:
            got = self.recv(5)
            if not got:
                raise TimeoutError("no answer to request %d" % cmd)
            for m in got:
                if m[2] != seq:
                    continue
                replies.append(m)
                if m[0] == NLMSG_DONE or m[0] == NLMSG_ERROR:
                    return replies


def resolve(nl):
    """The natgw family: id, version, and {cmd: op flags}."""
    replies = nl.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                         attr(CTRL_ATTR_FAMILY_NAME, b"natgw\0"))
    for typ, _, _, payload in replies:
        if typ == NLMSG_ERROR:
            err = -struct.unpack_from("=i", payload)[0]
            if err:
                sys.exit("natgw family not found: %s" % os.strerror(err))
            continue
        fam = {"ops": {}}
        for t, v in parse_attrs(payload[4:]):
            if t == CTRL_ATTR_FAMILY_ID:
                fam["id"] = struct.unpack("=H", v)[0]
            elif t == CTRL_ATTR_VERSION:
                fam["version"] = struct.unpack("=I", v)[0]
            elif t == CTRL_ATTR_MAXATTR:
                fam["maxattr"] = struct.unpack("=I", v)[0]
            elif t == CTRL_ATTR_OPS:
                for _, op in parse_attrs(v):
                    d = dict(parse_attrs(op))
                    fam["ops"][struct.unpack("=I", d[CTRL_ATTR_OP_ID])[0]] = \
                        struct.unpack("=I", d[CTRL_ATTR_OP_FLAGS])[0]
        return fam
    sys.exit("no answer from the ctrl family")


class Fuzzer:
    def __init__(self, seed, unprivileged, names):
        self.rnd = random.Random(seed)
        self.cmds, self.attrs = parse_uapi()
        self.byname = {v: k for k, v in self.cmds.items()}
        self.nl = Netlink()
        self.fam = resolve(self.nl)
        self.unpriv = unprivileged
        self.admin = {c for c, f in self.fam["ops"].items()
                      if f & ADMIN_FLAGS}
        self.names = [n.encode() for n in names]
        self.ifindexes = self.local_ifindexes()
        self.attr_names = list(self.attrs)
        self.use_names = list(USES)
        self.make_pools()
        self.failures = {}
        self.errors = {}
        self.sent = 0
        self.answered = 0
        self.overruns = 0
        self.excused = 0	# requests of batches whose answers overran
        self.acked_ok = 0

    @staticmethod
    def local_ifindexes():
        out = []
        for dev in os.listdir("/sys/class/net"):
            with open("/sys/class/net/%s/ifindex" % dev) as f:
                out.append(int(f.read()))
        return out

    def fail(self, what, detail):
        n, ex = self.failures.get(what, (0, detail))
        self.failures[what] = (n + 1, ex)

    # -- values --

    SIZES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8, "addr": 4}

    def make_pools(self):
        """Values worth trying, per kind; value() mixes in random ones."""
        addrs = ["10.0.0.0", "10.0.0.5", "10.0.1.10", "10.0.7.1", "10.1.0.1",
                 "0.0.0.0", "255.255.255.255", "127.0.0.1", "224.0.0.1"] + \
            ["203.0.113.%d" % i for i in range(1, 24)]
        self.pools = {
            "str": self.names + [b"", b"x", b"a" * 31, b"a" * 32, b"a" * 300,
                                 b"help", b"-j", b"gw\0tail",
                                 "\u00e9\u20ac".encode()] +
            [b"gw%d" % i for i in range(8)],
            "u8": [struct.pack("=B", v) for v in (0, 1, 2, 6, 17, 32, 33,
                                                  255)],
            "u16": [struct.pack("=H", v) for v in (0, 1, 80, 1024, 1025,
                                                   65535)],
            "u32": [struct.pack("=I", v) for v in self.ifindexes + [
                0, 1, 2, 3, 100, 604800, 604801, 0x7fffffff, 0xffffffff]],
            "u64": [struct.pack("=Q", v) for v in (0, 1, 1 << 63)],
            "addr": [socket.inet_aton(a) for a in addrs],
        }

    def value(self, kind):
        r = self.rnd
        if kind == "str":
            v = r.choice(self.pools["str"]) if r.random() < 0.9 else \
                r.randbytes(r.randrange(40))
            return v + b"\0" if r.random() < 0.85 else v
        if kind in self.SIZES:
            return r.choice(self.pools[kind]) if r.random() < 0.7 else \
                r.randbytes(self.SIZES[kind])
        if kind == "flag":
            return b""
        if kind == "list":
            return b"".join(attr(self.attrs["EIP_ADDR"], self.value("addr"))
                            for _ in range(r.choice((0, 1, 2, 3, 20, 21, 64))))
        return r.randbytes(r.randrange(24))

    def encode(self, name):
        """One attribute, usually right, sometimes wrong in size or shape."""
        r = self.rnd
        atype = self.attrs.get(name) or r.randrange(1, 80)
        kind = KINDS.get(name, "raw")
        v = self.value(kind)
        roll = r.random()
        if roll < 0.06:
            v = v[:r.randrange(len(v) + 1)]		# short
        elif roll < 0.12:
            v += bytes(r.randrange(1, 9))		# long
        elif roll < 0.14:
            v = r.randbytes(r.choice((300, 4000)))
        elif roll < 0.18:				# nested garbage
            atype |= NLA_F_NESTED
            v = attr(r.randrange(80), self.value("raw")) + \
                r.randbytes(r.randrange(8))
        elif roll < 0.20:
            atype |= NLA_F_NET_BYTEORDER
        if kind == "list" and roll > 0.2:
            atype |= NLA_F_NESTED if r.random() < 0.9 else 0
        return attr(atype, v)

    # -- messages --

    def header(self, cmd):
        r = self.rnd
        version = 1 if r.random() < 0.9 else r.randrange(256)
        reserved = 0 if r.random() < 0.95 else r.randrange(1, 65536)
        return struct.pack("=BBH", cmd, version, reserved)

    def flags(self, cmd):
        r = self.rnd
        f = NLM_F_REQUEST | NLM_F_ACK
        name = self.byname.get(cmd, "")
        if name.endswith("_GET") and r.random() < 0.7 or r.random() < 0.05:
            f |= NLM_F_DUMP
        if r.random() < 0.05:
            f |= r.randrange(1 << 16) & ~NLM_F_REQUEST
        return f

    def structured(self):
        r = self.rnd
        name = r.choice(self.use_names)
        cmd = self.cmds[name]
        body = []
        for a in USES[name]:
            if r.random() < 0.75:
                body.append(self.encode(a))
            if r.random() < 0.05:
                body.append(self.encode(a))		# duplicated
        if r.random() < 0.1:				# not this command's
            body.append(self.encode(r.choice(self.attr_names)))
        if r.random() < 0.03:
            body.append(attr(0, b"zero"))
        r.shuffle(body)
        return cmd, self.flags(cmd), self.header(cmd) + b"".join(body)

    def random_msg(self):
        r = self.rnd
        cmd = r.choice((r.randrange(256), r.randrange(len(self.cmds) + 2)))
        body = b"".join(self.encode(r.choice(self.attr_names))
                        for _ in range(r.randrange(6)))
        return cmd, self.flags(cmd), self.header(cmd) + body

    def mutated(self):
        r = self.rnd
        cmd, flags, payload = self.structured()
        p = bytearray(payload)
        for _ in range(r.randint(1, 4)):
            op = r.randrange(4)
            if op == 0 and p:
                p[r.randrange(len(p))] ^= 1 << r.randrange(8)
            elif op == 1 and len(p) > 4:			# an nla_len
                i = 4 + (r.randrange(len(p) - 4) & ~3)
                if i + 2 <= len(p):
                    p[i:i + 2] = struct.pack("=H", r.randrange(65536))
            elif op == 2:
                del p[r.randrange(len(p) + 1):]
            else:
                p += r.randbytes(r.randrange(12))
        return p[0] if p else cmd, flags, bytes(p)

    def valid_setup(self):
        """A few objects for SET and DEL to find (root only)."""
        out = []
        a = self.attrs
        ifi = self.rnd.choice(self.ifindexes)
        for i, name in enumerate(self.names[:3]):
            n = attr(a["GW_NAME"], name + b"\0")
            out.append((self.cmds["GW_NEW"], n + attr(
                a["GW_IFINDEX"], struct.pack("=I", ifi)) + attr(
                a["GW_VPC_ADDR"], socket.inet_aton("10.%d.0.0" % i)) + attr(
                a["GW_VPC_PLEN"], b"\x10")))
            for k in range(3):
                out.append((self.cmds["EIP_NEW"], n + attr(
                    a["EIP_ADDR"], socket.inet_aton("203.0.113.%d" %
                                                   (1 + 6 * i + k)))))
            lst = attr(a["EIP_ADDR"], socket.inet_aton("203.0.113.%d" %
                                                      (1 + 6 * i)))
            out.append((self.cmds["SNAT_NEW"], n + attr(
                a["SNAT_SRC_VPC"], b"") + attr(a["EIP_LIST"] | NLA_F_NESTED,
                                               lst)))
            out.append((self.cmds["DNAT_NEW"], n + attr(
                a["EIP_ADDR"], socket.inet_aton("203.0.113.%d" %
                                                (2 + 6 * i))) + attr(
                a["DNAT_PRIV_ADDR"], socket.inet_aton("10.%d.0.9" % i)) +
                attr(a["DNAT_PROTO"], b"\x06") +
                attr(a["DNAT_PUB_PORT_MIN"], struct.pack("=H", 80)) +
                attr(a["DNAT_PUB_PORT_MAX"], struct.pack("=H", 80)) +
                attr(a["DNAT_PRIV_PORT_MIN"], struct.pack("=H", 8080)) +
                attr(a["DNAT_PRIV_PORT_MAX"], struct.pack("=H", 8080))))
        for cmd, body in out:
            data, _ = self.nl.msg(self.fam["id"], NLM_F_REQUEST | NLM_F_ACK,
                                  struct.pack("=BBH", cmd, 1, 0) + body)
            self.nl.send(data)
        self.nl.recv(0.2)

    # -- checking --

    def check(self, sent, replies):
        """sent: {seq: (cmd, flags, payload)}; replies from the kernel."""
        for typ, flags, seq, payload in replies:
            req = sent.get(seq)
            if req is None:
                continue
            if typ in (NLMSG_ERROR, NLMSG_DONE):
                self.answered += 1
            cmd = req[0]
            if typ == NLMSG_ERROR:
                self.check_error(cmd, req, payload)
            elif typ == NLMSG_DONE:
                if len(payload) >= 4:
                    err = -struct.unpack_from("=i", payload)[0]
                    if err < 0 or err > 133:
                        self.fail("dump ended with a kernel-internal errno",
                                  "%s: %d" % (self.cmdname(cmd), err))
            elif typ == self.fam["id"]:
                if self.unpriv and cmd in self.admin:
                    self.fail("an unprivileged request got data back",
                              self.cmdname(cmd))
                try:
                    list(parse_attrs(payload[4:]))
                except ValueError as e:
                    self.fail("malformed reply attributes",
                              "%s: %s" % (self.cmdname(cmd), e))
            elif typ not in (NLMSG_NOOP, NLMSG_OVERRUN):
                self.fail("unexpected message type", "%d" % typ)

    def cmdname(self, cmd):
        return self.byname.get(cmd, str(cmd))

    def check_error(self, cmd, req, payload):
        err = -struct.unpack_from("=i", payload)[0]
        key = errno.errorcode.get(err, str(err))
        self.errors[key] = self.errors.get(key, 0) + 1
        what = "%s %s" % (self.cmdname(cmd), req[2][:64].hex())
        if err < 0 or err > 133:
            self.fail("kernel-internal errno %d" % err, what)
            return
        if err == 0:
            self.acked_ok += 1
            if self.unpriv and cmd in self.admin:
                self.fail("an unprivileged change was accepted", what)
            return
        # genetlink checks the header (EINVAL, with a message) before the
        # permission
        if self.unpriv and cmd in self.admin and \
           err not in (errno.EPERM, errno.EINVAL):
            self.fail("an unprivileged change was refused, but not EPERM",
                      "%s: %s" % (what, key))
        # genetlink's own refusals carry no message (a missing or unknown
        # command, no permission, a dump while one runs, an overrun);
        # natgw's must
        if err in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOBUFS) or \
           err == errno.EBUSY and req[1] & NLM_F_DUMP == NLM_F_DUMP or \
           len(req[2]) < 4 or cmd not in self.fam["ops"]:
            return
        if not self.explained(payload):
            self.fail("%s refused with %s and no extack" %
                      (self.cmdname(cmd), key), what)

    @staticmethod
    def explained(payload):
        """The refusal says why: a message, the offending attribute, or the
        missing one.  With CAP_ACK the error code and the request's 16-byte
        header come first, then the extack TLVs."""
        try:
            tlvs = dict(parse_attrs(payload[20:]))
        except ValueError:
            return False
        return len(tlvs.get(NLMSGERR_ATTR_MSG, b"")) > 1 or \
            NLMSGERR_ATTR_OFFS in tlvs or NLMSGERR_ATTR_MISS_TYPE in tlvs

    # -- the run --

    def batch(self):
        r = self.rnd
        sent = {}
        data = b""
        for _ in range(r.randint(1, 16)):
            roll = r.random()
            if roll < 0.2:
                cmd, flags, payload = self.random_msg()
            elif roll < 0.7:
                cmd, flags, payload = self.structured()
            else:
                cmd, flags, payload = self.mutated()
            m, seq = self.nl.msg(self.fam["id"], flags, payload)
            sent[seq] = (cmd, flags, payload)
            data += m
            self.sent += 1
        if r.random() < 0.02:			# a broken netlink header
            data += struct.pack("=IHHII", r.randrange(20), self.fam["id"],
                                NLM_F_REQUEST, 0, 0)
        self.nl.send(data)
        return sent

    def alive(self):
        """The family still answers on this socket."""
        replies = self.nl.request(self.fam["id"], self.cmds["QUOTA_GET"])
        return any(t == NLMSG_ERROR and
                   struct.unpack_from("=i", p)[0] == 0 for t, _, _, p in
                   replies)

    def run(self, count):
        start = time.time()
        while self.sent < count:
            if not self.unpriv and self.rnd.random() < 0.01:
                self.valid_setup()
            sent = self.batch()
            overruns = self.nl.overruns
            got = self.nl.recv(0.05 if self.rnd.random() < 0.9 else 0.3)
            self.check(sent, got)
            missing = len(set(sent) - {m[2] for m in got
                                       if m[0] in (NLMSG_ERROR, NLMSG_DONE)})
            if missing > 0 and self.nl.overruns != overruns:
                # the socket overran: these answers may be what was lost
                self.excused += missing
            elif missing > 0:
                self.fail("requests without an answer",
                          "%d of a batch of %d" % (missing, len(sent)))
            if self.rnd.random() < 0.03:
                # abandon whatever dump is under way, with the socket
                self.overruns += self.nl.overruns
                self.nl.close()
                self.nl = Netlink()
            elif self.rnd.random() < 0.1 and not self.alive():
                self.fail("the family stopped answering", "")
                self.nl.close()
                self.nl = Netlink()
        self.nl.recv(0.3)
        if not self.alive():
            self.fail("the family does not answer after the run", "")
        self.overruns += self.nl.overruns
        # every request asks for an answer; only an overrun may lose some,
        # and only in the batch whose answers it hit (checked in the loop)
        diag("%d messages%s in %.0f s, %d answered (%d overruns, %d "
             "unanswered in batches that overran): errors %s, %d accepted" % (
            self.sent, " (unprivileged)" if self.unpriv else "",
            time.time() - start, self.answered, self.overruns, self.excused,
            " ".join("%s=%d" % kv for kv in sorted(self.errors.items())),
            self.acked_ok))
        for what, (n, ex) in sorted(self.failures.items()):
            diag("FAIL %s: %d times, e.g. %s" % (what, n, ex))
        return not self.failures


def dumps(count, seed):
    rnd = random.Random(seed)
    fam = resolve(Netlink())
    privileged = os.geteuid() == 0
    dumpers = [c for c, f in fam["ops"].items() if f & GENL_CMD_CAP_DUMP]
    started = cut = busy = 0
    bad = []
    for _ in range(count):
        nl = Netlink(rcvbuf=rnd.choice((0, 1, 2048)) or None)
        cmd = rnd.choice(dumpers)
        data, _ = nl.msg(fam["id"], NLM_F_REQUEST | NLM_F_DUMP,
                         struct.pack("=BBH", cmd, 1, 0))
        nl.send(data)
        started += 1
        if rnd.random() < 0.3:			# a second dump, same socket
            data, _ = nl.msg(fam["id"], NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK,
                             struct.pack("=BBH", rnd.choice(dumpers), 1, 0))
            nl.send(data)
            busy += 1
        if rnd.random() < 0.5:
            try:
                data = nl.sock.recv(rnd.choice((16, 4096)))
                cut += 1
                # what came is a message of the family or a plain error
                if len(data) >= 16:
                    typ = struct.unpack_from("=H", data, 4)[0]
                    if typ in (NLMSG_ERROR, NLMSG_DONE) and len(data) >= 20:
                        err = -struct.unpack_from("=i", data, 16)[0]
                        if err < 0 or err > 133:
                            bad.append("%d: errno %d" % (cmd, err))
                    elif typ not in (fam["id"], NLMSG_ERROR, NLMSG_DONE):
                        bad.append("%d: message type %d" % (cmd, typ))
            except OSError:
                pass
        nl.close()
    # after all that, each kind of dump still runs to its end
    whole = 0
    for cmd in sorted(dumpers):
        nl = Netlink()
        try:
            replies = nl.request(fam["id"], cmd, flags=NLM_F_DUMP)
        except TimeoutError as e:
            bad.append("%d: whole dump: %s" % (cmd, e))
            continue
        finally:
            nl.close()
        last = replies[-1]
        err = -struct.unpack_from("=i", last[3])[0] if len(last[3]) >= 4 else 0
        # reads of traffic (sessions, stats) need CAP_NET_ADMIN: refused,
        # with nothing before the refusal, for anyone else
        want = errno.EPERM if fam["ops"][cmd] & ADMIN_FLAGS and \
            not privileged else 0
        if last[0] not in (NLMSG_DONE, NLMSG_ERROR) or err != want or \
                (want and len(replies) != 1):
            bad.append("%d: whole dump ended with type %d, errno %d (%d "
                       "messages), want errno %d" %
                       (cmd, last[0], err, len(replies), want))
        else:
            whole += 1
    nl = Netlink()
    replies = nl.request(fam["id"], parse_uapi()[0]["QUOTA_GET"])
    if not any(t == NLMSG_ERROR and struct.unpack_from("=i", p)[0] == 0
               for t, _, _, p in replies):
        bad.append("the family does not answer QUOTA_GET")
    diag("%d dumps abandoned (%d after one read), %d second dumps; then "
         "%d of %d kinds of dump ran whole" %
         (started, cut, busy, whole, len(dumpers)))
    for b in bad[:10]:
        diag("FAIL dumps: %s" % b)
    return not bad and whole == len(dumpers) > 0


def pausedump(cmd):
    """A session dump paused after its first part while CMD runs."""
    import subprocess
    cmds, _ = parse_uapi()
    fam = resolve(Netlink())
    nl = Netlink()
    data, seq = nl.msg(fam["id"], NLM_F_REQUEST | NLM_F_DUMP,
                       struct.pack("=BBH", cmds["SESSION_GET"], 1, 0))
    nl.send(data)
    parts = sessions = intr = 0
    done = False
    while not done:
        if not select.select([nl.sock], [], [], 10)[0]:
            diag("FAIL the dump stalled after %d parts" % parts)
            return 1
        data = nl.sock.recv(1 << 15)
        parts += 1
        off = 0
        while off + 16 <= len(data):
            ln, typ, flags, mseq, _ = struct.unpack_from("=IHHII", data, off)
            if ln < 16:
                break
            if mseq == seq:
                if flags & NLM_F_DUMP_INTR and parts > 1:
                    intr = 1
                if typ == NLMSG_DONE:
                    done = True
                elif typ == NLMSG_ERROR:
                    diag("FAIL the dump ended with an error")
                    return 1
                elif typ == fam["id"]:
                    sessions += 1
            off += (ln + 3) & ~3
        if parts == 1 and not done:
            rc = subprocess.call(cmd)
            if rc:
                diag("FAIL %s: exit %d" % (" ".join(cmd), rc))
                return 1
    print("parts %d intr %d sessions %d" % (parts, intr, sessions))
    return 0 if parts >= 2 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fuzz")
    f.add_argument("count", type=int)
    f.add_argument("--seed", type=int, default=1)
    f.add_argument("--unprivileged", action="store_true")
    f.add_argument("--names", default="gw1,gw2,gw3")
    d = sub.add_parser("dumps")
    d.add_argument("count", type=int)
    d.add_argument("--seed", type=int, default=1)
    sub.add_parser("family")
    p = sub.add_parser("pausedump")
    p.add_argument("change", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if args.cmd == "pausedump":
        sys.exit(pausedump(args.change))
    if args.cmd == "family":
        fam = resolve(Netlink())
        cmds, _ = parse_uapi()
        byname = {v: k for k, v in cmds.items()}
        print("natgw: id %d version %d maxattr %d" % (
            fam["id"], fam["version"], fam["maxattr"]))
        for c, fl in sorted(fam["ops"].items()):
            print("op %s flags 0x%x%s" % (byname.get(c, c), fl,
                                          " admin" if fl & ADMIN_FLAGS
                                          else ""))
        return
    if args.cmd == "dumps":
        sys.exit(0 if dumps(args.count, args.seed) else 1)
    fz = Fuzzer(args.seed, args.unprivileged, args.names.split(","))
    diag("seed %d, %d messages, family id %d, %d ops (%d admin)" % (
        args.seed, args.count, fz.fam["id"], len(fz.fam["ops"]),
        len(fz.admin)))
    sys.exit(0 if fz.run(args.count) else 1)


if __name__ == "__main__":
    main()
