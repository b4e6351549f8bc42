#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# natgw's netlink family: who may read what, session dumps on a busy
# gateway, and the NAT log's events.
#
#  ns1 vpc                      ns2 router
#  eth0 (no address) ────────── vh1 10.0.255.254/16
#  gen_flows.py: UDP frames     natgw gw1 dev ext0 vpc 10.0.0.0/16,
#  from 10.0.0.1 + i % 1000,    EIP 203.0.113.1 for the whole VPC
#  port 1024 + i / 1000         ext0 (dummy) 198.51.100.1/24
#                               default dev ext0: the dummy drops them
#
# Sessions, their count, statistics and the NAT log show every flow: they
# need CAP_NET_ADMIN in the user namespace that owns the network namespace,
# as conntrack's do.  The configuration stays readable by anyone, like
# `ip route`.  A root of a user namespace manages natgw in the network
# namespaces its user namespace owns, and nowhere else.

source "$(dirname "$0")/lib.sh"

nat() { natctl -n "$ns2" "$@"; }

readonly E1=203.0.113.1 STABLE=192.0.2.7 CHURN=192.0.2.9 LOG=192.0.2.8
readonly FLOWS=3000 HOSTS=1000 FIRST_HOST=10.0.0.1
readonly INTR_WARNING='dump was interrupted'
readonly PERM='Operation not permitted (need CAP_NET_ADMIN)'

router_mac=
pub_natctl=

# gen_flows DST FIRST COUNT: new UDP flows from the VPC toward DST:9000.
gen_flows()
{
	n1 "$PYTHON" -I -S "$NATGW_REPO/selftests/gen_flows.py" eth0 \
		"$router_mac" "$FIRST_HOST" "$HOSTS" "$1:9000" "$2" "$3"
}

setup()
{
	ns_add 1 2 || return
	ip link add eth0 netns "$ns1" type veth peer name vh1 netns "$ns2" || return
	n1 ip link set eth0 up || return
	ip -n "$ns2" -b - <<-EOF || return
		link set vh1 up
		addr add 10.0.255.254/16 dev vh1
		link add ext0 type dummy
		link set ext0 up
		addr add 198.51.100.1/24 dev ext0
		route add default dev ext0
	EOF
	n2 sysctl -qw net.ipv4.ip_forward=1 || return
	nat -f - >/dev/null <<-EOF || return
		gateway add gw1 dev ext0 vpc 10.0.0.0/16
		eip add gw1 $E1
		snat add gw1 source vpc eip $E1
		dnat add gw1 eip $E1 proto tcp port 443 to 10.0.1.10 port 8443
		timeout set udp 3600
	EOF
	router_mac=$(n2 cat /sys/class/net/vh1/address) || return
	nobody_copy tools/natctl/natctl || return
	pub_natctl=$ksft_tmp/pub/tools/natctl/natctl
}

# Root reads all: FLOWS sessions, counted, listed and in the statistics.
test_root_reads()
{
	expect_eq "$(gen_flows "$STABLE" 0 "$FLOWS")" "$FLOWS" "frames sent"
	expect_rc 0 nat session count
	expect_eq "$out" "$FLOWS" "session count"
	nat -j session show >"$ksft_tmp/all.json"
	"$PYTHON" -I -S -c '
import json, sys
d = json.load(open(sys.argv[1]))
ok = len(d) == int(sys.argv[2]) and \
	all(s["remote"] == sys.argv[3] and s["eip"] == sys.argv[4] for s in d)
sys.exit(None if ok else "%d sessions listed, or not all toward %s from %s" %
	 (len(d), sys.argv[3], sys.argv[4]))
' "$ksft_tmp/all.json" "$FLOWS" "$STABLE" "$E1"
	expect_rc 0 nat -j stats gw1
	expect_json "$out" "d['gateways'][0]['sessions_active_udp'] == $FLOWS"
}

# expect_refused WHAT CMD...: natctl, run as nobody in ns2, is refused by the
# kernel and says so in one line naming WHAT.
expect_refused()
{
	local what=$1

	shift
	expect_rc 1 nobody_in "$ns2" "$pub_natctl" "$@"
	expect_eq "$out" "" "stdout of a refused $*"
	expect_eq "$err" "natctl: $what" "stderr of $*"
}

# Nobody sees no session, no count, no statistics and no NAT log, and can
# flush nothing.
test_nobody_refused()
{
	expect_refused "session count: $PERM" session count
	expect_refused "session count: $PERM" session count gw1 dst "$STABLE"
	expect_refused "session show: $PERM" session show gw1 src "$FIRST_HOST"
	expect_refused "session show: $PERM" session show
	expect_refused "stats: $PERM" stats
	expect_refused "stats: $PERM" stats gw1 --prometheus
	expect_refused "session flush: $PERM" session flush
	expect_refused "cannot join multicast group \"natlog\": $PERM" monitor
	expect_rc 0 nat session count
	expect_eq "$out" "$FLOWS" "sessions after nobody's flush"
}

# The configuration reads the same for nobody as for root.
test_nobody_reads_config()
{
	local obj mine

	for obj in gateway eip snat dnat timeout quota; do
		expect_rc 0 nat -j "$obj" show
		mine=$out
		expect_rc 0 nobody_in "$ns2" "$pub_natctl" -j "$obj" show
		expect_eq "$out" "$mine" "$obj show as nobody"
		expect_eq "$err" "" "stderr of $obj show as nobody"
	done
	expect_rc 0 nat save
	mine=$out
	expect_rc 0 nobody_in "$ns2" "$pub_natctl" save
	expect_eq "$out" "$mine" "save as nobody"
	expect_match "$out" "^dnat add gw1 id 1 eip $E1 proto tcp port 443 to 10.0.1.10 port 8443"
	# and follows its changes
	spawn -o "$ksft_tmp/config.log" "$ns2" setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$pub_natctl" -j monitor config
	wait_until 10 config_seen "$ksft_tmp/config.log"
}

# check_log_py FILE N DST: the NAT log in FILE (natctl -j monitor) has a
# session-new and then a session-end for each of the N flows toward DST,
# in that order, and nothing was lost.
check_log_py='
import json, sys
path, n, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
seen, errors = {}, []
with open(path) as f:
	for i, line in enumerate(f):
		e = json.loads(line)
		if e["event"] == "events-lost":
			errors.append("events lost: %s" % e)
		if e["event"] not in ("session-new", "session-end") or e.get("remote") != dst:
			continue
		key = (e["inside"], e["inside_port"], e["eip"], e["eip_port"])
		seen.setdefault(key, []).append(e["event"])
bad = {k: v for k, v in seen.items() if v != ["session-new", "session-end"]}
if len(seen) != n:
	errors.append("%d sessions in the log, expected %d" % (len(seen), n))
if bad:
	errors.append("%d sessions out of order, e.g. %s" % (len(bad), next(iter(bad.items()))))
sys.exit("\n".join(errors) or None)
'

config_seen()
{
	nat timeout set udp 3600 && grep -q '"config"' "$1"
}

ended()
{
	[[ $(grep -c '"session-end"' "$1") -ge $2 ]]
}

# Root's NAT log: each session starts before it ends, and every event fits
# the message allocated for it (a lost one is reported as events-lost).
test_root_natlog()
{
	local log=$ksft_tmp/natlog.json n=200

	spawn -o "$log" "$ns2" "$NATCTL" -j monitor
	# a config event it reports proves the monitor listens
	wait_until 10 config_seen "$log"
	expect_eq "$(gen_flows "$LOG" 0 "$n")" "$n" "frames sent"
	expect_rc 0 nat -j session flush dst "$LOG"
	expect_json "$out" "d['flushed'] == $n"
	wait_until 20 ended "$log" "$n"
	"$PYTHON" -I -S -c "$check_log_py" "$log" "$n" "$LOG"
}

churning()
{
	local n

	n=$(nat session count dst "$CHURN") && ((n > 0))
}

created()
{
	nat -j stats gw1 | "$PYTHON" -I -S -c \
		'import json, sys; print(json.load(sys.stdin)["gateways"][0]["sessions_created"])'
}

# A session listing while sessions are created and expire is not flagged
# as interrupted (nothing a reader could act on changed), and holds every
# session that lived through it.
test_dump_busy_not_flagged()
{
	local dump=$ksft_tmp/busy.json before after

	nat timeout set udp 2
	spawn "$ns1" "$PYTHON" -I -S "$NATGW_REPO/selftests/gen_flows.py" eth0 \
		"$router_mac" "$FIRST_HOST" "$HOSTS" "$CHURN:9000" 0 1000000
	wait_until 30 churning
	before=$(created)
	nat -j session show >"$dump" 2>"$ksft_tmp/busy.err"
	after=$(created)
	reap
	nat timeout set udp 3600
	ksft_diag "$((after - before)) sessions created during the listing"
	((after > before)) || {
		echo "no session was created during the listing"
		return 1
	}
	expect_eq "$(<"$ksft_tmp/busy.err")" "" "stderr of a listing on a busy gateway"
	"$PYTHON" -I -S -c '
import json, sys
d = json.load(open(sys.argv[1]))
stable = [s for s in d if s["remote"] == sys.argv[2]]
sys.exit(None if len(stable) == int(sys.argv[3]) else
	 "%d of the %s stable sessions listed" % (len(stable), sys.argv[3]))
' "$dump" "$STABLE" "$FLOWS"
}

# What a root of a user namespace does in a network namespace that its user
# namespace owns: here nobody makes both, and manages natgw in it as the
# namespace's root.  It reads what root reads, and joins the NAT log.
userns_script='
set -e
natctl=$1
log=$(mktemp)
ip link add ext0 type dummy
ip link set ext0 up
$natctl gateway add gw1 dev ext0 vpc 10.0.0.0/16
$natctl eip add gw1 203.0.113.1
$natctl snat add gw1 source vpc eip 203.0.113.1 >/dev/null
echo "count $($natctl session count)"
$natctl -j stats gw1 >/dev/null
$natctl -j session show >/dev/null
$natctl monitor >"$log" &
for i in $(seq 100); do
	$natctl timeout set udp 100
	grep -q "config timeout set" "$log" && break
	sleep 0.1
done
kill $!
grep -q "config timeout set" "$log"
echo "monitor ok"
$natctl gateway del gw1 force
echo "gateways $($natctl gateway show | wc -l)"
'

test_userns_own_netns()
{
	expect_rc 0 nobody_in "$ns2" unshare --user --map-root-user --net \
		bash -c "$userns_script" sh "$pub_natctl"
	expect_eq "$out" $'count 0\nmonitor ok\ngateways 0' "what the namespace's root saw"
}

# Root of a user namespace is nobody in the network namespace of its
# parent: it changes and reads nothing there that needs CAP_NET_ADMIN.
test_userns_parent_netns()
{
	local cmd

	for cmd in "gateway add gw9 dev ext0 vpc 10.9.0.0/16" "session count" \
		   "stats gw1"; do
		# shellcheck disable=SC2086 # the words of the command
		expect_rc 1 ip netns exec "$ns2" unshare --user --map-root-user \
			"$NATCTL" $cmd
		expect_lines 1 "$err" "stderr of $cmd"
		expect_contains "$err" ": $PERM" "stderr of $cmd"
	done
	expect_rc 0 nat gateway show
	expect_lines 1 "$out" "gateways"
}

# A forced EIP delete ends every entry using it, with one grace period for
# all of them.
test_eip_force_delete()
{
	local i start ms

	nat eip add gw1 203.0.113.2
	{
		for i in $(seq 1 60); do
			echo "dnat add gw1 eip 203.0.113.2 proto udp port $((100 + i)) to 10.0.2.$i port 53"
		done
		echo "snat add gw1 source 10.0.3.0/24 eip 203.0.113.2"
	} | nat -f - >/dev/null
	expect_rc 0 nat dnat show gw1
	expect_lines 61 "$out" "DNAT entries before"
	start=${EPOCHREALTIME/./}
	expect_rc 0 nat eip del gw1 203.0.113.2 force
	ms=$(((${EPOCHREALTIME/./} - start) / 1000))
	ksft_diag "eip del force with 61 entries: $ms ms"
	expect_rc 0 nat dnat show gw1
	expect_lines 1 "$out" "DNAT entries after"
	expect_rc 0 nat snat show gw1
	expect_lines 1 "$out" "SNAT entries after"
	expect_nomatch "$(nat save)" '203\.0\.113\.2' "configuration after"
}

require_root
require_cmd setpriv unshare
[[ -x $NATCTL ]] || ksft_exit_skip "$NATCTL not built (make natctl)"
natgw_load
setup || { echo "# setup failed"; exit "$KSFT_FAIL"; }

ksft_plan 8
ksft_run root_reads_sessions_stats test_root_reads
ksft_run nobody_refused_sessions_stats_natlog test_nobody_refused
ksft_run nobody_reads_configuration test_nobody_reads_config
ksft_run natlog_start_before_end test_root_natlog
ksft_run busy_dump_not_flagged test_dump_busy_not_flagged
ksft_run userns_root_manages_own_netns test_userns_own_netns
ksft_run userns_root_refused_in_parent_netns test_userns_parent_netns
ksft_run eip_force_delete_batched test_eip_force_delete
ksft_finish
