#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# natgw's session table at scale: 100,000 UDP sessions are counted and
# listed completely, each once, and a listing across which the
# configuration changes is flagged as interrupted instead of passing for a
# consistent one.
#
#  ns1 vpc                      ns2 router
#  eth0 (no address) ────────── vh1 10.0.255.254/16
#  gen_flows.py: frames from    natgw gw1 dev ext0 vpc 10.0.0.0/16,
#  10.0.0.1 + i % 50000,        EIPs 203.0.113.1 and .2 for the VPC
#  port 1024 + i / 50000        ext0 (dummy) 198.51.100.1/24
#                               default dev ext0: the dummy drops them
#
# Every flow goes to 192.0.2.7:9000, one destination, so its public
# endpoints (EIP, port) must all differ: 100,000 of them need both EIPs
# (64,511 ports each).  Nothing answers: UDP sessions open on the first
# packet, and a long UDP timeout keeps them for the whole test.

source "$(dirname "$0")/lib.sh"

nat() { natctl -n "$ns2" "$@"; }

readonly E1=203.0.113.1 E2=203.0.113.2 REMOTE=192.0.2.7
readonly FLOWS=100000 HOSTS=50000 FIRST_HOST=10.0.0.1
readonly RACE_FLOWS=100
readonly SESSIONS_PARAM=/sys/module/natgw/parameters/max_sessions

router_mac=
saved_max_sessions=

# check_dump_py FILE FLOWS HOSTS FIRST_HOST REMOTE: FILE, the JSON listing
# of the sessions, holds exactly the flows gen_flows.py sent, each once,
# with distinct public endpoints.
check_dump_py='
import json, socket, struct, sys
path, flows, hosts, first, remote = sys.argv[1:]
flows, hosts = int(flows), int(hosts)
first = struct.unpack("!I", socket.inet_aton(first))[0]
with open(path) as f:
	d = json.load(f)
errors = []
def check(ok, what):
	if not ok:
		errors.append(what)
check(len(d) == flows, "%d sessions listed, expected %d" % (len(d), flows))
keys = {(s["inside"], s["inside_port"], s["remote"], s["remote_port"]) for s in d}
check(len(keys) == len(d), "%d duplicates" % (len(d) - len(keys)))
want = {(socket.inet_ntoa(struct.pack("!I", first + i % hosts)),
	 1024 + i // hosts, remote, 9000) for i in range(flows)}
check(keys == want, "%d flows missing, %d unexpected" %
      (len(want - keys), len(keys - want)))
public = {(s["eip"], s["eip_port"]) for s in d}
check(len(public) == len(d), "%d sessions share a public endpoint" %
      (len(d) - len(public)))
check({s["eip"] for s in d} == {"203.0.113.1", "203.0.113.2"}, "EIPs used")
check(all(s["proto"] == "udp" and s["gateway"] == "gw1" and
	  s["kind"] == "snat" for s in d), "proto, gateway or kind")
sys.exit("\n".join(errors) or None)
'

# gen_flows FIRST COUNT [DPORT]: new UDP flows from the VPC host.
gen_flows()
{
	n1 "$PYTHON" -I -S "$NATGW_REPO/selftests/gen_flows.py" eth0 \
		"$router_mac" "$FIRST_HOST" "$HOSTS" "$REMOTE:${3:-9000}" "$1" "$2"
}

test_cleanup()
{
	[[ -n $saved_max_sessions && -w $SESSIONS_PARAM ]] &&
		echo "$saved_max_sessions" >"$SESSIONS_PARAM"
	return 0
}

setup()
{
	ns_add 1 2
	ip link add eth0 netns "$ns1" type veth peer name vh1 netns "$ns2"
	n1 ip link set eth0 up
	ip -n "$ns2" -b - <<-EOF
		link set vh1 up
		addr add 10.0.255.254/16 dev vh1
		link add ext0 type dummy
		link set ext0 up
		addr add 198.51.100.1/24 dev ext0
		route add default dev ext0
	EOF
	n2 sysctl -qw net.ipv4.ip_forward=1
	nat -f - >/dev/null <<-EOF
		gateway add gw1 dev ext0 vpc 10.0.0.0/16
		eip add gw1 $E1
		eip add gw1 $E2
		snat add gw1 source vpc eip $E1,$E2
		timeout set udp 3600
	EOF
}

test_create()
{
	local sent

	sent=$(gen_flows 0 "$FLOWS")
	expect_eq "$sent" "$FLOWS" "frames sent"
	# the last frames may still be on their way through the router
	wait_until 30 sessions_are "$FLOWS"
	expect_rc 0 nat session count
	expect_eq "$out" "$FLOWS" "session count"
	expect_rc 0 nat -j stats gw1
	expect_json "$out" \
		"d['gateways'][0]['sessions_active_udp'] == $FLOWS" \
		"d['gateways'][0]['sessions_created'] == $FLOWS" \
		"sum(e['sessions_active_udp'] for e in d['gateways'][0]['eips']) == $FLOWS" \
		"d['gateways'][0]['drops_port_alloc'] == 0 and d['gateways'][0]['drops_session_limit'] == 0"
}

# With nothing changing, the listing is complete, has each session once,
# is exactly the flows sent, and is not flagged.
test_dump_complete()
{
	local dump=$ksft_tmp/dump.json start=$SECONDS

	nat -j session show >"$dump" 2>"$ksft_tmp/dump.err"
	ksft_diag "natctl -j session show: $((SECONDS - start)) s"
	expect_eq "$(<"$ksft_tmp/dump.err")" "" "stderr of a dump with no change"
	"$PYTHON" -I -S -c "$check_dump_py" "$dump" "$FLOWS" "$HOSTS" "$FIRST_HOST" "$REMOTE"
}

# The EIP filter splits the table without losing a session.
test_count_filters()
{
	local c1 c2

	c1=$(nat session count eip "$E1")
	c2=$(nat session count eip "$E2")
	expect_eq $((c1 + c2)) "$FLOWS" "sessions of $E1 ($c1) and $E2 ($c2)"
	expect_eq "$(nat session count src "$FIRST_HOST")" 2 "sessions of $FIRST_HOST"
}

# A configuration change made while a listing is under way flags it as
# interrupted; a listing during which nothing changes is not flagged.  The
# listing is paused after its first part (fuzz_netlink.py pausedump), so
# that the change falls between two parts: an SNAT entry for 10.0.250.0/24
# with RACE_FLOWS sessions of its own is deleted, which ends them.
test_dump_race()
{
	local fuzz_py=$NATGW_REPO/selftests/fuzz_netlink.py

	expect_rc 0 n2 "$PYTHON" "$fuzz_py" pausedump true
	ksft_diag "paused, no change: $out"
	[[ $out =~ ^parts\ ([0-9]+)\ intr\ 0\ sessions\ $FLOWS$ ]] || {
		echo "a dump paused with no change: '$out' (want intr 0, sessions $FLOWS)"
		return 1
	}
	nat snat add gw1 id 50 source 10.0.250.0/24 eip "$E1" >/dev/null
	expect_eq "$(n1 "$PYTHON" -I -S "$NATGW_REPO/selftests/gen_flows.py" eth0 \
		"$router_mac" 10.0.250.1 100 "$REMOTE:9001" 0 "$RACE_FLOWS")" "$RACE_FLOWS" "frames sent"
	wait_until 10 sessions_are $((FLOWS + RACE_FLOWS))
	expect_rc 0 n2 "$PYTHON" "$fuzz_py" pausedump "$NATCTL" -n "$ns2" snat del gw1 id 50
	ksft_diag "paused, snat del: $out"
	[[ $out =~ ^parts\ ([0-9]+)\ intr\ 1\ sessions\ ([0-9]+)$ ]] || {
		echo "a dump paused across snat del: '$out' (want intr 1)"
		return 1
	}
	expect_rc 0 nat session count
	expect_eq "$out" "$FLOWS" "sessions after snat del"
}

sessions_are()
{
	[[ $(nat session count) == "$1" ]]
}

test_flush()
{
	local total

	total=$(nat session count)
	expect_rc 0 nat -j session flush
	expect_json "$out" "d['flushed'] == $total"
	expect_eq "$(nat session count)" 0 "sessions after flush"
}

require_root
[[ -x $NATCTL ]] || ksft_exit_skip "$NATCTL not built (make natctl)"
natgw_load
ksft_setup setup
router_mac=$(n2 cat /sys/class/net/vh1/address)
# 100,000 sessions and the racing ones must fit under the session limit.
saved_max_sessions=$(<"$SESSIONS_PARAM")
((saved_max_sessions >= 2 * FLOWS)) || echo $((2 * FLOWS)) >"$SESSIONS_PARAM"

ksft_plan 5
ksft_run create_100000_sessions test_create
ksft_run dump_complete_no_duplicates test_dump_complete
ksft_run count_by_eip test_count_filters
ksft_run dump_racing_changes_flagged test_dump_race
ksft_run flush_all test_flush
ksft_finish
