#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Gateway objects through natctl, in two namespaces at once:
#
#   $ns1: d0 (dummy)  gw1 vpc 10.0.0.0/16
#   $ns2: d0 (dummy)  gw1 vpc 10.1.0.0/16, gw2 vpc 172.16.0.0/12
#         d1 (dummy)  exists only here
#
# add, show (text, JSON, one gateway), del, each seen only in its own
# namespace; every refusal with its exit status (1 for a refused or bad
# argument, 2 for a usage error) and a message naming the culprit; a
# non-root caller changes nothing; a gateway follows its device's renaming
# and is reported down when the device goes.

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

readonly GW_KEYS="name dev ifindex vpc snat_ports state icmp_reply eip_arp deletion_protection id"
readonly NOT_FOUND_RE='[Nn]o such|not found|does not exist|[Uu]nknown'

test_add()
{
	expect_rc 0 natctl -n "$ns1" gateway add gw1 dev d0 vpc 10.0.0.0/16
	expect_rc 0 natctl -n "$ns2" gateway add gw1 dev d0 vpc 10.1.0.0/16
	expect_rc 0 natctl -n "$ns2" gateway add gw2 dev d0 vpc 172.16.0.0/12
}

test_show_text()
{
	expect_rc 0 natctl -n "$ns1" gateway show
	expect_lines 1 "$out" "gateway show in $ns1"
	expect_match "$out" '^gw1 dev d0 vpc 10\.0\.0\.0/16( |$)'
	expect_match "$out" ' snat-ports 1025-65535( |$)'
	expect_match "$out" ' state up( |$)'

	expect_rc 0 natctl -n "$ns2" gateway show
	expect_lines 2 "$out" "gateway show in $ns2"
	expect_match "$out" '^gw1 dev d0 vpc 10\.1\.0\.0/16( |$)'
	expect_match "$out" '^gw2 dev d0 vpc 172\.16\.0\.0/12( |$)'
	expect_nomatch "$out" '10\.0\.0\.0/16' "gateway show in $ns2"

	expect_rc 0 natctl gateway show
	expect_nomatch "$out" '10\.0\.0\.0/16|10\.1\.0\.0/16' "gateway show in the initial namespace"
}

test_show_json()
{
	local ifindex

	ifindex=$(n1 cat /sys/class/net/d0/ifindex)
	expect_rc 0 natctl -n "$ns1" -j gateway show
	expect_json "$out" \
		"len(d) == 1" \
		"set('$GW_KEYS'.split()) <= set(d[0])" \
		"d[0]['name'] == 'gw1' and d[0]['dev'] == 'd0'" \
		"d[0]['ifindex'] == $ifindex" \
		"d[0]['vpc'] == '10.0.0.0/16' and d[0]['snat_ports'] == '1025-65535'" \
		"d[0]['state'] == 'up'"

	expect_rc 0 natctl -n "$ns2" -j -p gateway show
	expect_json "$out" \
		"{g['name']: g['vpc'] for g in d} == {'gw1': '10.1.0.0/16', 'gw2': '172.16.0.0/12'}" \
		"len(set(g['id'] for g in d)) == 2"
}

test_show_one()
{
	expect_rc 0 natctl -n "$ns2" gateway show gw2
	expect_lines 1 "$out" "gateway show gw2"
	expect_match "$out" '^gw2 dev d0 vpc 172\.16\.0\.0/12( |$)'

	expect_rc 0 natctl -n "$ns2" -j gateway show gw2
	expect_json "$out" "len(d) == 1 and d[0]['name'] == 'gw2'"

	expect_rc 1 natctl -n "$ns1" gateway show gw2
	expect_match "$err" "$NOT_FOUND_RE|gw2" "stderr"
}

test_refuse_duplicate()
{
	expect_rc 1 natctl -n "$ns1" gateway add gw1 dev d0 vpc 10.9.0.0/16
	expect_lines 1 "$err" "stderr"
	expect_match "$err" 'gw1|exists' "stderr"
	# in JSON too, a refusal prints nothing on stdout
	expect_rc 1 natctl -j -n "$ns1" gateway add gw1 dev d0 vpc 10.9.0.0/16
	expect_eq "$out" "" "stdout of a refused add in JSON"
	expect_rc 0 natctl -n "$ns1" gateway show
	expect_lines 1 "$out" "gateway show after the refusal"
	expect_match "$out" '^gw1 dev d0 vpc 10\.0\.0\.0/16( |$)'
}

test_refuse_unknown_dev()
{
	expect_rc 1 natctl -n "$ns1" gateway add gw9 dev nosuchdev vpc 10.9.0.0/16
	expect_lines 1 "$err" "stderr"
	expect_contains "$err" nosuchdev "stderr"
	# d1 exists, but in the other namespace.
	expect_rc 1 natctl -n "$ns1" gateway add gw9 dev d1 vpc 10.9.0.0/16
	expect_contains "$err" d1 "stderr"
	expect_rc 0 natctl -n "$ns1" gateway show
	expect_nomatch "$out" '^gw9 ' "gateway show after the refusals"
}

test_refuse_bad_cidr()
{
	local cidr

	for cidr in 10.0.0.0/33 10.0.0.1/16 abc 300.0.0.0/8 10.0.0.0/; do
		expect_rc 1 natctl -n "$ns1" gateway add gw9 dev d0 vpc "$cidr"
		expect_lines 1 "$err" "stderr for vpc $cidr"
		expect_contains "$err" "$cidr" "stderr for vpc $cidr"
	done
	expect_rc 0 natctl -n "$ns1" gateway show
	expect_nomatch "$out" '^gw9 ' "gateway show after the refusals"
}

# Each is a usage error: status 2 and the object's grammar.
test_usage()
{
	local args
	local -a cmds=(
		"gateway add"
		"gateway add gw9"
		"gateway add gw9 dev d0"
		"gateway add gw9 vpc 10.9.0.0/16"
		"gateway add gw9 dev d0 vpc"
		"gateway add gw9 dev d0 vpc 10.9.0.0/16 bogus"
		"gateway del"
		"gateway frobnicate"
	)

	for args in "${cmds[@]}"; do
		# shellcheck disable=SC2086 # word splitting is the point
		expect_rc 2 natctl -n "$ns1" $args
		expect_contains "$out$err" "gateway add NAME dev IFNAME vpc CIDR" "usage of '$args'"
	done
	expect_rc 0 natctl -n "$ns1" gateway show
	expect_nomatch "$out" '^gw9 ' "gateway show after the usage errors"
}

# The kernel refuses changes from a caller without CAP_NET_ADMIN.
test_refuse_non_root()
{
	local natctl=$ksft_tmp/pub/tools/natctl/natctl

	nobody_copy tools/natctl/natctl
	# natctl's own message: the kernel refused, natctl ran
	expect_rc 1 nobody_in "$ns1" "$natctl" gateway add gw9 dev d0 vpc 10.9.0.0/16
	expect_lines 1 "$err" "stderr"
	expect_match "$err" '^natctl: .*not permitted' "stderr"
	expect_rc 1 nobody_in "$ns1" "$natctl" gateway del gw1
	expect_match "$err" '^natctl: .*not permitted' "stderr"
	expect_rc 0 natctl -n "$ns1" gateway show
	expect_lines 1 "$out" "gateway show after the refusals"
	expect_match "$out" '^gw1 '
}

test_del()
{
	expect_rc 0 natctl -n "$ns2" gateway del gw1
	expect_rc 0 natctl -n "$ns2" gateway show
	expect_lines 1 "$out" "gateway show in $ns2 after del gw1"
	expect_match "$out" '^gw2 '
	# $ns1's gw1 is another gateway.
	expect_rc 0 natctl -n "$ns1" gateway show gw1

	expect_rc 1 natctl -n "$ns2" gateway del gw1
	expect_match "$err" "$NOT_FOUND_RE|gw1" "stderr"

	expect_rc 0 natctl -n "$ns1" gateway del gw1
	expect_rc 0 natctl -n "$ns2" gateway del gw2
	expect_rc 0 natctl -n "$ns1" gateway show
	expect_eq "$out" "" "gateway show in $ns1"
	expect_rc 0 natctl -n "$ns2" -j gateway show
	expect_json "$out" "d == []"
}

# The gateway outlives its device, reported down.
test_dev_deleted()
{
	n1 ip link add d5 type dummy
	expect_rc 0 natctl -n "$ns1" gateway add gw5 dev d5 vpc 10.5.0.0/16
	n1 ip link del d5
	expect_rc 0 natctl -n "$ns1" gateway show gw5
	expect_lines 1 "$out" "gateway show gw5"
	expect_match "$out" '^gw5 .* state down( |$)'
	expect_rc 0 natctl -n "$ns1" -j gateway show gw5
	expect_json "$out" "d[0]['state'] == 'down' and d[0]['vpc'] == '10.5.0.0/16'"
	expect_rc 0 natctl -n "$ns1" gateway del gw5
}

# The gateway holds its device by ifindex, so it follows a rename.
test_dev_renamed()
{
	n1 ip link add d6 type dummy
	expect_rc 0 natctl -n "$ns1" gateway add gw6 dev d6 vpc 10.6.0.0/16
	n1 ip link set d6 name wan6
	expect_rc 0 natctl -n "$ns1" gateway show gw6
	expect_match "$out" '^gw6 dev wan6 vpc 10\.6\.0\.0/16( |$)'
	expect_match "$out" ' state up( |$)'
	expect_rc 0 natctl -n "$ns1" -j gateway show gw6
	expect_json "$out" "d[0]['dev'] == 'wan6'"
	expect_rc 0 natctl -n "$ns1" gateway del gw6
}

require_root
require_cmd setpriv
[[ -x $NATCTL ]] || ksft_exit_skip "$NATCTL not built (make natctl)"
natgw_load

{
	ns_add 1 2 &&
	n1 ip link add d0 type dummy &&
	n2 ip link add d0 type dummy &&
	n2 ip link add d1 type dummy
} || { echo "# setup failed"; exit "$KSFT_FAIL"; }

ksft_plan 12
ksft_run add_in_two_netns test_add
ksft_run show_text test_show_text
ksft_run show_json test_show_json
ksft_run show_one test_show_one
ksft_run refuse_duplicate_name test_refuse_duplicate
ksft_run refuse_unknown_device test_refuse_unknown_dev
ksft_run refuse_malformed_cidr test_refuse_bad_cidr
ksft_run usage_errors test_usage
ksft_run refuse_non_root test_refuse_non_root
ksft_run del test_del
ksft_run device_deleted_gateway_down test_dev_deleted
ksft_run device_renamed_gateway_follows test_dev_renamed
ksft_finish
