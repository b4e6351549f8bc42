#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark's VM side: bench/run.sh boots the VM with this script.  It
# measures plain forwarding, nftables masquerade (nf_conntrack + nf_nat) and
# natgw in one topology (bench/lib.sh), the variants interleaved round by
# round, and writes raw records (raw.jsonl), memory snapshots and profiles
# to OUT, which bench/report.py turns into the results.
#
#   guest.sh [scale=full|quick] [rounds=N] [port_reps=N] [sessions10m=0|1]
#            [tools=DIR] [hash_buckets=N]
#
# OUT is $NATGW_RESULTS/bench (the VM's results share).  quick is a smoke
# test of the whole procedure in a few minutes; its figures mean little.
# hash_buckets loads natgw with that many session hash buckets (default:
# the module's); nf_conntrack always gets as many as natgw has.
#
# Phases, in this order (each state builds on the last):
#   fwd 1, fwd 64Ki   established flows, after one pass over every flow
#   fill 1Mi          every flow of the 1 Mi set, one variant at a time,
#                     with memory snapshots before and after (memory)
#   fwd 1Mi
#   dump              session dumps and flushes of the full tables
#   setup             every packet a new flow, tables flushed each time
#   portalloc         one destination, the EIP filled to 50..100% of its
#                     ports, then batches of new flows (probes)
#   config            apply and remove 20 EIPs, 40 SNAT and 100 DNAT entries
#   10Mi              (sessions10m=1) natgw memory at 10 Mi sessions

set -u

source "$(dirname "$0")/lib.sh"

scale=full
rounds=9
port_reps=5
sessions10m=0
for arg; do
	case $arg in
	scale=full | scale=quick) scale=${arg#scale=} ;;
	rounds=[0-9]*) rounds=${arg#rounds=} ;;
	port_reps=[0-9]*) port_reps=${arg#port_reps=} ;;
	sessions10m=[01]) sessions10m=${arg#sessions10m=} ;;
	tools=/*) TOOLS=${arg#tools=} ;;
	hash_buckets=[1-9]*) NATGW_PARAMS="hash_buckets=${arg#hash_buckets=}" ;;
	*) die "unknown argument $arg" ;;
	esac
done

OUT=${NATGW_RESULTS:-/tmp}/bench
RAW=$OUT/raw.jsonl
rm -rf "$OUT"
mkdir -p "$OUT" || exit 1

# Flow sets: NSRC sources x NDST destinations (coprime), source port 1024.
# Each set contains the smaller ones, so one fill serves the next phase.
if [[ $scale == full ]]; then
	big_nsrc=1024 big_ndst=1023 big_label=1Mi	# 1,047,552 flows
	fwd_pkts=30000
	setup_pkts=20000
	prof_secs=6
	port_batches=3
	cfg_reps=5
	dump_reps=3
else
	big_nsrc=512 big_ndst=511 big_label=256Ki	# 261,632 flows
	fwd_pkts=5000
	setup_pkts=3000
	prof_secs=2
	port_batches=2
	cfg_reps=2
	dump_reps=1
	rounds=$((rounds < 2 ? rounds : 2))
	port_reps=1
fi
readonly FLOW_SRC=10.1.0.0 FLOW_DST=198.18.0.1 FLOW_SPORT=1024

# ---------------------------------------------------------------------------
# Forwarding of established flows

# mix_round TEST ROUND PACKETS SRC NSRC DST NDST [KEY=VALUE...]: one round,
# every variant PACKETS packets of the same flows, in alternating bursts
# (gen_mix); one record per variant, with the sink's count and the session
# counts before and after.
mix_round()
{
	local test=$1 round=$2 n=$3 src=$4 nsrc=$5 dst=$6 ndst=$7 v
	local -A s0 c0

	shift 7
	for v in $VARIANTS; do
		sessions "$v"
		s0[$v]=$SESSIONS
	done
	sink_read_all
	for v in $VARIANTS; do
		c0[$v]=${SINK[$v]}
	done
	gen_mix "$n" "$src" "$nsrc" "$dst" "$ndst" $FLOW_SPORT 1
	sink_read_all
	for v in $VARIANTS; do
		sessions "$v"
		# shellcheck disable=SC2046
		rec test="$test" "$@" variant="$v" round="$round" \
			$(mix_fields "${MIX[$v]}") received=$((SINK[$v] - c0[$v])) \
			sessions_before="${s0[$v]}" sessions_after="$SESSIONS" \
			clock0="$GEN_CLOCK0" clock1="$GEN_CLOCK1"
	done
}

# "sent 1 errors 0 ns 5" -> "sent=1 errors=0 ns=5"
mix_fields()
{
	local -a w
	local i

	read -r -a w <<<"$1"
	for ((i = 0; i + 1 < ${#w[@]}; i += 2)); do
		echo -n "${w[i]}=${w[i + 1]} "
	done
}

# fill VARIANT LABEL NSRC NDST: one packet of every flow of the set, on both
# CPUs; afterwards every flow has its session.
fill()
{
	local v=$1 label=$2 nsrc=$3 ndst=$4 threads=2 c0

	((nsrc % 2)) && threads=1
	sink_read "$v"
	c0=${SINK[$v]}
	gen_run "$v" "$threads" $((nsrc * ndst)) $FLOW_SRC "$nsrc" $FLOW_DST "$ndst" $FLOW_SPORT 1
	sink_read "$v"
	sessions "$v"
	rec test=fill flows="$label" nflows=$((nsrc * ndst)) variant="$v" \
		sent="$GEN_SENT" errors="$GEN_ERR" received=$((SINK[$v] - c0)) \
		elapsed_us="$GEN_US" threads="$threads" sessions_after="$SESSIONS" \
		clock0="$GEN_CLOCK0" clock1="$GEN_CLOCK1"
	say "  fill $label $v: $SESSIONS sessions, $((GEN_US / 1000)) ms"
}

# fwd_rounds LABEL NSRC NDST: round 0 (discarded) and the measured rounds.
fwd_rounds()
{
	local label=$1 nsrc=$2 ndst=$3 r

	for ((r = 0; r <= rounds; r++)); do
		mix_round fwd "$r" "$fwd_pkts" $FLOW_SRC "$nsrc" $FLOW_DST "$ndst" \
			flows="$label" nflows=$((nsrc * ndst))
	done
	say "  fwd $label: $rounds rounds done"
}

# prof_fwd NAME VARIANT NSRC NDST: a profile of VARIANT alone forwarding
# 3 * fwd_pkts packets of the flow set.
prof_fwd()
{
	prof_start 0 "$prof_secs"
	gen_run "$2" 1 $((3 * fwd_pkts)) $FLOW_SRC "$3" $FLOW_DST "$4" $FLOW_SPORT 1
	prof_stop "$1" udpgen
}

phase_fwd_small()
{
	local v

	say "forwarding, 1 flow"
	for v in nfnat natgw; do
		fill "$v" 1 1 1
	done
	fwd_rounds 1 1 1
	say "forwarding, 64Ki flows"
	for v in nfnat natgw; do
		fill "$v" 64Ki 256 255
	done
	fwd_rounds 64Ki 256 255
	for v in plain nfnat natgw; do
		prof_fwd "fwd-64Ki-$v" "$v" 256 255
	done
}

phase_fwd_big()
{
	local v n

	say "filling $big_label flows (memory)"
	mem_snapshot base
	for v in natgw nfnat; do
		sessions "$v"
		n=$SESSIONS
		mem_snapshot "$v-before"
		fill "$v" "$big_label" $big_nsrc $big_ndst
		mem_snapshot "$v-after"
		sessions "$v"
		rec test=mem variant="$v" sessions="$SESSIONS" sessions_before="$n" \
			before="$v-before" after="$v-after"
	done
	say "forwarding, $big_label flows"
	fwd_rounds "$big_label" $big_nsrc $big_ndst
	for v in nfnat natgw; do
		prof_fwd "fwd-$big_label-$v" "$v" $big_nsrc $big_ndst
	done
}

# ---------------------------------------------------------------------------
# Dumps and flushes of full tables

# timed NAME VARIANT SESSIONS CMD...: wall time of CMD (output discarded).
timed()
{
	local name=$1 v=$2 n=$3 t0 us rc

	shift 3
	t0=${EPOCHREALTIME/./}
	"$@" >/dev/null 2>&1
	rc=$?
	us=$((${EPOCHREALTIME/./} - t0))
	rec test=dump op="$name" variant="$v" sessions="$n" \
		ms=$((us / 1000)).$((us / 100 % 10)) rc="$rc"
}

# The kernel's dump alone (bench/sessdump.c counts the messages).
sessdump()
{
	local n ms intr

	sh_run natgw "$TOOLS/sessdump"
	read -r _ n _ _ _ _ _ ms _ intr <<<"$SH_OUTPUT"
	rec test=dump op=kernel-dump variant=natgw sessions="$n" ms="$ms" \
		intr="$intr" rc="$SH_RC"
}

phase_dump()
{
	local n m i

	sessions natgw
	n=$SESSIONS
	sessions nfnat
	m=$SESSIONS
	say "dumps: $n natgw sessions, $m conntrack entries"
	for ((i = 0; i < dump_reps; i++)); do
		sessdump
	done
	timed natctl-show natgw "$n" nat session show
	timed natctl-count natgw "$n" nat session count
	timed flush natgw "$n" nat session flush
	timed flush nfnat "$m" sh_run nfnat "conntrack -F"
}

# The same dumps at 64Ki flows, where conntrack -L is affordable, and the
# profile of natctl's text output.
phase_dump_small()
{
	local n m i

	sessions natgw
	n=$SESSIONS
	sessions nfnat
	m=$SESSIONS
	for ((i = 0; i < dump_reps; i++)); do
		timed natctl-show natgw "$n" nat session show
		timed natctl-json natgw "$n" nat -j session show
		timed conntrack-list nfnat "$m" sh_run nfnat "conntrack -L >/dev/null 2>&1"
		sessdump
	done
	# natctl and the kernel's dump run on CPU 1, like all the tooling
	prof_start 1 4
	nat session show >/dev/null
	prof_stop natctl-show-64Ki natctl
}

# ---------------------------------------------------------------------------
# Session setup: every packet a new flow (4096 sources x 4095 destinations)
# in tables flushed before each round

phase_setup()
{
	local r v

	say "session setup"
	for ((r = 0; r <= rounds; r++)); do
		for v in nfnat natgw; do
			flush_sessions "$v"
		done
		mix_round setup "$r" "$setup_pkts" 10.2.0.0 4096 198.19.0.1 4095
	done
	for v in nfnat natgw; do
		flush_sessions "$v"
		prof_start 0 "$prof_secs"
		gen_run "$v" 1 $((3 * setup_pkts)) 10.2.0.0 4096 198.19.0.1 4095 $FLOW_SPORT 1
		prof_stop "setup-$v" udpgen
	done
}

# ---------------------------------------------------------------------------
# Port allocation toward one destination (198.18.255.1:9) as the EIP fills.
# Fill flows come from fresh sources (10.64.0.0/10, one each) with random
# source ports, so each keeps its port when it is free and otherwise gets
# one from the NAT: the occupied ports end up where each NAT puts them.
# Probes come from 10.4.0.1 with consecutive source ports from a random
# start (a port that is taken with the probability of the occupancy) and
# are removed after each batch, so the occupancy stays put.

readonly PORT_DST=198.18.255.1 PROBE_SRC=10.4.0.1
readonly PORT_N=64511			# ports in SNAT_PORTS

flush_probes()
{
	case $1 in
	nfnat) sh_run nfnat "conntrack -D -s $PROBE_SRC >/dev/null 2>&1" ;;
	natgw) nat session flush gw1 src $PROBE_SRC >/dev/null ;;
	esac
	return 0
}

# port_fill VARIANT REP LEVEL TARGET: new flows until TARGET sessions hold
# ports, or 8 rounds of attempts (nf_nat may never get there).
port_fill()
{
	local v=$1 rep=$2 level=$3 target=$4 tries=0 us=0 i n src

	sessions "$v"
	for ((i = 0; i < 8 && SESSIONS < target; i++)); do
		n=$((target - SESSIONS))
		ip_add src 10.64.0.0 "$port_next"
		gen_run "$v" 1 "$n" "$src" "$n" $PORT_DST 1 1025 64510 1
		port_next=$((port_next + n))
		tries=$((tries + n))
		us=$((us + GEN_US))
		sessions "$v"
	done
	rec test=portfill variant="$v" rep="$rep" level="$level" \
		target="$target" sessions="$SESSIONS" attempts="$tries" \
		elapsed_us="$us" rounds="$i"
}

port_probe()
{
	local v=$1 rep=$2 level=$3 b m=64 s c0 sport

	[[ $level == 99.9 ]] && m=32
	sessions "$v"
	s=$SESSIONS
	sink_read "$v"
	for ((b = 0; b < port_batches; b++)); do
		sport=$((1025 + (RANDOM * 32768 + RANDOM) % (PORT_N - m)))
		c0=${SINK[$v]}
		gen_run "$v" 1 "$m" $PROBE_SRC 1 $PORT_DST 1 "$sport" "$m"
		sink_read "$v"
		rec test=portprobe variant="$v" rep="$rep" level="$level" \
			occupied="$s" ports=$PORT_N batch="$b" sent="$GEN_SENT" \
			errors="$GEN_ERR" received=$((SINK[$v] - c0)) elapsed_us="$GEN_US" \
			clock0="$GEN_CLOCK0" clock1="$GEN_CLOCK1"
		flush_probes "$v"
	done
}

phase_portalloc()
{
	local rep v level target

	say "port allocation"
	port_next=0
	for ((rep = 0; rep < port_reps; rep++)); do
		for v in $(rotate "$rep" nfnat natgw); do
			flush_sessions "$v"
			for level in 50 90 99 99.9 100; do
				target=$(awk -v n=$PORT_N -v p="$level" \
					'BEGIN { t = int(n * p / 100 + 0.999999); print t }')
				port_fill "$v" "$rep" "$level" "$target"
				port_probe "$v" "$rep" "$level"
			done
			flush_sessions "$v"
		done
		say "  repetition $((rep + 1)) of $port_reps done"
	done
	nat -j stats gw1 >"$OUT/portalloc-natgw-stats.json"
	sh_run nfnat "conntrack -S"
	echo "$SH_OUTPUT" >"$OUT/portalloc-nfnat-stats.txt"
}

# ---------------------------------------------------------------------------
# Control plane: a configuration of 20 EIPs, 40 SNAT and 100 DNAT entries,
# as one natctl batch and as the equivalent nftables ruleset.

write_configs()
{
	local i j e

	{
		echo "gateway add cfg dev d0 vpc 10.0.0.0/16"
		for ((j = 1; j <= 20; j++)); do
			echo "eip add cfg 203.0.113.$j"
		done
	} >/tmp/bench-cfg-eip.natctl
	for ((i = 0; i < 40; i++)); do
		echo "snat add cfg source 10.0.$i.0/24 eip 203.0.113.$((i % 20 + 1))"
	done >/tmp/bench-cfg-snat.natctl
	for ((j = 1; j <= 20; j++)); do
		for e in tcp:22 tcp:80 tcp:443 udp:53 udp:123; do
			echo "dnat add cfg eip 203.0.113.$j proto ${e%:*} port ${e#*:} to 10.0.$j.10 port ${e#*:}"
		done
	done >/tmp/bench-cfg-dnat.natctl
	cat /tmp/bench-cfg-{eip,snat,dnat}.natctl >/tmp/bench-cfg.natctl
	{
		echo "table ip bench-cfg {"
		echo "	chain pre {"
		echo "		type nat hook prerouting priority dstnat;"
		for ((j = 1; j <= 20; j++)); do
			for e in tcp:22 tcp:80 tcp:443 udp:53 udp:123; do
				echo "		ip daddr 203.0.113.$j ${e%:*} dport ${e#*:} dnat to 10.0.$j.10:${e#*:}"
			done
		done
		echo "	}"
		echo "	chain post {"
		echo "		type nat hook postrouting priority srcnat;"
		for ((i = 0; i < 40; i++)); do
			echo "		oifname \"d0\" ip saddr 10.0.$i.0/24 snat to 203.0.113.$((i % 20 + 1))"
		done
		echo "	}"
		echo "}"
	} >/tmp/bench-cfg.nft
}

# cfg_timed OP TOOL REP COMMAND: time COMMAND in the namespace's shell, so
# that no process start but the tool's own is counted; it must succeed.
cfg_timed()
{
	local op=$1 tool=$2 rep=$3 us

	sh_run cfg "t0=\${EPOCHREALTIME/./}; $4 >/dev/null && echo \"us \$((\${EPOCHREALTIME/./} - t0))\""
	[[ $SH_OUTPUT =~ us\ ([0-9]+) ]] || die "config $op with $tool failed: $SH_OUTPUT"
	us=${BASH_REMATCH[1]}
	rec test=config op="$op" tool="$tool" rep="$rep" \
		ms=$((us / 1000)).$((us / 100 % 10))
}

phase_config()
{
	local rep ns=bench-cfg

	say "control plane"
	ns_add $ns
	ip -n $ns link add d0 type dummy
	ip -n $ns link set d0 up
	ns_open cfg $ns
	write_configs
	for ((rep = 0; rep <= cfg_reps; rep++)); do
		cfg_timed apply natctl "$rep" "$NATCTL -f /tmp/bench-cfg.natctl"
		cfg_timed remove natctl "$rep" "$NATCTL gateway del cfg force"
		cfg_timed apply nft "$rep" "nft -f /tmp/bench-cfg.nft"
		cfg_timed remove nft "$rep" "nft delete table ip bench-cfg"
		# the same configuration in three steps, to see where time goes
		cfg_timed "apply gateway+20 EIPs" natctl "$rep" \
			"$NATCTL -f /tmp/bench-cfg-eip.natctl"
		cfg_timed "apply 40 SNAT" natctl "$rep" "$NATCTL -f /tmp/bench-cfg-snat.natctl"
		cfg_timed "apply 100 DNAT" natctl "$rep" "$NATCTL -f /tmp/bench-cfg-dnat.natctl"
		cfg_timed "remove" natctl-steps "$rep" "$NATCTL gateway del cfg force"
	done
	prof_start 1 4
	cfg_timed apply natctl -1 "$NATCTL -f /tmp/bench-cfg.natctl"
	prof_stop config-apply natctl
}

# ---------------------------------------------------------------------------
# natgw at 10 Mi sessions (3240 x 3239 flows), memory only

phase_10m()
{
	local nsrc=3240 ndst=3239 n=$((3240 * 3239))

	say "filling $n natgw sessions"
	flush_sessions natgw
	echo $((n + 1024)) >/sys/module/natgw/parameters/max_sessions
	mem_snapshot natgw10m-before
	fill natgw 10Mi $nsrc $ndst
	mem_snapshot natgw10m-after
	sessions natgw
	rec test=mem variant=natgw sessions="$SESSIONS" sessions_before=0 \
		before=natgw10m-before after=natgw10m-after
	flush_sessions natgw
}

# ---------------------------------------------------------------------------

main()
{
	local v t0=$SECONDS

	say "benchmark: scale $scale, $rounds rounds, $port_reps port repetitions"
	# Everything but the client on CPU 0 (and the packets it sends) runs
	# on CPU 1, so that the host's CPU time of vCPU 0 over a measurement
	# is that of the packets alone (bench_clock).
	taskset -cp 1 $$ >/dev/null || die "taskset"
	topo_init
	for v in $VARIANTS; do
		router_add "$v"
	done
	rec test=meta kernel="$(uname -r)" cpus="$(nproc --all)" \
		mem_kb="$(awk '/MemTotal/ { print $2 }' /proc/meminfo)" \
		scale="$scale" rounds="$rounds" port_reps="$port_reps" \
		fwd_pkts="$fwd_pkts" setup_pkts="$setup_pkts" burst=64 \
		hash_buckets="$(cat /sys/module/natgw/parameters/hash_buckets)" \
		max_sessions="$(cat /sys/module/natgw/parameters/max_sessions)" \
		ct_buckets="$(sysctl -n net.netfilter.nf_conntrack_buckets)"

	phase_fwd_small
	phase_dump_small
	phase_fwd_big
	phase_dump
	phase_setup
	phase_portalloc
	phase_config
	((sessions10m)) && phase_10m
	cp /proc/net/softnet_stat "$OUT/softnet_stat"
	nat -j stats >"$OUT/natgw-stats.json"
	say "done in $((SECONDS - t0)) s"
	rec test=end seconds=$((SECONDS - t0))
}

main
