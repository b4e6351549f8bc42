# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for natgw's kselftest-style tests, sourced by selftests/natgw_*.sh:
#
#	source "$(dirname "$0")/lib.sh"
#
#	test_add()
#	{
#		n1 ip link add d0 type dummy
#		expect_rc 0 natctl -n "$ns1" gateway add gw1 dev d0 vpc 10.0.0.0/16
#		expect_match "$out" '^gw1 dev d0 vpc 10\.0\.0\.0/16 '
#	}
#
#	require_root
#	natgw_load
#	ns_add 1
#	ksft_plan 1
#	ksft_run gateway_add test_add
#	ksft_finish
#
# Output is KTAP ("KTAP version 1", the plan "1..N", then "ok N name" or
# "not ok N name" per subtest; "# " lines are diagnostics).  A failing
# subtest's output is printed as diagnostics just above its result line.
# The exit status is kselftest's: 0 passed, 1 failed, 4 (KSFT_SKIP) skipped.
#
# Each subtest is a function run by ksft_run in a subshell with errexit and
# pipefail: the first command or assertion that fails ends the subtest and
# its location is reported.  Shell variables set in a subtest do not outlive
# it; namespaces and kernel state do, until cleanup.  A subtest is skipped
# only by its own decision, ksft_skip REASON; any other exit status 4 fails
# it.  The script's setup runs under ksft_setup FUNCTION, which checks
# every step in the same way and fails the script at the first that fails.
#
# The repository is seen at the same path inside the VM as on the host, so
# NATCTL and NATGW_KO point into the tree whichever side runs the test.
#
# Scripts that pass traffic build their topology, mostly with the topo_
# helpers, and define nat(), natctl in the namespace of the router that
# holds the gateway; the helpers at the end use it.  They start servers and
# clients in namespaces (serve, query), read what the servers saw
# (expect_peer, peer_port), count packets with nft (count_in, counted) and
# give each subtest a fresh gateway gw1 on the router's device ext0
# (gw_setup, gw_stat).  Processes started with spawn end with the subtest
# that started them, or with the script.

NATGW_REPO=${NATGW_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
NATCTL=${NATCTL:-$NATGW_REPO/tools/natctl/natctl}
NATGW_KO=${NATGW_KO:-$NATGW_REPO/kmod/natgw.ko}
PYTHON=${PYTHON:-/usr/bin/python3}	# Debian's, which has scapy

readonly KSFT_PASS=0 KSFT_FAIL=1 KSFT_SKIP=4

ksft_num=0
ksft_planned=
ksft_pass=0
ksft_fail=0
ksft_skip=0
ksft_tmp=$(mktemp -d) || exit "$KSFT_FAIL"

# Namespaces carry the PID, so that concurrent runs cannot collide and
# cleanup removes exactly what this script made (as WireGuard's netns.sh).
ns_prefix=natgw-$$
ns1=$ns_prefix-1
ns2=$ns_prefix-2
ns3=$ns_prefix-3
ns4=$ns_prefix-4

n1() { ip netns exec "$ns1" "$@"; }
n2() { ip netns exec "$ns2" "$@"; }
n3() { ip netns exec "$ns3" "$@"; }
n4() { ip netns exec "$ns4" "$@"; }

natctl() { "$NATCTL" "$@"; }

# nobody_in NS PROGRAM [ARG...]: run PROGRAM in namespace NS as user nobody,
# with no capabilities and no supplementary groups.
nobody_in()
{
	local ns=$1

	shift
	ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# nobody_copy PATH...: copy these files of the repository (paths relative
# to it) to $ksft_tmp/pub, laid out as in the repository, where user nobody
# can read and run them wherever the repository is (/root is 0700).
nobody_copy()
{
	local rel

	chmod 711 "$ksft_tmp"
	for rel; do
		install -D -m 755 "$NATGW_REPO/$rel" "$ksft_tmp/pub/$rel" || return
	done
	chmod -R a+rX "$ksft_tmp/pub"
}

# Diagnostics that should appear even when the subtest passes.
exec 3>&1
ksft_diag() { echo "# $*" >&3; }

# ns_add I...: create namespace $nsI with its loopback up.
ns_add()
{
	local i

	for i; do
		ip netns add "$ns_prefix-$i" || return
		ip -n "$ns_prefix-$i" link set lo up || return
	done
}

ns_del_all()
{
	local ns

	for ns in $(ip netns list 2>/dev/null | cut -d ' ' -f 1); do
		[[ $ns == "$ns_prefix"-* ]] && ip netns del "$ns"
	done
}

# Topology.  The scripts that pass traffic draw theirs in their header; it
# is built of these pieces: VPC hosts with an eth0 each, a router whose VPC
# side is 10.0.1.1/24 and whose device ext0, 198.51.100.1/24, faces the
# Internet, and the Internet host inet, 198.51.100.2/24, which routes the
# EIPs (203.0.113.0/24) back to the router.  The veth pairs come first (in
# the script, or in topo_basic): both ends must exist before either side is
# configured.  topo_host and topo_router configure a namespace with one ip
# batch each, as under TCG every program started costs much.  The helpers
# return non-zero if a step failed.

# topo_host NS ADDR/LEN GATEWAY [DEST]: bring up host NS's eth0 with
# ADDR/LEN, and route DEST (default: everything) via GATEWAY.
topo_host()
{
	ip -n "$1" -b - <<-EOF
		link set eth0 up
		addr add $2 dev eth0
		route add ${4:-default} via $3
	EOF
}

# topo_router NS GATEWAY VPCDEV...: make NS the router.  Its VPC side,
# 10.0.1.1/24, is VPCDEV or, given several, a bridge br0 of them; its
# Internet side is ext0, 198.51.100.1/24, with the default route via
# GATEWAY.  It forwards.
topo_router()
{
	local ns=$1 gw=$2 vpc=$3 bridge='' ports='' dev

	shift 2
	if (($# > 1)); then
		vpc=br0
		bridge="link add br0 type bridge"
		for dev; do
			ports+="link set $dev master br0"$'\n'"link set $dev up"$'\n'
		done
	fi
	# Empty lines (no bridge) are no command to ip -b.
	ip -n "$ns" -b - <<-EOF || return
		$bridge
		link set $vpc up
		addr add 10.0.1.1/24 dev $vpc
		$ports
		link set ext0 up
		addr add 198.51.100.1/24 dev ext0
		route add default via $gw
	EOF
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
}

# topo_basic H R I: the simplest topology, in namespaces H, R and I
# (numbers, as for ns_add), which it creates:
#
#  H h1                    R router                           I inet
#  eth0 10.0.1.10/24 ───── vh1 10.0.1.1/24
#  default via .1          ext0 198.51.100.1/24 ──────────── eth0 198.51.100.2/24
#                                                             203.0.113.0/24 via .1
topo_basic()
{
	local h=$ns_prefix-$1 r=$ns_prefix-$2 i=$ns_prefix-$3

	ns_add "$1" "$2" "$3" || return
	ip -b - <<-EOF || return
		link add eth0 netns $h type veth peer name vh1 netns $r
		link add ext0 netns $r type veth peer name eth0 netns $i
	EOF
	topo_host "$h" 10.0.1.10/24 10.0.1.1 || return
	topo_router "$r" 198.51.100.2 vh1 || return
	topo_host "$i" 198.51.100.2/24 198.51.100.1 203.0.113.0/24
}

# spawn [-o FILE] NS CMD [ARG...]: run CMD in NS in the background until the
# subtest (or, outside subtests, the script) ends.  Its output is discarded;
# with -o its standard output goes to FILE and its errors to the caller's.
# It does not get descriptor 3, a copy of the script's output, which would
# keep run.sh waiting for its end if it outlived the script.
spawn()
{
	if [[ $1 == -o ]]; then
		ip netns exec "${@:3}" >"$2" 3>&- &
	else
		ip netns exec "$@" >/dev/null 2>&1 3>&- &
	fi
	echo "$!" >>"$ksft_tmp/pids.$BASHPID"
	# A subtest is a subshell: its EXIT trap is its own.
	[[ $BASHPID != "$$" ]] && trap reap EXIT
	return 0
}

# Kill what this shell spawned.  Each shell keeps its own list, so that a
# subtest ends only its processes.  One that has ended already is no
# failure (a subtest runs under errexit, and this is its EXIT trap).
reap()
{
	local pids=$ksft_tmp/pids.$BASHPID pid

	[[ -s $pids ]] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
	done <"$pids"
	wait 2>/dev/null || true
	rm -f "$pids"
}

# The script's background processes go first, while the namespaces they
# run in still exist; a script that needs more teardown defines
# test_cleanup, which runs next.
cleanup()
{
	reap
	declare -F test_cleanup >/dev/null && test_cleanup
	ns_del_all
	rm -rf "$ksft_tmp"
}
trap cleanup EXIT
# A timeout (run.sh) or ^C must still clean up: make them a normal exit.
trap 'exit 143' TERM
trap 'exit 130' INT

ksft_plan()
{
	ksft_planned=$1
	echo "KTAP version 1"
	echo "1..$1"
}

# Skip the whole script (before or instead of its subtests), giving the
# reason.  The "# SKIP" line is what tells run.sh that exit status 4 is a
# decision and not some tool's status; subtests planned but not run are
# counted as skipped by run.sh, which names them.
ksft_exit_skip()
{
	echo "# SKIP $*"
	[[ -n $ksft_planned ]] &&
		echo "# SKIP $((ksft_planned - ksft_num)) of $ksft_planned planned subtests not run"
	exit "$KSFT_SKIP"
}

# Inside a subtest: skip it, giving the reason.  It leaves a mark for
# ksft_run: only a subtest that called ksft_skip is skipped, whereas a
# command that happens to exit with status 4 fails it like any other.
ksft_skip()
{
	echo "$*"
	echo "$*" >"$ksft_tmp/skipped"
	exit "$KSFT_SKIP"
}

# ksft_setup FUNCTION [ARG...]: run the script's setup, every step of it
# checked (as a subtest's are), before the plan.  The first step that fails
# ends the script as failed, saying where.  Call it as a command of its
# own, never on the left of || or &&, where bash ignores errexit.
ksft_setup()
{
	local log=$ksft_tmp/setup.log rc

	(
		set -eE -o pipefail
		sub=$BASHPID
		trap 'ksft_rc=$?; [[ $BASHPID == "$sub" ]] &&
			ksft_errtrap $ksft_rc "$BASH_COMMAND"' ERR
		"$@"
	) >"$log" 2>&1 </dev/null
	rc=$?
	((rc == 0)) && return 0
	sed 's/^/# /' "$log"
	echo "# setup failed: $* (exit $rc)"
	exit "$KSFT_FAIL"
}

# Where a subtest failed: the innermost frame outside this file, and the
# command unless it was an assertion's return (which has had its say).  A
# command that failed inside one of this file's helpers is named with the
# helper, as the line given is the helper's caller.  Of a command with a
# here-document, its first line is enough.
ksft_errtrap()
{
	local rc=$1 cmd=${2%%$'\n'*} i where

	for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
		[[ ${BASH_SOURCE[i]} == "${BASH_SOURCE[0]}" ]] && continue
		where="failed at ${BASH_SOURCE[i]##*/}:${BASH_LINENO[i - 1]}"
		((i == 1)) || where+=" in ${FUNCNAME[i - 1]}"
		if [[ $cmd != return* ]]; then
			echo "$where: $cmd (exit $rc)"
		else
			echo "$where"
		fi
		return
	done
}

# ksft_run NAME FUNCTION [ARG...]: run one subtest and print its result.
ksft_run()
{
	local name=$1 log=$ksft_tmp/subtest.log rc

	shift
	rm -f "$ksft_tmp/skipped"
	(
		set -eE -o pipefail
		# errtrace also hands the trap to command substitutions, whose
		# failures are the caller's to judge: report only this shell's.
		sub=$BASHPID
		ksft_rc=0
		trap 'ksft_rc=$?; [[ $BASHPID == "$sub" ]] &&
			ksft_errtrap $ksft_rc "$BASH_COMMAND"' ERR
		"$@"
	) >"$log" 2>&1 </dev/null
	rc=$?
	ksft_num=$((ksft_num + 1))
	case $rc in
	0)
		ksft_pass=$((ksft_pass + 1))
		echo "ok $ksft_num $name"
		;;
	*)
		if ((rc == KSFT_SKIP)) && [[ -e $ksft_tmp/skipped ]]; then
			ksft_skip=$((ksft_skip + 1))
			echo "ok $ksft_num $name # SKIP $(head -n 1 "$ksft_tmp/skipped")"
			return
		fi
		ksft_fail=$((ksft_fail + 1))
		sed 's/^/# /' "$log"
		((rc == KSFT_SKIP)) &&
			echo "# exit status 4 without ksft_skip: a failure, not a skip"
		echo "not ok $ksft_num $name"
		;;
	esac
}

# Print the totals and exit with the script's kselftest status.
ksft_finish()
{
	if [[ -n $ksft_planned ]] && ((ksft_num != ksft_planned)); then
		echo "# planned $ksft_planned subtests, ran $ksft_num"
		ksft_fail=$((ksft_fail + 1))
	fi
	echo "# Totals: pass:$ksft_pass fail:$ksft_fail skip:$ksft_skip"
	((ksft_fail)) && exit "$KSFT_FAIL"
	((ksft_pass == 0 && ksft_skip)) && exit "$KSFT_SKIP"
	exit "$KSFT_PASS"
}

require_root()
{
	[[ $(id -u) == 0 ]] || ksft_exit_skip "must run as root"
}

require_cmd()
{
	local c

	for c; do
		command -v "$c" >/dev/null || ksft_exit_skip "$c not installed"
	done
}

# Load natgw.ko from the tree after the modules it needs: insmod resolves
# no dependencies, and natgw.ko is not in /lib/modules for modprobe to find.
natgw_insmod()
{
	local dep

	for dep in $(modinfo -F depends "$NATGW_KO" | tr , ' '); do
		modprobe "$dep" || return
	done
	insmod "$NATGW_KO"
}

# Load natgw.ko unless a natgw module is loaded already.
natgw_load()
{
	local err

	[[ -d /sys/module/natgw ]] && return 0
	[[ -f $NATGW_KO ]] || ksft_exit_skip "$NATGW_KO not built (make module)"
	if ! err=$(natgw_insmod 2>&1); then
		echo "# insmod $NATGW_KO: $err"
		exit "$KSFT_FAIL"
	fi
}

# What natgw holds, for checks that it returns to a baseline: "gateways G
# sessions S", summed over the initial namespace and every named one.
natgw_holds()
{
	local ns g=0 s=0 out n

	for ns in "" $(ip netns list 2>/dev/null | cut -d ' ' -f 1); do
		out=$(natctl ${ns:+-n "$ns"} -j gateway show) || return
		n=$(grep -o '"name":' <<<"$out" | wc -l)
		g=$((g + n))
		n=$(natctl ${ns:+-n "$ns"} session count) || return
		s=$((s + n))
	done
	echo "gateways $g sessions $s"
}

# Objects in use in the slab cache of natgw's sessions, after it gave
# back what per-CPU slabs kept (shrink).  SLUB may share the cache with
# another of the same size (the VM boots with slab_nomerge, so that it does
# not): compare with a baseline, allowing SESSION_SLAB_SLACK.  Fails if the
# cache is not there.
session_slab()
{
	local d=/sys/kernel/slab/natgw_session

	[[ -r $d/objects ]] || { echo "no $d/objects" >&2; return 1; }
	[[ -w $d/shrink ]] && echo 1 >"$d/shrink"
	cut -d ' ' -f 1 "$d/objects"
}
# shellcheck disable=SC2034 # used by the scripts
SESSION_SLAB_SLACK=$((2 * $(nproc) * 64))

# wait_until SECONDS CMD [ARG...]: poll CMD every 0.1 s until it succeeds;
# fail (saying so, with the last attempt's stderr) if it has not after
# SECONDS.  A command that is not there (status 127) will not appear by
# waiting: that fails at once, so a misspelt name reads as what it is.
wait_until()
{
	local secs=$1 deadline=$((SECONDS + $1)) err=$ksft_tmp/wait.$BASHPID rc

	shift
	while :; do
		"$@" >/dev/null 2>"$err" && return 0
		rc=$?
		((rc != 127)) || break
		((SECONDS < deadline)) || break
		sleep 0.1
	done
	if ((rc == 127)); then
		echo "not found (exit 127): $*"
	else
		echo "still false after ${secs}s: $*"
	fi
	[[ -s $err ]] && sed 's/^/stderr: /' "$err"
	return 1
}

# capture CMD [ARG...]: run CMD; leave its exit status in $rc, its stdout in
# $out and its stderr in $err.  Never fails itself.
capture()
{
	"$@" >"$ksft_tmp/out" 2>"$ksft_tmp/err" && rc=0 || rc=$?
	out=$(<"$ksft_tmp/out")
	err=$(<"$ksft_tmp/err")
	return 0
}

# Assertions: on failure they say what was expected and return 1, which
# ends the subtest.

expect_rc()
{
	local want=$1

	shift
	capture "$@"
	((rc == want)) && return 0
	echo "expected exit status $want, got $rc: $*"
	[[ -n $out ]] && echo "stdout: $out"
	[[ -n $err ]] && echo "stderr: $err"
	return 1
}

# expect_fail CMD [ARG...]: CMD exits with any non-zero status.
expect_fail()
{
	capture "$@"
	((rc != 0)) && return 0
	echo "expected failure, got success: $*"
	[[ -n $out ]] && echo "stdout: $out"
	return 1
}

expect_eq()
{
	[[ $1 == "$2" ]] && return 0
	echo "${3:-value}: expected '$2', got '$1'"
	return 1
}

# expect_match TEXT ERE [WHAT]: some line of TEXT matches ERE.
expect_match()
{
	grep -qE -- "$2" <<<"$1" && return 0
	echo "${3:-output} does not match /$2/:"
	echo "$1"
	return 1
}

expect_nomatch()
{
	grep -qE -- "$2" <<<"$1" || return 0
	echo "${3:-output} unexpectedly matches /$2/:"
	echo "$1"
	return 1
}

# expect_contains TEXT STRING [WHAT]: TEXT contains STRING, literally.
expect_contains()
{
	[[ $1 == *"$2"* ]] && return 0
	echo "${3:-output} does not contain '$2':"
	echo "$1"
	return 1
}

# expect_lines N TEXT [WHAT]: TEXT has exactly N lines (0 for empty).
expect_lines()
{
	local n=0

	[[ -n $2 ]] && n=$(wc -l <<<"$2")
	((n == $1)) && return 0
	echo "${3:-output}: expected $1 lines, got $n:"
	echo "$2"
	return 1
}

# expect_json TEXT EXPR...: TEXT parses as JSON and each Python expression
# EXPR, over the parsed document d, is true.  One interpreter checks them
# all: under TCG each start of Python costs about a second.
expect_json()
{
	local msg

	msg=$("$PYTHON" -c '
import json, sys
try:
	d = json.loads(sys.argv[1])
except ValueError as e:
	sys.exit("not JSON (%s)" % e)
for expr in sys.argv[2:]:
	try:
		ok = eval(expr)
	except Exception as e:
		ok = False
		expr += " (%s: %s)" % (type(e).__name__, e)
	if not ok:
		sys.exit("JSON does not satisfy: " + expr)
' "$@" 2>&1) && return 0
	echo "$msg"
	echo "$1"
	return 1
}

# Traffic.  What follows uses nat(), which the script defines.

# The servers: one process answering every TCP connection and UDP datagram
# on the given ports with "PEERADDR-PEERPORT SERVERPORT".  It creates READY
# once it listens.
serve_py='
import select, socket, sys
ready, specs = sys.argv[1], sys.argv[2:]
socks = {}
for spec in specs:
	proto, port = spec.split(":")
	kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
	s = socket.socket(socket.AF_INET, kind)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind(("", int(port)))
	if kind == socket.SOCK_STREAM:
		s.listen(64)
	socks[s] = ("%s-%d " + port + "\n", kind)
open(ready, "w").close()
while True:
	for s in select.select(list(socks), [], [])[0]:
		answer, kind = socks[s]
		try:
			if kind == socket.SOCK_STREAM:
				c, peer = s.accept()
				c.send((answer % peer).encode())
				c.close()
			else:
				peer = s.recvfrom(2048)[1]
				s.sendto((answer % peer).encode(), peer)
		except OSError:
			pass
'

# The client: COUNT sockets (default 1) from source port SPORT (default: an
# ephemeral one), each talking to every port of PORTS in turn, printing the
# server's one-line answer or "error ERRNO".  A UDP socket re-connects to
# each port, keeping its local port.  All sockets stay open to the end, so
# they hold distinct source ports.
query_py='
import errno, socket, sys
proto, addr, ports, count, sport, wait = sys.argv[1:]
kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
socks = []
for i in range(int(count)):
	s = socket.socket(socket.AF_INET, kind)
	socks.append(s)
	s.settimeout(float(wait))
	if int(sport):
		s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		s.bind(("", int(sport)))
	for port in ports.split(","):
		try:
			s.connect((addr, int(port)))
			if kind == socket.SOCK_DGRAM:
				s.send(b"?\n")
			print(s.recv(256).decode().strip(), flush=True)
		except socket.timeout:
			print("error ETIMEDOUT", flush=True)
		except OSError as e:
			print("error", errno.errorcode[e.errno], flush=True)
'

# query NS tcp|udp ADDR PORT[,PORT...] [COUNT [SPORT [WAIT]]]: the client's
# answers (WAIT: seconds per answer, default 3).  Python without
# site-packages (-S) starts several times faster in the VM.
query()
{
	ip netns exec "$1" "$PYTHON" -I -S -c "$query_py" "$2" "$3" "$4" \
		"${5:-1}" "${6:-0}" "${7:-3}"
}

# serve NS PROTO:PORT...: start servers in NS.
serve()
{
	local ns=$1 ready=$ksft_tmp/ready.$RANDOM

	shift
	spawn "$ns" "$PYTHON" -I -S -c "$serve_py" "$ready" "$@"
	wait_until 60 test -e "$ready"
}

# expect_peer ANSWER ADDR: a server answered, and saw ADDR as the peer.
expect_peer()
{
	[[ $1 =~ ^([0-9.]+)-[0-9]+\ [0-9]+$ && ${BASH_REMATCH[1]} == "$2" ]] && return 0
	echo "expected a server to see $2, got: '$1'"
	return 1
}

# The peer's port in an answer.
peer_port()
{
	local p=${1#*-}

	echo "${p%% *}"
}

# count_in NS MATCH [VERDICT]: count the packets matching MATCH (nft syntax)
# at NS's input hook from now on, and apply VERDICT to them.  Replaces NS's
# ruleset.
count_in()
{
	ip netns exec "$1" nft -f - <<-EOF
		flush ruleset
		table ip t {
			chain input {
				type filter hook input priority 0;
				$2 counter ${3:-}
			}
		}
	EOF
}

# counted NS: the packets count_in has counted in NS so far.
counted()
{
	ip netns exec "$1" nft list chain ip t input |
		sed -nE 's/.* counter packets ([0-9]+) .*/\1/p'
}

# gw_stat NAME: gw1's counter NAME, a key of natctl -j stats.  The first
# one in the document is the gateway's own: its EIPs and entries follow it.
gw_stat()
{
	local json

	json=$(nat -j stats gw1)
	[[ $json =~ \"$1\":([0-9]+) ]] || { echo "no $1 in: $json" >&2; return 1; }
	echo "${BASH_REMATCH[1]}"
}

# stat_reaches NAME N: gw1's counter NAME is at least N.
stat_reaches()
{
	(($(gw_stat "$1") >= $2))
}

# Remove gw1, if there is one, with its EIPs, entries and sessions.
gw_reset()
{
	nat gateway del gw1 force >/dev/null 2>&1 || true
}

# A fresh gw1 on ext0 for the VPC 10.0.0.0/16: no EIP, entry or session.
gw_setup()
{
	gw_reset
	nat gateway add gw1 dev ext0 vpc 10.0.0.0/16
}

# The counters of gw1's EIPs and entries, read as gw_stat reads the
# gateway's: natctl -j stats prints each as a flat object, an EIP's starting
# with its "eip", an entry's with its "id", inside the "eips", "snat" and
# "dnat" lists.

# eip_stat EIP NAME: counter NAME of gw1's EIP EIP.
eip_stat()
{
	local json re

	json=$(nat -j stats gw1) || return
	re="\{\"eip\":\"${1//./\\.}\",[^}]*\"$2\":([0-9]+)"
	[[ $json =~ $re ]] || { echo "no $2 of EIP $1 in: $json" >&2; return 1; }
	echo "${BASH_REMATCH[1]}"
}

# entry_stat snat|dnat ID NAME: counter NAME of gw1's entry ID of that kind.
entry_stat()
{
	local json re

	json=$(nat -j stats gw1) || return
	re="\"$1\":\[[^]]*\{\"id\":$2,[^}]*\"$3\":([0-9]+)"
	[[ $json =~ $re ]] || { echo "no $3 of $1 entry $2 in: $json" >&2; return 1; }
	echo "${BASH_REMATCH[1]}"
}

# gw_sessions_are N [FILTER...]: gw1 holds exactly N sessions matching
# natctl's session filters; false, not a match of nothing, if natctl fails.
gw_sessions_are()
{
	local n

	n=$(nat session count gw1 "${@:2}") || return
	((n == $1))
}
