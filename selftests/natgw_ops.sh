#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Operating natgw: quotas, deletion protection and the cascade of a forced
# delete, counters (natctl -j stats and --prometheus), the NAT log (natctl
# monitor), and a save / flush / restore round trip.
#
#  ns1 h1                  ns2 router                         ns3 inet
#  eth0 10.0.1.10/24 ───── vh1 10.0.1.1/24
#  default via .1          natgw gw1 dev ext0
#                          ext0 198.51.100.1/24 ──────────── eth0 198.51.100.2/24
#                                                             203.0.113.0/24 via .1
#  ns4: dummies d0 and d1, for configuration only (recreated by the
#  subtests that need it empty)
#
# gw1: dev ext0, vpc 10.0.0.0/16, EIP 203.0.113.1 for the whole VPC; every
# subtest that uses it starts from a fresh one.  inet has no route to the
# VPC; its UDP server on port 7001 echoes each datagram to its sender.
# Packets to 192.0.2.0/24 reach inet, which does not forward: they open
# sessions that nothing answers.

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

nat() { natctl -n "$ns2" "$@"; }
cfg() { natctl -n "$ns4" "$@"; }

readonly INET=198.51.100.2 E1=203.0.113.1 ECHO_PORT=7001
readonly PARAMS=/sys/module/natgw/parameters
# The reference's quotas, and the module parameter for each.
readonly -A QUOTA_DEFAULT=([max_gateways]=5 [max_eips]=20
			   [max_snat_entries]=40 [max_dnat_entries]=100)

# param NAME: the value of natgw's module parameter NAME.
param()
{
	echo "$(<"$PARAMS/$1")"
}

# The UDP echo server; it creates READY once it listens.
echo_py='
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", int(sys.argv[2])))
open(sys.argv[1], "w").close()
while True:
	data, peer = s.recvfrom(4096)
	s.sendto(data, peer)
'

# The client: COUNT datagrams of SIZE bytes from one socket, each waiting
# for its echo.  Prints the socket's local port.
client_py='
import socket, sys
addr, port, count, size = sys.argv[1:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((addr, int(port)))
for i in range(int(count)):
	s.send(b"x" * int(size))
	s.recv(4096)
print(s.getsockname()[1])
'

# udp_echo COUNT SIZE: h1 talks to inet's echo server; prints its port.
udp_echo()
{
	n1 "$PYTHON" -I -S -c "$client_py" "$INET" "$ECHO_PORT" "$1" "$2"
}

# gen_flows SRC HOSTS FIRST COUNT: new UDP flows from addresses SRC.. of
# h1's link to 192.0.2.1:9, each one datagram (see gen_flows.py).
gen_flows()
{
	n1 "$PYTHON" -I -S "$NATGW_REPO/selftests/gen_flows.py" eth0 \
		"$(n2 cat /sys/class/net/vh1/address)" "$1" "$2" 192.0.2.1:9 "$3" "$4"
}

# Quotas the subtests change at run time are put back.
test_cleanup()
{
	[[ -n $saved_max_sessions ]] && echo "$saved_max_sessions" >"$PARAMS"/max_sessions
	return 0
}

# A fresh $ns4 with dummies d0 and d1 and no natgw configuration.  Under
# TCG every program started costs much: one ip (and, below, one natctl -f)
# does the work of several.
fresh_ns4()
{
	[[ ! -e /run/netns/$ns4 ]] || ip netns del "$ns4"
	ip -b - <<-EOF
		netns add $ns4
		link add d0 netns $ns4 type dummy
		link add d1 netns $ns4 type dummy
	EOF
}

# gw1 with E1 for the whole VPC, and no session.
gw_setup()
{
	gw_reset
	nat -f - >/dev/null <<-EOF
		gateway add gw1 dev ext0 vpc 10.0.0.0/16
		eip add gw1 $E1
		snat add gw1 source vpc eip $E1
	EOF
}

# ---- quotas -----------------------------------------------------------------

# quota show lists the limits the module runs with, which are the
# reference's unless someone changed them.
test_quota_show()
{
	local p

	for p in "${!QUOTA_DEFAULT[@]}"; do
		expect_eq "$(param "$p")" "${QUOTA_DEFAULT[$p]}" "module parameter $p"
	done
	expect_rc 0 natctl quota show
	expect_eq "$out" "gateways-per-namespace $(param max_gateways)
eips-per-gateway $(param max_eips)
snat-entries-per-gateway $(param max_snat_entries)
dnat-entries-per-gateway $(param max_dnat_entries)
sessions-per-namespace $(param max_sessions)" "quota show"
	expect_rc 0 natctl -j quota show
	expect_eq "$out" "{\"gateways_per_namespace\":$(param max_gateways),\
\"eips_per_gateway\":$(param max_eips),\
\"snat_entries_per_gateway\":$(param max_snat_entries),\
\"dnat_entries_per_gateway\":$(param max_dnat_entries),\
\"sessions_per_namespace\":$(param max_sessions)}" "quota show -j"
}

# expect_quota_refusal PARAM: the command just captured was refused at the
# quota of module parameter PARAM, and said so.  The message is kept for
# test_quota_value.
expect_quota_refusal()
{
	expect_eq "$rc" 1 "exit status"
	expect_lines 1 "$err" "stderr"
	expect_match "$err" '[Qq]uota' "stderr"
	expect_contains "$err" "$1" "stderr"
	printf '%s\t%s\n' "$1" "$err" >>"$ksft_tmp/quota-refusals"
}

# 5 gateways per namespace; several may share a device.
test_quota_gateways()
{
	local max i

	max=$(param max_gateways)
	fresh_ns4
	for ((i = 1; i <= max; i++)); do
		echo "gateway add g$i dev d0 vpc 10.$i.0.0/16"
	done | cfg -f -
	capture cfg gateway add g0 dev d1 vpc 10.0.0.0/16
	expect_quota_refusal max_gateways
	expect_lines "$max" "$(cfg gateway show)" "gateways"
}

test_quota_eips()
{
	local max i

	max=$(param max_eips)
	fresh_ns4
	{
		echo "gateway add q dev d0 vpc 10.0.0.0/16"
		for ((i = 1; i <= max; i++)); do
			echo "eip add q 203.0.113.$i"
		done
	} | cfg -f -
	capture cfg eip add q 203.0.113.$((max + 1))
	expect_quota_refusal max_eips
	expect_lines "$max" "$(cfg eip show q)" "EIPs"
}

# Each SNAT entry needs its own source CIDR: 10.0.I.0/24.
test_quota_snat()
{
	local max i

	max=$(param max_snat_entries)
	fresh_ns4
	{
		echo "gateway add q dev d0 vpc 10.0.0.0/16"
		echo "eip add q 203.0.113.1"
		for ((i = 0; i < max; i++)); do
			echo "snat add q source 10.0.$i.0/24 eip 203.0.113.1"
		done
	} | cfg -f - >/dev/null
	capture cfg snat add q source "10.0.$max.0/24" eip 203.0.113.1
	expect_quota_refusal max_snat_entries
	expect_lines "$max" "$(cfg snat show q)" "SNAT entries"
}

# Each DNAT entry needs its own public port: 1..N, below the SNAT range.
test_quota_dnat()
{
	local max i

	max=$(param max_dnat_entries)
	fresh_ns4
	{
		echo "gateway add q dev d0 vpc 10.0.0.0/16"
		echo "eip add q 203.0.113.1"
		for ((i = 1; i <= max; i++)); do
			echo "dnat add q eip 203.0.113.1 proto tcp port $i to 10.0.0.5 port $i"
		done
	} | cfg -f - >/dev/null
	capture cfg dnat add q eip 203.0.113.1 proto tcp port $((max + 1)) to 10.0.0.5 port 80
	expect_quota_refusal max_dnat_entries
	expect_lines "$max" "$(cfg dnat show q)" "DNAT entries"
}

# Each refusal also states the quota's value (issue: "a refusal names the
# quota and its value").
test_quota_value()
{
	local name msg value bad=0

	[[ -s $ksft_tmp/quota-refusals ]] || { echo "no quota refusal was recorded"; return 1; }
	while IFS=$'\t' read -r name msg; do
		value=$(param "$name")
		[[ $msg =~ (^|[^0-9])$value([^0-9]|$) ]] && continue
		echo "refusal at $name does not state its value $value: $msg"
		bad=1
	done <"$ksft_tmp/quota-refusals"
	return "$bad"
}

# The session limit: new flows past it are dropped and counted; quota show
# follows the parameter, which may change at run time.
test_quota_sessions()
{
	local dropped created

	gw_setup
	trap 'echo "$saved_max_sessions" >"$PARAMS"/max_sessions' EXIT
	echo 2 >"$PARAMS"/max_sessions
	expect_match "$(nat quota show)" '^sessions-per-namespace 2$' "quota show"
	dropped=$(gw_stat drops_session_limit)
	created=$(gw_stat sessions_created)
	expect_eq "$(gen_flows 10.0.1.100 4 0 4)" 4 "frames sent"
	expect_eq "$(nat session count)" 2 "sessions at a limit of 2"
	expect_eq "$(gw_stat drops_session_limit)" $((dropped + 2)) "drops_session_limit"
	expect_eq "$(gw_stat sessions_created)" $((created + 2)) "sessions_created"
}

# ---- lifecycle --------------------------------------------------------------

# expect_protected NAME: NAME was just refused for its deletion protection,
# with a message that tells how to turn it off, and is still there.
expect_protected()
{
	expect_eq "$rc" 1 "exit status"
	expect_lines 1 "$err" "stderr"
	expect_match "$err" '[Dd]eletion.protection' "stderr"
	expect_contains "$err" "deletion-protection off" "stderr"
	expect_rc 0 cfg gateway show "$1"
	expect_match "$out" ' deletion-protection on( |$)' "gateway show $1"
}

test_protection()
{
	fresh_ns4
	cfg -f - >/dev/null <<-EOF
		gateway add p1 dev d0 vpc 10.1.0.0/16 deletion-protection on
		eip add p1 203.0.113.1
		snat add p1 source vpc eip 203.0.113.1
	EOF
	capture cfg gateway del p1
	expect_protected p1
	capture cfg gateway del p1 force
	expect_protected p1
	# force took nothing away either
	expect_eq "$(cfg -j eip show p1)" '[{"eip":"203.0.113.1","gateway":"p1"}]' "EIPs"
	expect_lines 1 "$(cfg snat show p1)" "SNAT entries"

	cfg gateway set p1 deletion-protection off
	expect_match "$(cfg gateway show p1)" ' deletion-protection off( |$)' "gateway show p1"
	expect_rc 0 cfg gateway del p1 force

	# turned on after creation
	cfg gateway add p2 dev d0 vpc 10.2.0.0/16
	expect_match "$(cfg gateway show p2)" ' deletion-protection off( |$)' "gateway show p2"
	cfg gateway set p2 deletion-protection on
	capture cfg gateway del p2
	expect_protected p2
	cfg gateway set p2 deletion-protection off
	expect_rc 0 cfg gateway del p2
	expect_eq "$(cfg -j gateway show)" "[]" "gateways"
}

# expect_remains WHAT OTHER: gateway r1 was just refused, the message
# naming WHAT (an ERE) and not OTHER, and telling about force.
expect_remains()
{
	expect_eq "$rc" 1 "exit status"
	expect_lines 1 "$err" "stderr"
	expect_match "$err" "$1" "stderr"
	expect_nomatch "$err" "$2" "stderr"
	expect_contains "$err" force "stderr"
	expect_rc 0 cfg gateway show r1
}

# Without force, a gateway goes only when it holds nothing.
test_del_remains()
{
	fresh_ns4
	cfg -f - <<-EOF
		gateway add r1 dev d0 vpc 10.0.0.0/16
		eip add r1 203.0.113.1
		eip add r1 203.0.113.2
	EOF
	capture cfg gateway del r1
	expect_remains 'EIP' 'SNAT|DNAT'
	cfg dnat add r1 eip 203.0.113.2 proto tcp port 80 to 10.0.0.5 port 80 >/dev/null
	capture cfg gateway del r1
	expect_remains 'DNAT' 'SNAT'
	cfg snat add r1 source vpc eip 203.0.113.1 >/dev/null
	capture cfg gateway del r1
	expect_remains 'SNAT' '^$'
	expect_lines 2 "$(cfg eip show r1)" "EIPs after the refusals"
	expect_lines 1 "$(cfg snat show r1)" "SNAT entries after the refusals"
	expect_lines 1 "$(cfg dnat show r1)" "DNAT entries after the refusals"

	cfg -f - <<-EOF
		snat del r1 id 1
		dnat del r1 id 1
		eip del r1 203.0.113.1
		eip del r1 203.0.113.2
	EOF
	expect_rc 0 cfg gateway del r1
	expect_eq "$(cfg -j gateway show)" "[]" "gateways"
}

# With force, the gateway takes its EIPs, entries and sessions with it.
test_del_force()
{
	gw_setup
	nat dnat add gw1 eip "$E1" proto udp port 53 to 10.0.1.10 port 53 >/dev/null
	udp_echo 1 10 >/dev/null
	n1 ping -c 1 -W 2 "$INET" >/dev/null
	expect_eq "$(nat session count gw1)" 2 "sessions before the delete"
	expect_rc 0 nat gateway del gw1 force
	expect_eq "$(nat -j gateway show)" "[]" "gateways"
	expect_eq "$(nat -j eip show)" "[]" "EIPs"
	expect_eq "$(nat -j snat show)" "[]" "SNAT entries"
	expect_eq "$(nat -j dnat show)" "[]" "DNAT entries"
	expect_eq "$(nat session count)" 0 "sessions"
	expect_eq "$(nat -j stats)" '{"gateways":[]}' "stats"
	# the EIP is free for another gateway
	nat gateway add gw2 dev ext0 vpc 10.0.0.0/16
	expect_rc 0 nat eip add gw2 "$E1"
	nat gateway del gw2 force
}

# ---- counters ---------------------------------------------------------------

# counters_py BEFORE AFTER: the deltas of natctl -j stats gw1 between
# BEFORE and AFTER are those of three 100-byte datagrams echoed through
# one new session (IP bytes: 128 each) and two unsolicited datagrams to E1,
# for the gateway, E1 and SNAT entry 1 alike.
counters_py='
import json, sys
b, a = (json.loads(x)["gateways"][0] for x in sys.argv[1:3])
def objs(g):
	return {"gateway": g,
		"eip": next(e for e in g["eips"] if e["eip"] == "203.0.113.1"),
		"snat entry": next(e for e in g["snat"] if e["id"] == 1)}
want = {"packets_out": 3, "packets_in": 3, "bytes_out": 3 * 128,
	"bytes_in": 3 * 128, "sessions_created": 1}
drops = {"gateway": 2, "eip": 2, "snat entry": 0}
errors = []
ob, oa = objs(b), objs(a)
for what in ob:
	for key, n in list(want.items()) + [("drops_unsolicited", drops[what])]:
		if oa[what][key] - ob[what][key] != n:
			errors.append("%s %s: %d -> %d, expected +%d" %
				      (what, key, ob[what][key], oa[what][key], n))
	if oa[what]["sessions_active_udp"] != 1:
		errors.append("%s sessions_active_udp: %d" % (what, oa[what]["sessions_active_udp"]))
sys.exit("\n".join(errors) or None)
'

test_counters()
{
	local before after

	gw_setup
	before=$(nat -j stats gw1)
	udp_echo 3 100 >/dev/null
	n3 bash -c "echo x >/dev/udp/$E1/5555; echo x >/dev/udp/$E1/5556"
	after=$(nat -j stats gw1)
	"$PYTHON" -I -S -c "$counters_py" "$before" "$after"
	# the text output carries the same counters
	expect_match "$(nat stats gw1)" '^	drops .*unsolicited 2( |$)' "stats gw1"
}

# prom_py TEXT STATS_JSON: TEXT is valid Prometheus text exposition format
# (0.0.4) and carries exactly the counters of STATS_JSON (natctl -j stats)
# under the documented names and labels.
prom_py='
import json, re, sys
try:
	from prometheus_client.parser import text_string_to_metric_families
except ImportError:
	sys.exit(4)

text, stats = sys.argv[1], json.loads(sys.argv[2])
errors = []
NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL = re.compile(r"\s*([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\n]|\\[\\\"n])*)\"\s*(,|$)")
SAMPLE = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")

def unescape(v):
	return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), v)

# 1. the format, line by line
helps, types, done, series = {}, {}, set(), {}
current = None
for n, line in enumerate(text.split("\n"), 1):
	if line == "":
		if n != len(text.split("\n")):
			errors.append("line %d: empty" % n)
		continue
	if line.startswith("#"):
		m = re.match(r"# (HELP|TYPE) (\S+) (.*)$", line)
		if not m:
			errors.append("line %d: not HELP or TYPE: %s" % (n, line))
			continue
		kind, name, rest = m.groups()
		if not NAME.match(name):
			errors.append("line %d: bad metric name %s" % (n, name))
		table = helps if kind == "HELP" else types
		if name in table or name in done:
			errors.append("line %d: second %s for %s" % (n, kind, name))
		table[name] = rest
		if kind == "TYPE" and rest not in ("counter", "gauge"):
			errors.append("line %d: type %s" % (n, rest))
		if name != current:
			if current:
				done.add(current)
			current = name
		continue
	m = SAMPLE.match(line)
	if not m:
		errors.append("line %d: not a sample: %s" % (n, line))
		continue
	name, labels, value = m.groups()
	if name != current or name not in helps or name not in types:
		errors.append("line %d: %s without its HELP and TYPE just before" % (n, name))
	if types.get(name) == "counter" and not name.endswith("_total"):
		errors.append("line %d: counter %s does not end in _total" % (n, name))
	ls, rest = {}, labels or ""
	while rest:
		lm = LABEL.match(rest)
		if not lm:
			errors.append("line %d: bad labels {%s}" % (n, labels))
			break
		if lm.group(1) in ls:
			errors.append("line %d: label %s twice" % (n, lm.group(1)))
		ls[lm.group(1)] = unescape(lm.group(2))
		rest = rest[lm.end():]
	try:
		v = float(value)
	except ValueError:
		errors.append("line %d: value %s" % (n, value))
		continue
	key = (name, tuple(sorted(ls.items())))
	if key in series:
		errors.append("line %d: duplicate series %s" % (n, line))
	series[key] = v
for name in helps:
	if name not in types:
		errors.append("%s has HELP but no TYPE" % name)

# 2. the reference parser reads it all
try:
	parsed = sum(len(f.samples) for f in text_string_to_metric_families(text))
	if parsed != len(series):
		errors.append("prometheus_client parsed %d samples, lines had %d" %
			      (parsed, len(series)))
except ValueError as e:
	errors.append("prometheus_client: %s" % e)

# 3. what it must hold: every counter of natctl -j stats, nothing else
FAMILIES = {"sessions_active": "gauge", "sessions_created_total": "counter",
	    "packets_total": "counter", "bytes_total": "counter",
	    "drops_total": "counter", "port_alloc_errors_total": "counter",
	    "icmp_replies_total": "counter"}
REASONS = ("no_session", "unsolicited", "port_alloc", "session_limit",
	   "malformed", "icmp_no_session", "no_snat", "unsupported")
def samples(obj):
	yield from ((("sessions_active", ("proto", p)), obj["sessions_active_" + p])
		    for p in ("tcp", "udp", "icmp"))
	yield ("sessions_created_total", None), obj["sessions_created"]
	for d in ("out", "in"):
		yield ("packets_total", ("direction", d)), obj["packets_" + d]
		yield ("bytes_total", ("direction", d)), obj["bytes_" + d]
	for r in REASONS:
		yield ("drops_total", ("reason", r)), obj["drops_" + r]
	yield ("port_alloc_errors_total", None), obj["drops_port_alloc"]
	yield ("icmp_replies_total", None), obj["icmp_replies"]
want = {}
def add(prefix, labels, obj):
	for (fam, extra), v in samples(obj):
		ls = dict(labels)
		if extra:
			ls[extra[0]] = extra[1]
		want[(prefix + fam, tuple(sorted(ls.items())))] = float(v)
for g in stats["gateways"]:
	add("natgw_", {"gateway": g["name"]}, g)
	for e in g["eips"]:
		add("natgw_eip_", {"gateway": g["name"], "eip": e["eip"]}, e)
	for kind in ("snat", "dnat"):
		for e in g[kind]:
			add("natgw_entry_", {"gateway": g["name"], "kind": kind,
					     "entry": str(e["id"])}, e)
for key in sorted(set(want) - set(series)):
	errors.append("missing: %s %s" % key)
for key in sorted(set(series) - set(want)):
	errors.append("unexpected: %s %s" % key)
for key in sorted(set(want) & set(series)):
	if want[key] != series[key]:
		errors.append("%s %s: %s, natctl -j stats says %s" % (key + (series[key], want[key])))
for prefix in ("natgw_", "natgw_eip_", "natgw_entry_"):
	for fam, t in FAMILIES.items():
		if types.get(prefix + fam) != t:
			errors.append("%s%s: type %s, expected %s" % (prefix, fam, types.get(prefix + fam), t))
sys.exit("\n".join(errors[:40]) or None)
'

# The Prometheus output: valid, complete, and escaped.  A second gateway
# with a quote and a backslash in its name needs label escaping; a DNAT
# entry gives the entry families both kinds.
test_prometheus()
{
	local weird='gw"q\2' prom stats

	gw_setup
	nat dnat add gw1 eip "$E1" proto tcp port 80 to 10.0.1.10 port 80 >/dev/null
	nat gateway add "$weird" dev ext0 vpc 172.16.0.0/12
	nat eip add "$weird" 203.0.113.9
	udp_echo 2 10 >/dev/null
	n1 ping -c 1 -W 2 "$INET" >/dev/null
	n3 ping -c 1 -W 2 "$E1" >/dev/null
	n3 bash -c "echo x >/dev/udp/$E1/5555"
	expect_rc 0 nat stats --prometheus
	prom=$out
	stats=$(nat -j stats)
	nat gateway del "$weird" force
	expect_contains "$prom" 'gateway="gw\"q\\2"' "label of gateway $weird"
	"$PYTHON" -I -c "$prom_py" "$prom" "$stats" && rc=0 || rc=$?
	((rc != KSFT_SKIP)) || ksft_skip "python3-prometheus-client not installed"
	((rc == 0))
}

# ---- NAT log ----------------------------------------------------------------

# monitor_has PATTERN: the monitor's output has a line matching PATTERN.
monitor_has()
{
	grep -q -- "$1" "$ksft_tmp/monitor"
}

# natctl monitor -j: a config event for eip add, then one flow's session
# created and, after session flush, ended.  Each event is a JSON line.
test_monitor()
{
	local mon=$ksft_tmp/monitor port events

	gw_reset
	nat gateway add gw1 dev ext0 vpc 10.0.0.0/16
	spawn -o "$mon" "$ns2" "$NATCTL" monitor -j
	# Subscribed once it reports a change.
	wait_until 10 eval 'nat timeout set icmp 60; monitor_has "\"object\":\"timeout\""'
	nat -f - >/dev/null <<-EOF
		eip add gw1 $E1
		snat add gw1 source vpc eip $E1
	EOF
	port=$(udp_echo 1 50)
	nat session flush gw1 >/dev/null
	wait_until 10 monitor_has '"event":"session-end"'
	events="[$(paste -sd , "$mon")]"
	expect_json "$events" \
		"all(e['time'].endswith('Z') for e in d)" \
		"any(e['event'] == 'config' and e['object'] == 'eip' and e['action'] == 'add' and e['eip'] == '$E1' and e['gateway'] == 'gw1' for e in d)" \
		"[e['event'] for e in d if e['event'].startswith('session-')] == ['session-new', 'session-end']" \
		"all(e['proto'] == 'udp' and e['inside'] == '10.0.1.10' and e['inside_port'] == $port and e['eip'] == '$E1' and e['remote'] == '$INET' and e['remote_port'] == $ECHO_PORT and e['gateway'] == 'gw1' for e in d if e['event'].startswith('session-'))" \
		"len({e['eip_port'] for e in d if e['event'].startswith('session-')}) == 1" \
		"[(e['bytes_out'], e['bytes_in']) for e in d if e['event'] == 'session-end'] == [(78, 78)]"
}

# The config events of test_monitor carry what Documentation/natctl.md
# shows: the object's fields as show prints them, the new timeout, and the
# number of sessions a flush ended.
monitor_config_py='
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
config = [e for e in events if e["event"] == "config"]
want = {
	"timeout set icmp 60": lambda e: e["object"] == "timeout" and
		e["action"] == "set" and e.get("icmp") == 60,
	"snat add gw1 id 1 source vpc eip " + sys.argv[2]: lambda e:
		e["object"] == "snat" and e["action"] == "add" and
		e.get("gateway") == "gw1" and e.get("id") == 1 and
		e.get("source") == "vpc" and e.get("eips") == [sys.argv[2]],
	"session flush gw gw1 count 1": lambda e: e["object"] == "session" and
		e["action"] == "flush" and e.get("gateway") == "gw1" and
		e.get("count") == 1,
}
missing = ["no config event like \"%s\"" % k for k, ok in want.items()
	   if not any(ok(e) for e in config)]
if missing:
	sys.exit("\n".join(missing + ["config events:"] +
			   [json.dumps(e) for e in config]))
'

test_monitor_config()
{
	[[ -s $ksft_tmp/monitor ]] || ksft_skip "no events recorded"
	"$PYTHON" -I -S -c "$monitor_config_py" "$ksft_tmp/monitor" "$E1"
}

# ---- save and restore -------------------------------------------------------

# What is compared before and after: natctl -j OBJECT show.
readonly SHOWN="gateway eip snat dnat timeout"

# snapshot TAG: keep every natctl -j show of $ns4, and natctl save.
snapshot()
{
	local obj

	for obj in $SHOWN; do
		cfg -j "$obj" show >"$ksft_tmp/$1.$obj"
	done
	cfg save >"$ksft_tmp/$1.save"
}

# A configuration that uses every word save has to write: non-default
# timeouts and gateway settings, a name and a description that need
# quoting, protection, several EIPs, SNAT entries of every kind, and port
# and IP mappings with a range and port-override; and deleted entries, so
# that the ids it keeps have gaps.
round_trip_config()
{
	cat <<-'EOF'
		timeout set udp 120
		timeout set tcp-established 3600
		gateway add edge dev d0 vpc 10.0.0.0/16 snat-ports 2000-60000 description "say \"hi\", then go"
		gateway set edge icmp-reply off eip-arp on
		eip add edge 203.0.113.1
		eip add edge 203.0.113.2
		eip add edge 203.0.113.3
		snat add edge source 10.0.9.0/24 eip 203.0.113.1
		snat add edge source vpc eip 203.0.113.1,203.0.113.2
		snat add edge source 10.0.5.0/24 eip 203.0.113.2 affinity on
		snat add edge source 10.0.6.7/32 eip 203.0.113.1
		snat del edge id 1
		dnat add edge eip 203.0.113.1 proto tcp port 80 to 10.0.1.5 port 8080
		dnat add edge eip 203.0.113.2 proto tcp port 443 to 10.0.1.5 port 443
		dnat add edge eip 203.0.113.1 proto udp port 10000/10009 to 10.0.1.6 port 20000/20009 port-override
		dnat add edge eip 203.0.113.3 to 10.0.1.7
		dnat del edge id 2
		gateway add 'q "2"' dev d1 vpc 172.16.0.0/12 deletion-protection on
		eip add 'q "2"' 198.18.0.1
		snat add 'q "2"' source vpc eip 198.18.0.1
	EOF
}

# Everything but the ids of the gateways, which name no configuration.
strip_gateway_ids()
{
	sed -E 's/"id":[0-9]+,//g' "$1"
}

# natctl save, flush everything, natctl -f: the same configuration.
test_round_trip()
{
	local obj

	fresh_ns4
	round_trip_config | cfg -f - >/dev/null
	snapshot before
	# the file holds what was configured
	expect_match "$(<"$ksft_tmp/before.save")" '^timeout set udp 120$' "saved file"
	expect_match "$(<"$ksft_tmp/before.save")" '^gateway add .q \\?"2\\?". dev d1 ' "saved file"

	cfg -f - <<-EOF
		gateway set 'q "2"' deletion-protection off
		gateway del 'q "2"' force
		gateway del edge force
		timeout set udp 300
		timeout set tcp-established 7440
	EOF
	expect_eq "$(cfg -j gateway show)" "[]" "gateways after the flush"

	expect_rc 0 cfg -f "$ksft_tmp/before.save"
	snapshot after
	for obj in eip snat dnat timeout; do
		expect_eq "$(<"$ksft_tmp/after.$obj")" "$(<"$ksft_tmp/before.$obj")" "natctl -j $obj show after the restore"
	done
	expect_eq "$(strip_gateway_ids "$ksft_tmp/after.gateway")" \
		"$(strip_gateway_ids "$ksft_tmp/before.gateway")" \
		"natctl -j gateway show after the restore (ids aside)"
	expect_eq "$(<"$ksft_tmp/after.save")" "$(<"$ksft_tmp/before.save")" "natctl save after the restore"
	expect_json "$(<"$ksft_tmp/after.gateway")" \
		"[g['name'] for g in d] == ['edge', 'q \"2\"']" \
		"d[1]['deletion_protection'] is True and d[0]['icmp_reply'] is False"
}

# The full natctl -j gateway show, ids included, is identical too.
test_round_trip_ids()
{
	[[ -s $ksft_tmp/after.gateway ]] || ksft_skip "no restored configuration"
	expect_eq "$(<"$ksft_tmp/after.gateway")" "$(<"$ksft_tmp/before.gateway")" \
		"natctl -j gateway show after the restore"
}

# add takes an id when it is free; an entry without one gets one past the
# highest given, never a deleted entry's; a refused add prints nothing on
# stdout, even in JSON.
test_entry_ids()
{
	fresh_ns4
	cfg -f - >/dev/null <<-EOF
		gateway add g dev d0 vpc 10.0.0.0/16
		eip add g 203.0.113.1
	EOF
	expect_rc 0 cfg snat add g id 7 source 10.0.7.0/24 eip 203.0.113.1
	expect_eq "$out" "id 7" "snat add id 7"
	expect_rc 0 cfg -j snat add g source 10.0.8.0/24 eip 203.0.113.1
	expect_eq "$out" '{"id":8}' "the next snat add"
	expect_rc 0 cfg snat add g id 3 source 10.0.3.0/24 eip 203.0.113.1
	expect_eq "$out" "id 3" "snat add id 3, below the highest"
	expect_rc 1 cfg -j snat add g id 7 source 10.0.9.0/24 eip 203.0.113.1
	expect_eq "$out" "" "stdout of a refused add"
	expect_match "$err" "an entry with this id exists" "stderr"
	expect_rc 0 cfg snat del g id 8
	expect_rc 0 cfg snat add g source 10.0.9.0/24 eip 203.0.113.1
	expect_eq "$out" "id 9" "an add after deleting the highest"
	expect_rc 0 cfg dnat add g id 5 eip 203.0.113.1 proto tcp port 80 to 10.0.1.5 port 80
	expect_eq "$out" "id 5" "dnat add id 5"
	expect_rc 1 cfg -j dnat add g id 5 eip 203.0.113.1 proto tcp port 81 to 10.0.1.5 port 81
	expect_eq "$out" "" "stdout of a refused dnat add"
	expect_rc 1 cfg snat add g id 0 source 10.0.10.0/24 eip 203.0.113.1
	expect_eq "$(cfg snat show g | cut -d ' ' -f 3 | paste -sd ' ')" "7 3 9" "snat ids"
}

# A batch stops at its first failing line, names it, and undoes the lines
# before it.
test_batch_error()
{
	local file=$ksft_tmp/bad.conf

	fresh_ns4
	cat >"$file" <<-EOF
		# a comment, then a blank line

		gateway add b1 dev d0 vpc 10.0.0.0/16
		eip add b1 10.0.0.9
		eip add b1 203.0.113.1
	EOF
	expect_rc 1 cfg -f "$file"
	expect_lines 2 "$err" "stderr"
	expect_match "$err" "^$file:4: natctl: " "stderr"
	expect_match "$err" "^$file: natctl: nothing changed" "stderr"
	# All or nothing: the gateway of line 3 is gone again.
	expect_rc 0 cfg gateway show
	expect_eq "$out" "" "gateways after the failing batch"
}

require_root
require_cmd ping paste
[[ -x $NATCTL ]] || ksft_exit_skip "$NATCTL not built (make natctl)"
modprobe -q nf_defrag_ipv4
natgw_load
saved_max_sessions=$(param max_sessions)
(set -e; topo_basic 1 2 3) || { echo "# topology setup failed"; exit "$KSFT_FAIL"; }
ready=$ksft_tmp/echo.ready
spawn "$ns3" "$PYTHON" -I -S -c "$echo_py" "$ready" $ECHO_PORT
wait_until 10 test -e "$ready" >/dev/null || { echo "# echo server did not start"; exit "$KSFT_FAIL"; }

ksft_plan 18
ksft_run quota_show test_quota_show
ksft_run quota_gateways test_quota_gateways
ksft_run quota_eips test_quota_eips
ksft_run quota_snat_entries test_quota_snat
ksft_run quota_dnat_entries test_quota_dnat
ksft_run quota_refusals_state_value test_quota_value
ksft_run quota_sessions test_quota_sessions
ksft_run deletion_protection test_protection
ksft_run del_refused_names_what_remains test_del_remains
ksft_run del_force_cascade test_del_force
ksft_run counters_move test_counters
ksft_run prometheus_format test_prometheus
ksft_run monitor_session_and_config_events test_monitor
ksft_run monitor_config_event_fields test_monitor_config
ksft_run save_restore_round_trip test_round_trip
ksft_run save_restore_gateway_ids test_round_trip_ids
ksft_run entry_ids test_entry_ids
ksft_run batch_all_or_nothing test_batch_error
ksft_finish
