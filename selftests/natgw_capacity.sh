#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# natgw at its session limit: the table filled to max_sessions (262,144
# here; the module's default is 1,048,576) by new UDP flows from the VPC,
# none of which is ever answered.  Each new flow beyond the limit evicts
# one of those unanswered sessions (counted), so the table stays at the
# limit and new flows still get through; a session made before the fill,
# which is answered, is never evicted and keeps working; memory stays at
# one slab object per session; and once the flood stops, expiry brings the
# table back down to the one flow that is still talking.
#
#  ns1 vpc                       ns2 router                               ns3 inet
#  eth0 10.0.255.1/16 ───── vh1 10.0.255.254/16  ext0 198.51.100.1/24 ───── eth0 198.51.100.2/24
#  gen_flows.py: frames from     natgw gw1 dev ext0 vpc 10.0.0.0/16         UDP echo on :7007
#  10.0.0.1 + i % 50000 to       EIPs 203.0.113.1..N, SNAT for the VPC      203.0.113.0/24 via .1
#  192.0.2.7:9000                default via 198.51.100.2                   (drops the flood)
#
# Every flow of the flood goes to one destination, so each session needs a
# public endpoint of its own: the gateway gets enough EIPs for all of them
# (6 for 262,144), and a refused flow can only be refused for the limit.
# The UDP timeout is set to TIMEOUT seconds before the fill, so that the
# fill's sessions expire that long after they were made: the fill must end
# within FILL_LIMIT seconds, early enough for the full table to be checked
# before the first of them expire.  The timeouts are the router
# namespace's own and go with it.
#
# NATGW_CAPACITY=N fills a table of N sessions instead (1048576, the
# module's default limit, on a host fast enough to fill it within
# FILL_LIMIT; make check-debug uses 65536: a debug kernel makes a session
# many times slower).
# natgw-selftest: timeout 900

source "$(dirname "$0")/lib.sh"

readonly CAP=${NATGW_CAPACITY:-262144}
readonly EXTRA=1000 TIMEOUT=180 FILL_LIMIT=120 HOSTS=50000 FIRST_HOST=10.0.0.1
readonly REMOTE=192.0.2.7 INET=198.51.100.2 ECHO=7007 LEGIT_PORT=40000
readonly SESSIONS_PARAM=/sys/module/natgw/parameters/max_sessions
# Ports of one EIP toward one destination: 1025-65535
readonly PORTS_PER_EIP=64511

nat() { natctl -n "$ns2" "$@"; }

saved_max_sessions=

test_cleanup()
{
	[[ -n $saved_max_sessions ]] && echo "$saved_max_sessions" >"$SESSIONS_PARAM"
	return 0
}

neips=$(((CAP + EXTRA) / PORTS_PER_EIP + 2))

setup()
{
	local i eips=

	ns_add 1 2 3
	ip link add eth0 netns "$ns1" type veth peer name vh1 netns "$ns2"
	ip link add eth0 netns "$ns3" type veth peer name ext0 netns "$ns2"
	ip -n "$ns1" -b - <<-EOF
		link set eth0 up
		addr add 10.0.255.1/16 dev eth0
		route add default via 10.0.255.254
	EOF
	ip -n "$ns2" -b - <<-EOF
		link set vh1 up
		addr add 10.0.255.254/16 dev vh1
		link set ext0 up
		addr add 198.51.100.1/24 dev ext0
		route add default via $INET
	EOF
	ip -n "$ns3" -b - <<-EOF
		link set eth0 up
		addr add $INET/24 dev eth0
		route add 203.0.113.0/24 via 198.51.100.1
	EOF
	n2 sysctl -qw net.ipv4.ip_forward=1
	# the flood is not for inet: dropped at its ingress, before IP
	ip netns exec "$ns3" nft -f - <<-EOF
		table netdev flood {
			chain in {
				type filter hook ingress device eth0 priority 0;
				ip daddr $REMOTE drop
			}
		}
	EOF

	for ((i = 1; i <= neips; i++)); do
		eips+=${eips:+,}203.0.113.$i
	done
	{
		echo "gateway add gw1 dev ext0 vpc 10.0.0.0/16"
		for ((i = 1; i <= neips; i++)); do
			echo "eip add gw1 203.0.113.$i"
		done
		echo "snat add gw1 source vpc eip $eips"
		echo "timeout set udp $TIMEOUT"
	} | nat -f - >/dev/null
	expect_rc 0 nat -j timeout show
	expect_json "$out" "d['udp'] == $TIMEOUT"
}

# The flow that lives through it all: UDP from 10.0.255.1:40000 to inet's
# echo server.  Prints the server's answer ("EIP-PORT 7007") or an error.
legit()
{
	query "$ns1" udp "$INET" "$ECHO" 1 "${1:-$LEGIT_PORT}" 5
}

sessions()
{
	nat session count
}

# gen_flows FIRST COUNT: new UDP flows from the VPC; prints how many.
gen_flows()
{
	n1 "$PYTHON" -I -S "$NATGW_REPO/selftests/gen_flows.py" eth0 \
		"$(n2 cat /sys/class/net/vh1/address)" "$FIRST_HOST" "$HOSTS" \
		"$REMOTE:9000" "$1" "$2"
}

# Objects in use in natgw_session's slab cache (which SLUB may share with
# another cache of the same size: the subtests compare with a baseline).
slab_objects()
{
	cut -d ' ' -f 1 /sys/kernel/slab/natgw_session/objects
}

# The old flow's answer before the fill, saved for the subtests after it:
# "EIP-PORT 7007", the public endpoint inet saw.
test_legit_before()
{
	slab_objects >"$ksft_tmp/slab_baseline"
	expect_rc 0 legit
	[[ $out == 203.0.113.*-*\ $ECHO ]] || { echo "answer: '$out'"; return 1; }
	# A flow answered, and still talking 2 s after it began, is a
	# two-way flow that eviction leaves alone.
	sleep 2
	expect_rc 0 legit
	echo "$out" >"$ksft_tmp/legit"
	expect_eq "$(sessions)" 1 "sessions before the fill"
}

# natgw has seen all the fill's flows: made a session or refused each
# (the old flow's session counts among those made; a flow that evicted
# another made one).
fill_arrived()
{
	(($(gw_stat sessions_created) + $(gw_stat drops_session_limit) >= CAP + EXTRA))
}

# CAP - 1 + EXTRA new flows, by two generators at once (one per CPU).
test_fill()
{
	local n=$((CAP - 1 + EXTRA)) half took fill_start=$SECONDS

	half=$((n / 2))
	echo "$fill_start" >"$ksft_tmp/fill_start"
	gen_flows 0 "$half" >"$ksft_tmp/gen0" &
	gen_flows "$half" $((n - half)) >"$ksft_tmp/gen1"
	wait $!
	took=$((SECONDS - fill_start))
	ksft_diag "$n new flows in $took s, $neips EIPs, limit $CAP"
	expect_eq $(($(<"$ksft_tmp/gen0") + $(<"$ksft_tmp/gen1"))) "$n" "frames sent"
	# the last frames may still be on their way through the router
	wait_until 30 fill_arrived
	# the fill's first sessions expire TIMEOUT s after it started
	if ((took > FILL_LIMIT)); then
		echo "the fill took $took s, more than $FILL_LIMIT s: too long for a $TIMEOUT s timeout"
		return 1
	fi
	expect_eq "$(sessions)" "$CAP" "sessions after the fill"
	expect_rc 0 nat -j stats gw1
	expect_json "$out" \
		"d['gateways'][0]['sessions_active_udp'] == $CAP" \
		"d['gateways'][0]['sessions_created'] == $CAP + $EXTRA" \
		"d['gateways'][0]['sessions_evicted'] == $EXTRA" \
		"d['gateways'][0]['drops_session_limit'] == 0" \
		"d['gateways'][0]['drops_port_alloc'] == 0"
}

# The session made before the fill, answered, still carries its flow,
# through the same EIP and port; a new flow gets through by evicting an
# unanswered session, and the table stays at the limit.
test_full_table()
{
	expect_eq "$(legit)" "$(<"$ksft_tmp/legit")" "the old flow's answer"
	expect_eq "$(sessions)" "$CAP" "sessions after the old flow's packet"
	expect_rc 0 legit $((LEGIT_PORT + 1))
	[[ $out == 203.0.113.*-*\ $ECHO ]] || { echo "a new flow at the full table: '$out'"; return 1; }
	expect_eq "$(gw_stat sessions_evicted)" $((EXTRA + 1)) "sessions evicted"
	expect_eq "$(gw_stat drops_session_limit)" 0 "flows refused for the limit"
	expect_eq "$(sessions)" "$CAP" "sessions after the new flow"
	expect_eq "$(legit)" "$(<"$ksft_tmp/legit")" "the old flow again"
}

# One slab object per session: an evicted session's object is freed.
test_memory_bounded()
{
	local grew

	grew=$(($(slab_objects) - $(<"$ksft_tmp/slab_baseline")))
	ksft_diag "natgw_session: $grew more objects for $CAP sessions"
	((grew >= CAP - 1 - 2048 && grew <= CAP - 1 + 2048)) ||
		{ echo "$grew more slab objects for $((CAP - 1)) more sessions"; return 1; }
}

# The flood's sessions expire TIMEOUT s after they were made and the
# collector removes them; the old flow, which keeps talking, stays.
test_expiry()
{
	local start deadline n

	start=$(<"$ksft_tmp/fill_start")
	deadline=$((start + 2 * TIMEOUT + 120))
	while :; do
		expect_eq "$(legit)" "$(<"$ksft_tmp/legit")" "the old flow's answer"
		n=$(sessions)
		((n == 1)) && break
		if ((SECONDS > deadline)); then
			echo "$n sessions left $((SECONDS - start)) s after the fill began"
			return 1
		fi
		sleep 5
	done
	ksft_diag "back to 1 session $((SECONDS - start)) s after the fill began"
	expect_json "$(nat -j session show)" "len(d) == 1 and d[0]['remote_port'] == $ECHO"
	# the expired sessions' memory goes back, a grace period later
	wait_until 60 slab_back
}

slab_back()
{
	(($(slab_objects) <= $(<"$ksft_tmp/slab_baseline") + 2048))
}

require_root
require_cmd nft
natgw_load
ksft_setup setup
saved_max_sessions=$(<"$SESSIONS_PARAM")
echo "$CAP" >"$SESSIONS_PARAM" || exit "$KSFT_FAIL"
serve "$ns3" "udp:$ECHO" || exit "$KSFT_FAIL"
ksft_plan 5
ksft_run capacity_legit_before test_legit_before
ksft_run capacity_fill_to_limit test_fill
ksft_run capacity_full_table test_full_table
ksft_run capacity_memory_bounded test_memory_bounded
ksft_run capacity_expiry test_expiry
ksft_finish
