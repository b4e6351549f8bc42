#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Safe configuration changes: natctl -f applies a whole file or nothing,
# natctl -c -f checks a file and changes nothing, and natctl apply makes
# the running configuration equal to a file with the fewest changes, so
# that what did not change keeps its sessions.
#
#  ns1 h1                  ns2 router                         ns3 inet
#  eth0 10.0.1.10/24 ───── vh1 10.0.1.1/24
#  default via .1          natgw gw1 dev ext0, gw2 dev d0
#                          ext0 198.51.100.1/24 ──────────── eth0 198.51.100.2/24
#                                                             203.0.113.0/24 via .1
#
# inet runs a UDP server on port 7000 that answers with the address and
# port it saw.  Each subtest starts from the configuration in base_conf.

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

nat() { natctl -n "$ns2" "$@"; }

readonly INET=198.51.100.2 E1=203.0.113.1 E2=203.0.113.2 E3=203.0.113.3
readonly E4=203.0.113.4 PORT=7000

# The configuration every subtest starts from, as natctl save writes it
# (ids included), so that a save of it is the same text.
base_conf()
{
	cat <<-EOF
		gateway add gw1 dev ext0 vpc 10.0.0.0/16 snat-ports 1024-65535 deletion-protection off
		gateway set gw1 icmp-reply on eip-arp off
		eip add gw1 $E1
		eip add gw1 $E2
		eip add gw1 $E3
		snat add gw1 id 1 source 10.0.1.10/32 eip $E1 affinity off
		snat add gw1 id 2 source 10.0.2.0/24 eip $E2 affinity off
		dnat add gw1 id 1 eip $E3 proto tcp port 80 to 10.0.1.10 port 8080
		gateway add gw2 dev d0 vpc 10.1.0.0/16 snat-ports 1024-65535 deletion-protection off
		gateway set gw2 icmp-reply on eip-arp off
		eip add gw2 $E4
		snat add gw2 id 1 source vpc eip $E4 affinity off
	EOF
}

# The configuration, without save's comment line and timeouts.
conf_now()
{
	nat save | grep -vE '^(#|timeout )'
}

# Start from base_conf, with no session.
reset_conf()
{
	local f=$ksft_tmp/base.conf

	nat gateway del gw1 force >/dev/null 2>&1 || true
	nat gateway del gw2 force >/dev/null 2>&1 || true
	base_conf >"$f"
	nat -f "$f" >/dev/null
	expect_eq "$(conf_now)" "$(base_conf)" "the configuration after natctl -f"
}

# udp_peer SPORT: what inet's server saw of h1's datagram from port SPORT.
udp_peer()
{
	query "$ns1" udp "$INET" "$PORT" 1 "$1"
}

# The sessions of h1: ports, EIP and age.
sessions_of_h1()
{
	nat -j session show gw1 src 10.0.1.10 |
		"$PYTHON" -I -S -c '
import json, sys
for s in json.load(sys.stdin):
	print(s["inside_port"], s["eip"], s["eip_port"], s["age"])'
}

# expect_same_sessions BEFORE: h1 has the sessions it had when BEFORE was
# taken (sessions_of_h1), at least a second ago: same ports and EIP, and
# older, where a session made again would be new.
expect_same_sessions()
{
	local now

	now=$(sessions_of_h1)
	expect_eq "$(cut -d ' ' -f 1-3 <<<"$now")" \
		  "$(cut -d ' ' -f 1-3 <<<"$1")" "h1's sessions"
	"$PYTHON" -I -S -c '
import sys
before, now = ([int(l.split()[3]) for l in a.splitlines()] for a in sys.argv[1:])
sys.exit(any(n <= b for n, b in zip(now, before)))' "$1" "$now" && return 0
	echo "h1's sessions are younger than before: made again?"
	echo "before: $1"
	echo "now: $now"
	return 1
}

# A refused line, here the last, leaves the configuration as it was: the
# lines before it (a new gateway, an EIP, a deleted entry) are undone.
test_batch_all_or_nothing()
{
	local f=$ksft_tmp/bad.conf before

	reset_conf
	before=$(conf_now)
	cat >"$f" <<-EOF
		# three good lines, then one the kernel refuses
		snat del gw1 id 2
		gateway add gw3 dev d1 vpc 10.2.0.0/16
		eip add gw3 203.0.113.9
		eip add gw3 $E1
	EOF
	expect_rc 1 nat -f "$f"
	expect_match "$err" "^$f:5: natctl: " "stderr"
	expect_match "$err" "nothing changed: the running configuration is as it was" "stderr"
	expect_eq "$(conf_now)" "$before" "the configuration after a refused batch"
	# A line that does not parse stops the file before anything runs.
	printf 'gateway del gw2\nsnat add gw1 source "10.0.3.0/24\n' >"$f"
	expect_rc 1 nat -f "$f"
	expect_match "$err" "^$f:2: " "stderr"
	expect_eq "$(conf_now)" "$before" "the configuration after a batch that does not parse"
}

# -c parses every command and sends none: a good file changes nothing and
# prints nothing; a bad one is named by its line.
test_check()
{
	local f=$ksft_tmp/check.conf before

	reset_conf
	before=$(conf_now)
	printf 'gateway add gw3 dev d1 vpc 10.2.0.0/16\neip add gw3 203.0.113.9\nsnat add gw3 source vpc eip 203.0.113.9\n' >"$f"
	expect_rc 0 nat -c -f "$f"
	expect_eq "$out" "" "stdout of -c"
	expect_eq "$err" "" "stderr of -c"
	expect_eq "$(conf_now)" "$before" "the configuration after -c"
	printf 'eip add gw1 203.0.113.9\nsnat add gw1 source 10.0.3.0/24 eip 203.0.113.300\n' >"$f"
	expect_rc 1 nat -c -f "$f"
	expect_match "$err" "^$f:2: natctl: invalid .*203\\.0\\.113\\.300" "stderr"
	printf 'gateway add gw3 dev nosuchdev vpc 10.2.0.0/16\n' >"$f"
	expect_fail nat -c -f "$f"
	expect_match "$err" "^$f:1: natctl: .*nosuchdev" "stderr"
	expect_eq "$(conf_now)" "$before" "the configuration after -c"
	expect_rc 2 nat -c gateway show
}

# save, then apply what was saved: nothing to do, and no session ends.
test_apply_unchanged()
{
	local f=$ksft_tmp/saved.conf before

	reset_conf
	expect_match "$(udp_peer 5001)" "^$E1-"
	before=$(sessions_of_h1)
	expect_lines 1 "$before" "h1's sessions"
	nat save >"$f"
	sleep 1		# so that a session made again is younger
	expect_rc 0 nat apply "$f"
	expect_eq "$out" "" "what apply of the saved configuration changed"
	expect_same_sessions "$before"
}

# An edited file: apply changes what was edited and nothing else; h1's
# entry and its session are untouched.
test_apply_edited()
{
	local f=$ksft_tmp/edited.conf before peer want

	reset_conf
	peer=$(udp_peer 5002)
	expect_match "$peer" "^$E1-"
	before=$(sessions_of_h1)
	sleep 1
	# Entry 2 moves to E3, which the DNAT entry frees as it goes; E2 and
	# gw2 go; a timeout changes.
	base_conf | sed -e "/^snat add gw1 id 2 /s/eip $E2/eip $E3/" \
			-e '/^dnat add gw1 id 1 /d' -e '/gw2/d' \
			-e "/^eip add gw1 $E2\$/d" >"$f"
	echo "timeout set udp 301" >>"$f"
	expect_rc 0 nat apply "$f"
	want="snat del gw1 id 2
dnat del gw1 id 1
snat del gw2 id 1
eip del gw1 $E2
eip del gw2 $E4
gateway del gw2
snat add gw1 id 2 source 10.0.2.0/24 eip $E3 affinity off
timeout set udp 301"
	expect_eq "$out" "$want" "what apply changed"
	expect_eq "$(conf_now)" "$(grep -v '^timeout' "$f")" "the configuration after apply"
	expect_match "$(nat timeout show)" "udp 301" "timeouts"
	expect_same_sessions "$before"
	expect_eq "$(udp_peer 5002)" "$peer" "what inet sees of h1's flow"
	nat timeout set udp 300
	# And back, from a file without ids: entry 1 has the same words as
	# the running one and stays; the others are new, with new ids, and
	# E2 comes after E3 now.
	base_conf | sed -E 's/ id [0-9]+//' >"$f"
	expect_rc 0 nat apply "$f"
	expect_same_sessions "$before"
	want=$(base_conf | sed -e "/^eip add gw1 $E2\$/d" \
			       -e "/^eip add gw1 $E3\$/a eip add gw1 $E2" \
			       -e '/^snat add gw1 id 2 /s/id 2/id 3/' \
			       -e '/^dnat add gw1 id 1 /s/id 1/id 2/')
	expect_eq "$(conf_now)" "$want" "the configuration after applying the base again"
}

# A new VPC makes a new gateway: deleted with its sessions and added
# again with its EIPs and entries.  A change of description is a set.
test_apply_gateway()
{
	local f=$ksft_tmp/gw.conf

	reset_conf
	base_conf | sed -e 's/^gateway add gw1 \(.*\) deletion-protection off/gateway add gw1 \1 deletion-protection off description "the VPC"/' \
			-e 's/^gateway add gw2 dev d0 vpc 10.1.0.0\/16/gateway add gw2 dev d0 vpc 10.3.0.0\/16/' >"$f"
	expect_rc 0 nat apply "$f"
	expect_eq "$out" "gateway del gw2 force
gateway set gw1 description \"the VPC\"
gateway add gw2 dev d0 vpc 10.3.0.0/16 snat-ports 1024-65535 deletion-protection off
gateway set gw2 icmp-reply on eip-arp off
eip add gw2 $E4
snat add gw2 id 1 source vpc eip $E4 affinity off" "what apply changed"
	expect_eq "$(conf_now)" "$(grep -v '^#' "$f")" "the configuration after apply"
}

# A refused change puts back what apply had changed: gw2 is protected, so
# it cannot go, and the entry deleted before that is back.
test_apply_refused()
{
	local f=$ksft_tmp/refused.conf before

	reset_conf
	nat gateway set gw2 deletion-protection on
	before=$(conf_now)
	base_conf | sed -e '/gw2/d' -e '/^snat add gw1 id 2 /d' >"$f"
	expect_rc 1 nat apply "$f"
	expect_eq "$out" "" "stdout of a refused apply"
	expect_match "$err" "nothing changed: the running configuration is as it was" "stderr"
	expect_eq "$(conf_now)" "$before" "the configuration after a refused apply"
	nat gateway set gw2 deletion-protection off
	# Lines that save does not write are not for apply.
	echo "session flush" >"$f"
	expect_rc 1 nat apply "$f"
	expect_match "$err" "^$f:1: natctl: apply takes the lines natctl save writes" "stderr"
}

require_root
natgw_load
require_cmd "$PYTHON"

topo_basic 1 2 3 || exit "$KSFT_FAIL"
n2 ip link add d0 type dummy || exit "$KSFT_FAIL"
n2 ip link add d1 type dummy || exit "$KSFT_FAIL"
serve "$ns3" "udp:$PORT" || exit "$KSFT_FAIL"

ksft_plan 6
ksft_run batch_all_or_nothing test_batch_all_or_nothing
ksft_run check_changes_nothing test_check
ksft_run apply_saved_changes_nothing test_apply_unchanged
ksft_run apply_changes_only_the_edit test_apply_edited
ksft_run apply_new_vpc_recreates_gateway test_apply_gateway
ksft_run apply_refused_changes_nothing test_apply_refused
ksft_finish
