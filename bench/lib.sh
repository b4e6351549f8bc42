# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # its globals are for guest.sh
#
# Helpers of the benchmark's VM side, sourced by bench/guest.sh: the
# topology, traffic (bench/udpgen.c), counting at the sink, the sessions
# of each variant, the host's CPU clock, and the raw records that
# bench/report.py turns into results.
#
# One router namespace per variant V (plain, nfnat, natgw), all identical
# but for the NAT configured in them, all alive at once, so that sessions
# made once serve every round and the variants can be interleaved:
#
#   bench-cl-V        bench-rt-V                          bench-sink
#   udpgen
#     c0 ──────── r0 10.0.0.1/8    r1 198.51.100.1/24 ──── s-V: netdev ingress
#                                  198.18.0.0/15 via            count, drop
#                                  198.51.100.2 (static neighbour)
#
# and a fourth, null, whose r0 counts and drops the packets at its own
# netdev ingress: what the client and the sink cost without any router, to
# be subtracted from the others.
#
# The client is bench/udpgen.c on c0, pinned to CPU 0: a packet socket
# that bypasses the qdisc, so each packet reaches r0 as a private skb, like
# a NIC's.  The veth hands it to r0's backlog, which runs as soon as the
# sender re-enables softirqs: the router's whole path (IP receive,
# PRE_ROUTING, routing, forward, POST_ROUTING, transmit to the sink's veth)
# and the sink's ingress all run on CPU 0, one packet after the other,
# while everything else in the VM stays on CPU 1.  Packets are 60-byte UDP
# datagrams to port 9 from 10.0.0.0/8 to 198.18.0.0/15 (RFC 2544's
# benchmarking range).  IPv6 is off in every namespace and the neighbour is
# static, so nothing else is on the wires.
#
# Under TCG a process start costs tens of milliseconds (seconds on a busy
# host), so each namespace gets one long-lived shell (ns_open, sh_run) that
# runs the commands there.

BENCH_REPO=${NATGW_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
NATCTL=$BENCH_REPO/tools/natctl/natctl
NATGW_KO=$BENCH_REPO/kmod/natgw.ko
TOOLS=$BENCH_REPO/build/bench		# guest.sh tools=DIR
NATGW_PARAMS=				# guest.sh hash_buckets=N

readonly VARIANTS="null plain nfnat natgw"
readonly SINK_NS=bench-sink
readonly SNAT_PORTS=1025-65535		# natgw's default range, given to both
readonly EIP=203.0.113.1
readonly UDP_TIMEOUT=3600		# no session expires during a run

rt_ns() { echo "bench-rt-$1"; }
nat() { "$NATCTL" -n bench-rt-natgw "$@"; }

say() { echo "[$(date +%T)] $*"; }

die()
{
	say "FATAL: $*"
	exit 1
}

# rec KEY=VALUE...: one raw record, a JSON object on one line of $RAW.
# Values that look like numbers are written as numbers.
rec()
{
	local kv line= sep= k v

	for kv; do
		k=${kv%%=*} v=${kv#*=}
		if [[ $v =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then
			line+="$sep\"$k\":$v"
		else
			line+="$sep\"$k\":\"$v\""
		fi
		sep=,
	done
	echo "{$line}" >>"$RAW"
}

# ip_add VAR ADDR N: set VAR to the IPv4 address N after ADDR.
ip_add()
{
	local a b c d n

	IFS=. read -r a b c d <<<"$2"
	n=$(((a << 24 | b << 16 | c << 8 | d) + $3))
	printf -v "$1" '%d.%d.%d.%d' $((n >> 24 & 255)) $((n >> 16 & 255)) \
		$((n >> 8 & 255)) $((n & 255))
}

# rotate ROUND WORD...: the words, rotated left by ROUND, so that every
# variant takes every position in turn.
rotate()
{
	local r=$1 i n idx

	shift
	n=$#
	for ((i = 0; i < n; i++)); do
		idx=$(((i + r) % n + 1))
		echo -n "${!idx} "
	done
}

# ---------------------------------------------------------------------------
# Long-lived shells, one per namespace

declare -A SH_IN SH_OUT
SH_DIR=/tmp/bench-sh

# Shell functions every namespace shell has: bench_clock (below).
SH_PRELUDE=

# ns_open NAME NS: start a bash in NS that reads commands from a FIFO.
ns_open()
{
	local name=$1 ns=$2 fd

	mkdir -p "$SH_DIR"
	mkfifo "$SH_DIR/$name.in" "$SH_DIR/$name.out" || die "mkfifo"
	ip netns exec "$ns" bash <"$SH_DIR/$name.in" >"$SH_DIR/$name.out" 2>&1 &
	exec {fd}>"$SH_DIR/$name.in"
	SH_IN[$name]=$fd
	exec {fd}<"$SH_DIR/$name.out"
	SH_OUT[$name]=$fd
	sh_run "$name" "$SH_PRELUDE"
}

# sh_run NAME COMMANDS: run COMMANDS in NAME's shell (stdin /dev/null).
# Their output (stdout and stderr) is left in SH_OUTPUT, the status in SH_RC.
sh_run()
{
	local name=$1 line

	SH_OUTPUT=
	printf '{\n%s\n} </dev/null\necho "__bench_end $?"\n' "$2" >&"${SH_IN[$name]}"
	while IFS= read -r line <&"${SH_OUT[$name]}"; do
		if [[ $line == "__bench_end "* ]]; then
			SH_RC=${line#__bench_end }
			return 0
		fi
		SH_OUTPUT+=$line$'\n'
	done
	die "the shell of $name ended"
}

# ---------------------------------------------------------------------------
# The host's CPU clock.  bench/run.sh answers each request written to
# $CLOCK_DIR/req with the CPU time each thread of this VM's qemu has used
# so far (tid:run_ns:wait_ns,...), from /proc/PID/task/*/schedstat.  The
# VM's own clock counts the time the host gave to other processes as well;
# the host's CPU time of the vCPU that ran the packets does not.  Without an
# answer in 2 s (no bench/run.sh) the clock stays off.

CLOCK_DIR=${NATGW_RESULTS:-/nonexistent}/clock

# shellcheck disable=SC2016
SH_PRELUDE+='
# read -t on a FIFO that never gets data: a sleep without a process
mkfifo /tmp/bench-sleep.$$ && exec {bench_sleep}<>/tmp/bench-sleep.$$
bench_clock_seq=0
# bench_clock TAG: sets CLOCK to the host sample, or "" with no host clock.
bench_clock()
{
	local id=$1.$((++bench_clock_seq)) line i

	CLOCK=
	[[ -d '"$CLOCK_DIR"' && ! -e /tmp/bench-clock-off ]] || return 0
	echo "$id" >'"$CLOCK_DIR"'/req
	for ((i = 0; i < 1000; i++)); do
		if [[ -s '"$CLOCK_DIR"'/ack ]] && read -r line <'"$CLOCK_DIR"'/ack &&
		   [[ $line == "$id "*" END" ]]; then
			line=${line#"$id "}
			CLOCK=${line% END}
			return 0
		fi
		read -t 0.002 -u $bench_sleep
	done
	: >/tmp/bench-clock-off
}
'

# ---------------------------------------------------------------------------
# Topology

# Modules, global settings, the sink.
topo_init()
{
	local dep

	for dep in $(modinfo -F depends "$NATGW_KO" | tr , ' '); do
		modprobe "$dep" || die "modprobe $dep"
	done
	# shellcheck disable=SC2086
	insmod "$NATGW_KO" $NATGW_PARAMS || die "insmod $NATGW_KO $NATGW_PARAMS"
	modprobe nf_conntrack || die "no nf_conntrack"
	# Both NATs get a table of natgw's default size, hash_buckets
	# (262144), so that their chains are equally long at every load;
	# the limit leaves room for 1 Mi flows.
	sysctl -qw net.netfilter.nf_conntrack_buckets="$(cat /sys/module/natgw/parameters/hash_buckets)" \
		net.netfilter.nf_conntrack_max=2097152 ||
		die "cannot size nf_conntrack"
	mkdir -p "$CLOCK_DIR"
	# bench_clock, for the clients this shell starts
	eval "$SH_PRELUDE"

	ns_add "$SINK_NS"
	ns_open sink "$SINK_NS"
	sh_run sink "nft add table netdev bench-sink"
}

# ns_add NS: a namespace with lo up and no IPv6.
ns_add()
{
	ip netns add "$1" || die "cannot create namespace $1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$1" link set lo up
}

router_add()
{
	local v=$1 ns cl mac

	ns=$(rt_ns "$v") cl=bench-cl-$v
	ns_add "$ns"
	ns_add "$cl"
	ip link add c0 netns "$cl" type veth peer name r0 netns "$ns" ||
		die "cannot create the veths of $v"
	ip -n "$cl" link set c0 up
	ip -n "$ns" addr add 10.0.0.1/8 dev r0
	ip -n "$ns" link set r0 up
	ns_open "$v" "$ns"
	if [[ $v == null ]]; then
		sh_run null "nft add table netdev bench-null &&
			nft add chain netdev bench-null null '{ type filter hook ingress device r0 priority 0; }' &&
			nft add rule netdev bench-null null udp dport 9 counter drop"
	else
		ip link add r1 netns "$ns" type veth peer name "s-$v" netns "$SINK_NS" ||
			die "cannot create the veths of $v"
		ip -n "$ns" addr add 198.51.100.1/24 dev r1
		ip -n "$ns" link set r1 up
		ip -n "$SINK_NS" link set "s-$v" up
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
		ip -n "$ns" route add 198.18.0.0/15 via 198.51.100.2
		mac=$(ip -n "$SINK_NS" -br link show "s-$v" | awk '{ print $3 }')
		ip -n "$ns" neigh add 198.51.100.2 lladdr "$mac" dev r1 nud permanent
		sh_run sink "nft add chain netdev bench-sink $v '{ type filter hook ingress device s-$v priority 0; }' &&
			nft add rule netdev bench-sink $v udp dport 9 counter drop"
	fi
	((SH_RC == 0)) || die "counting chain for $v: $SH_OUTPUT"
	# the client sends to r0's address
	GEN_MAC[$v]=$(ip -n "$ns" -br link show r0 | awk '{ print $3 }')
	nat_config "$v"
}
declare -A GEN_MAC

# The NAT of a variant: none, nftables masquerade on nf_conntrack/nf_nat, or
# natgw, both with the same port range and UDP timeout.
nat_config()
{
	local v=$1

	case $v in
	nfnat)
		ip netns exec "$(rt_ns nfnat)" nft -f - <<-EOF || die "nft masquerade"
			table ip bench-nat {
				chain post {
					type nat hook postrouting priority srcnat;
					oifname "r1" meta l4proto { tcp, udp } masquerade to :$SNAT_PORTS
				}
			}
		EOF
		ip netns exec "$(rt_ns nfnat)" sysctl -qw \
			net.netfilter.nf_conntrack_udp_timeout=$UDP_TIMEOUT \
			net.netfilter.nf_conntrack_udp_timeout_stream=$UDP_TIMEOUT
		;;
	natgw)
		nat gateway add gw1 dev r1 vpc 10.0.0.0/8 snat-ports "$SNAT_PORTS" >/dev/null &&
		nat eip add gw1 "$EIP" >/dev/null &&
		nat snat add gw1 source vpc eip "$EIP" >/dev/null &&
		nat timeout set udp "$UDP_TIMEOUT" >/dev/null || die "natgw configuration"
		;;
	esac
}

# Sessions (natgw) or conntrack entries (nf_nat) of a variant, in SESSIONS.
sessions()
{
	case $1 in
	null | plain) SESSIONS=0 ;;
	nfnat)
		sh_run nfnat "read -r n </proc/sys/net/netfilter/nf_conntrack_count; echo \$n"
		SESSIONS=${SH_OUTPUT%$'\n'}
		;;
	natgw) SESSIONS=$(nat session count) ;;
	esac
}

flush_sessions()
{
	case $1 in
	nfnat) sh_run nfnat "conntrack -F" ;;
	natgw) nat session flush >/dev/null ;;
	esac
	return 0
}

# sink_read_all: the packets that reached every variant's sink, in SINK[V].
sink_read_all()
{
	local line chain=

	sh_run sink "nft list table netdev bench-sink"
	while IFS= read -r line; do
		if [[ $line =~ chain\ ([a-z]+) ]]; then
			chain=${BASH_REMATCH[1]}
		elif [[ $line =~ counter\ packets\ ([0-9]+) ]]; then
			SINK[$chain]=${BASH_REMATCH[1]}
		fi
	done <<<"$SH_OUTPUT"
	sink_read null
}

# sink_read V: the packets that reached V's sink (null: its own r0), in
# SINK[V].
declare -A SINK
sink_read()
{
	if [[ $1 == null ]]; then
		sh_run null "nft list chain netdev bench-null null"
	else
		sh_run sink "nft list chain netdev bench-sink $1"
	fi
	[[ $SH_OUTPUT =~ counter\ packets\ ([0-9]+) ]] ||
		die "no counter for $1: $SH_OUTPUT"
	SINK[$1]=${BASH_REMATCH[1]}
}

# ---------------------------------------------------------------------------
# Traffic

# gen_exec COMMAND...: run each COMMAND (a udpgen -w command line, split on
# blanks) in the background, wait until all are ready, sample the host's
# clock (GEN_CLOCK0), let them go, collect their "done" lines in GEN_DONE
# and sample the clock again (GEN_CLOCK1).
gen_exec()
{
	local cmd i=0 n=$# line fd
	local -a gin gout pids

	GEN_DONE=
	for cmd; do
		[[ -p /tmp/gen$i.in ]] || mkfifo /tmp/gen$i.in /tmp/gen$i.out
		# shellcheck disable=SC2086
		$cmd </tmp/gen$i.in >/tmp/gen$i.out 2>&1 &
		pids[i]=$!
		exec {fd}>/tmp/gen$i.in
		gin[i]=$fd
		exec {fd}</tmp/gen$i.out
		gout[i]=$fd
		i=$((i + 1))
	done
	for ((i = 0; i < n; i++)); do
		read -r line <&"${gout[i]}"
		[[ $line == ready ]] || die "udpgen: $line"
	done
	bench_clock gen
	GEN_CLOCK0=$CLOCK
	for ((i = 0; i < n; i++)); do
		echo go >&"${gin[i]}"
	done
	for ((i = 0; i < n; i++)); do
		while IFS= read -r line <&"${gout[i]}"; do
			[[ $line == done\ * ]] || die "udpgen: $line"
			GEN_DONE+=$line$'\n'
		done
	done
	bench_clock gen
	GEN_CLOCK1=$CLOCK
	for ((i = 0; i < n; i++)); do
		fd=${gin[i]}
		exec {fd}>&-
		fd=${gout[i]}
		exec {fd}<&-
	done
	# not a bare wait: the namespace shells are children of this shell too
	wait "${pids[@]}"
}

# The client (bench/udpgen.c) of variant V: its namespace, device, and the
# MAC address of the router's r0.
gen_target() { echo "bench-cl-$1,c0,${GEN_MAC[$1]}"; }

# gen_run VARIANT THREADS COUNT SRC NSRC DST NDST SPORT NSPORT [RANDOM]
#
# Send COUNT packets through VARIANT's router from a client on CPU 0:
# sources SRC and the NSRC-1 addresses after it, destinations DST..+NDST-1,
# UDP source ports SPORT..+NSPORT-1 (random when RANDOM is 1, else in
# turn); coprime NSRC and NDST make NSRC*NDST distinct flows.  With THREADS
# 2, a second client on CPU 1 sends half the sources (NSRC even) at the same
# time.  Sets GEN_US (the longest client's sending time), GEN_SENT and
# GEN_ERR (packets the kernel refused), GEN_CLOCK0 and GEN_CLOCK1.
gen_run()
{
	local v=$1 threads=$2 count=$3 src=$4 nsrc=$5 dst=$6 ndst=$7
	local sport=$8 nsport=$9 rnd=${10:-0}
	local t lo per_src opts line
	local -a cmds

	per_src=$((nsrc / threads))
	opts="-w -n $((count / threads)) -S $per_src -d $dst -D $ndst -p $sport -P $nsport"
	((rnd)) && opts+=" -r"
	for ((t = 0; t < threads; t++)); do
		ip_add lo "$src" $((t * per_src))
		cmds[t]="taskset -c $t $TOOLS/udpgen $opts -s $lo $(gen_target "$v")"
	done
	gen_exec "${cmds[@]}"
	GEN_US=0 GEN_SENT=0 GEN_ERR=0
	while read -r line; do
		[[ $line =~ sent\ ([0-9]+)\ errors\ ([0-9]+)\ ns\ ([0-9]+) ]] || continue
		GEN_SENT=$((GEN_SENT + BASH_REMATCH[1]))
		GEN_ERR=$((GEN_ERR + BASH_REMATCH[2]))
		t=$((BASH_REMATCH[3] / 1000))
		((t > GEN_US)) && GEN_US=$t
	done <<<"$GEN_DONE"
}

# gen_mix COUNT SRC NSRC DST NDST SPORT NSPORT: COUNT packets through every
# variant's router from one client on CPU 0, the same flows for each, in
# bursts of 64 that take turns (bench/udpgen.c).  Sets, per variant V,
# MIX[V] to "sent N errors E ns T bursts B min X p25 X median X p75 X" (burst
# times in ns), and GEN_CLOCK0 and GEN_CLOCK1.
declare -A MIX
gen_mix()
{
	local count=$1 src=$2 nsrc=$3 dst=$4 ndst=$5 sport=$6 nsport=$7
	local v targets= line

	for v in $VARIANTS; do
		targets+=" $(gen_target "$v")"
	done
	gen_exec "taskset -c 0 $TOOLS/udpgen -w -n $count -s $src -S $nsrc -d $dst -D $ndst -p $sport -P $nsport$targets"
	MIX=()
	while read -r line; do
		[[ $line =~ ^done\ bench-cl-([a-z]+)\ (.*)$ ]] || continue
		MIX[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
	done <<<"$GEN_DONE"
	for v in $VARIANTS; do
		[[ -n ${MIX[$v]:-} ]] || die "udpgen: no result for $v: $GEN_DONE"
	done
}

# ---------------------------------------------------------------------------
# Evidence

# prof_start CPUS SECONDS: profile CPUS (a perf -C list) for SECONDS with
# perf (cpu-clock sampling: TCG has no PMU), from the moment it returns; the
# workload follows, and prof_stop NAME waits for the end and writes
# $OUT/profile-NAME.txt.  perf must stop on its own (stopped by a signal it
# loses most samples here), and its start-up takes seconds under TCG, so
# its workload says when sampling has begun.
prof_start()
{
	local i

	PROF_PID=
	command -v perf >/dev/null || return 0
	rm -f /tmp/perf.started
	perf record -C "$1" -g -F 999 -o /tmp/perf.data -- \
		sh -c "echo >/tmp/perf.started; exec sleep $2" >/tmp/perf.log 2>&1 &
	PROF_PID=$!
	PROF_CPUS=$1
	for ((i = 0; i < 600; i++)); do
		[[ -e /tmp/perf.started ]] && break
		sleep 0.1
	done
}

# prof_stop NAME COMM: the report keeps the samples of the task COMM only,
# percentages relative to them.
prof_stop()
{
	local f=$OUT/profile-$1.txt comm=$2

	[[ -n $PROF_PID ]] || return 0
	wait "$PROF_PID"
	{
		echo "# $1: perf record -C $PROF_CPUS -g -F 999 (cpu-clock), samples of $comm"
		echo "## self time by symbol"
		perf report -i /tmp/perf.data --stdio --no-children --sort sym \
			--comms "$comm" --percentage relative -g none \
			--percent-limit 0.5 2>&1 | grep -v '^#' | grep .
		echo "## time including callees, by symbol"
		perf report -i /tmp/perf.data --stdio --children --sort sym \
			--comms "$comm" --percentage relative -g none \
			--percent-limit 0.5 2>&1 | grep -v '^#' | grep .
		echo "## perf record's log"
		cat /tmp/perf.log
	} >"$f"
	rm -f /tmp/perf.data
}

# mem_snapshot NAME: what the memory figures are computed from.
mem_snapshot()
{
	local d=$OUT/mem

	mkdir -p "$d"
	# let call_rcu() and the skb caches settle
	sleep 1
	cat /proc/slabinfo >"$d/$1.slabinfo"
	cat /proc/meminfo >"$d/$1.meminfo"
	grep -E 'natgw|nf_ct|conntrack' /proc/vmallocinfo >"$d/$1.vmallocinfo"
}
