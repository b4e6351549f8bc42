#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile configuration: random and mutated natgw generic netlink messages
# (fuzz_netlink.py) from an unprivileged user and from root, and dumps
# abandoned half-way.  The kernel must answer every message with a clean
# error or a well-formed reply, refuse every change from the unprivileged
# user without changing anything, and go on working; whatever root's
# fuzzing left is a configuration that natctl can save and restore
# elsewhere; deleting the namespaces afterwards frees everything (natgw
# holds the gateways and sessions it held before, in every namespace, and
# its session slab is back to its baseline).
#
#  ns1: dummy d0, d1; gw1 (dev d0, vpc 10.0.0.0/16) and gw2 (dev d1,
#       vpc 10.1.0.0/16) with EIPs, SNAT and DNAT entries: the unprivileged
#       fuzzer's target, whose configuration must not change
#  ns2: dummy d0..d3: root's playground, where the fuzzer makes and breaks
#       gateways named gw1..gw3 (and any other name it tries)
#  ns3: dummy d0, gateway churn: its EIPs come and go while dumps run
#
# NATGW_STRESS=1 sends ten times as many messages (make stress),
# NATGW_FUZZ_SCALE any multiple (0.1 on a debug kernel, where each message
# costs 25 times as much); NATGW_FUZZ_SEED picks another seed (default 1).

source "$(dirname "$0")/lib.sh"

scale=1
[[ ${NATGW_STRESS:-0} == 1 ]] && scale=10
scale=${NATGW_FUZZ_SCALE:-$scale}
scaled() { awk -v n="$1" -v k="$scale" 'BEGIN { printf "%d", n * k + 0.5 }'; }
count_root=$(scaled 60000)
count_nobody=$(scaled 40000)
count_dumps=$(scaled 400)
seed=${NATGW_FUZZ_SEED:-1}
fuzz_py=$NATGW_REPO/selftests/fuzz_netlink.py
# the copy that user nobody runs (it reads the uapi header next to it)
nobody_py=$ksft_tmp/pub/selftests/fuzz_netlink.py

nat1() { natctl -n "$ns1" "$@"; }
nat3() { natctl -n "$ns3" "$@"; }

setup()
{
	local i

	ns_add 1 2 3
	ip -n "$ns1" link add d0 type dummy
	ip -n "$ns1" link add d1 type dummy
	for i in 0 1 2 3; do
		ip -n "$ns2" link add "d$i" type dummy
	done
	nat1 gateway add gw1 dev d0 vpc 10.0.0.0/16
	nat1 gateway add gw2 dev d1 vpc 10.1.0.0/16 snat-ports 20000-29999
	nat1 eip add gw1 203.0.113.1
	nat1 eip add gw1 203.0.113.2
	nat1 eip add gw1 203.0.113.3
	nat1 eip add gw2 203.0.113.9
	nat1 snat add gw1 source vpc eip 203.0.113.1,203.0.113.2 >/dev/null
	nat1 snat add gw1 source 10.0.7.0/24 eip 203.0.113.2 affinity on >/dev/null
	nat1 snat add gw2 source vpc eip 203.0.113.9 >/dev/null
	nat1 dnat add gw1 eip 203.0.113.3 to 10.0.0.9 >/dev/null
	# enough port mappings that every dump of them takes several messages
	for i in $(seq 1 60); do
		nat1 dnat add gw1 eip 203.0.113.2 proto tcp port "$((i * 10))/$((i * 10 + 4))" \
			to "10.0.1.$i" port 8000/8004 >/dev/null
	done
	nat1 timeout set udp 123
	ip -n "$ns3" link add d0 type dummy
	nat3 gateway add churn dev d0 vpc 172.16.0.0/16
	nat3 eip add churn 198.18.0.99
	nat3 dnat add churn eip 198.18.0.99 to 172.16.0.9 >/dev/null
}

# Everything natctl can read about namespace NS, as text; fails if natctl
# does (two failures with the same output must not compare equal).
state()
{
	local obj

	natctl -n "$1" save || return
	for obj in gateway eip snat dnat timeout quota; do
		natctl -n "$1" -j "$obj" show || return
	done
	natctl -n "$1" -j session count
}

# Commands that change state, and the reads of traffic (sessions, their
# count, statistics), need CAP_NET_ADMIN (GENL_UNS_ADMIN_PERM); reading the
# configuration does not (Documentation/operations.md); every request
# command of the uapi header (all but UNSPEC and the *_NTF events) is an
# operation of the family.
test_family()
{
	local bad want have

	expect_rc 0 ip netns exec "$ns1" "$PYTHON" "$fuzz_py" family
	ksft_diag "$(head -n 1 <<<"$out"), $(grep -c '^op ' <<<"$out") operations"
	want=$(sed -nE 's/^\s*NATGW_CMD_([A-Z_]+),.*/\1/p' \
		"$NATGW_REPO/include/uapi/linux/natgw.h" | grep -v -e '^UNSPEC$' -e '_NTF$' | sort)
	have=$(awk '$1 == "op" { print $2 }' <<<"$out" | sort)
	[[ -n $want ]] || { echo "no NATGW_CMD_ in the uapi header"; return 1; }
	expect_eq "$have" "$want" "the family's operations"
	bad=$(awk '$1 == "op" {
		admin = $5 == "admin"
		priv = $2 ~ /_(NEW|DEL|SET)$|^SESSION_(FLUSH|GET|COUNT)$|^STATS_GET$/
		if (admin != priv) print $2 " " $4 }' <<<"$out")
	expect_eq "$bad" "" "operations whose CAP_NET_ADMIN flag is wrong"
}

test_unprivileged()
{
	local before after

	before=$(state "$ns1")
	expect_match "$before" '^gateway add gw1 ' "ns1's state"
	expect_rc 0 nobody_in "$ns1" "$PYTHON" "$nobody_py" fuzz "$count_nobody" \
		--unprivileged --seed "$seed" --names gw1,gw2,gw3
	grep '^#' <<<"$out" >&3 || true
	after=$(state "$ns1")
	expect_eq "$after" "$before" "ns1's state after the unprivileged fuzzing"
}

test_root()
{
	local i

	expect_rc 0 ip netns exec "$ns2" "$PYTHON" "$fuzz_py" fuzz "$count_root" \
		--seed "$seed" --names gw1,gw2,gw3
	grep '^#' <<<"$out" >&3 || true
	# whatever it left, natctl can read it back whole
	expect_rc 0 natctl -n "$ns2" save
	ksft_diag "root's fuzzing left $(grep -c '^gateway add' <<<"$out") gateways, $(grep -c . <<<"$out") configuration lines"
	local saved=$out gws
	gws=$(grep -c '^gateway add' <<<"$saved" || true)
	expect_rc 0 natctl -n "$ns2" -j gateway show
	expect_json "$out" 'isinstance(d, list)' "len(d) == $gws"
	# and it is a configuration: restored in a fresh namespace with the
	# same devices, it saves the same
	ns_add 4
	for i in 0 1 2 3; do
		ip -n "$ns4" link add "d$i" type dummy
	done
	expect_rc 0 natctl -n "$ns4" -f - <<<"$saved"
	expect_rc 0 natctl -n "$ns4" save
	expect_eq "$out" "$saved" "ns2's configuration restored in ns4"
	ip netns del "$ns4"
}

# Dumps of every kind, abandoned after their first message, by root and by
# nobody in ns1, and by root in ns3 while its EIPs come and go.
test_dumps()
{
	local before after churn

	before=$(state "$ns1")
	expect_match "$before" '^gateway add gw1 ' "ns1's state"
	expect_rc 0 ip netns exec "$ns1" "$PYTHON" "$fuzz_py" dumps "$count_dumps" --seed "$seed"
	grep '^#' <<<"$out" >&3 || true
	expect_rc 0 nobody_in "$ns1" "$PYTHON" "$nobody_py" dumps "$count_dumps" --seed "$((seed + 1))"
	after=$(state "$ns1")
	expect_eq "$after" "$before" "ns1's state after the dumps"

	(
		for i in $(seq 1 200); do
			nat3 eip add churn 198.18.0.$((i % 20 + 1)) || true
			nat3 eip del churn 198.18.0.$(((i + 7) % 20 + 1)) || true
		done
	) >/dev/null 2>&1 &
	churn=$!
	expect_rc 0 ip netns exec "$ns3" "$PYTHON" "$fuzz_py" dumps "$count_dumps" --seed "$((seed + 2))"
	wait "$churn"
}

holds_baseline()
{
	[[ $(natgw_holds) == "$holds_base" ]] &&
		(($(session_slab) <= slab_base + SESSION_SLAB_SLACK))
}

# Deleting the namespaces frees whatever the fuzzing left: natgw holds what
# it held before the script made them.
test_netns_delete()
{
	ksft_diag "with the namespaces: $(natgw_holds), slab $(session_slab) objects"
	ip netns del "$ns1"
	ip netns del "$ns2"
	ip netns del "$ns3"
	if ! wait_until 30 holds_baseline; then
		echo "natgw holds: $(natgw_holds), slab $(session_slab); before: $holds_base, slab $slab_base (+$SESSION_SLAB_SLACK)"
		return 1
	fi
}

require_root
require_cmd setpriv
modprobe -q nf_defrag_ipv4 || ksft_exit_skip "no nf_defrag_ipv4"
natgw_load
if ! holds_base=$(natgw_holds) || ! slab_base=$(session_slab); then
	echo "# cannot read what natgw holds"
	exit "$KSFT_FAIL"
fi
ksft_setup setup
nobody_copy selftests/fuzz_netlink.py include/uapi/linux/natgw.h ||
	{ echo "# cannot copy the fuzzer for nobody"; exit "$KSFT_FAIL"; }

ksft_plan 5
ksft_run netlink_family_permissions test_family
ksft_run netlink_fuzz_unprivileged test_unprivileged
ksft_run netlink_fuzz_root test_root
ksft_run netlink_dumps_abandoned test_dumps
ksft_run netlink_netns_delete_frees test_netns_delete
ksft_finish
