#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: natgw against nftables masquerade (nf_conntrack + nf_nat) and
# plain forwarding, in one VM, one topology, one run.  Builds what it needs,
# boots the VM on bench/guest.sh, runs the port allocator microbenchmark
# (make -C tests bench, under callgrind), and turns everything into
# bench/results/latest.json and latest.md; prints the Markdown on stdout.
# Method and findings: Documentation/performance.md.
#
#   bench/run.sh
#
# Environment:
#   BENCH_SCALE=full|quick   quick: a few minutes, figures mean little
#   BENCH_ROUNDS=N           interleaved rounds per measurement (default 9)
#   BENCH_PORT_REPS=N        port allocation repetitions (default 5)
#   BENCH_10M=1              also fill 10 Mi natgw sessions (about +8 min)
#   BENCH_HASH_BUCKETS=N     load natgw with hash_buckets=N (nf_conntrack
#                            gets the same; default: the module's default)
#   BENCH_VM_MEM             VM memory (default 4G, 8G with BENCH_10M=1)
#   BUILD                    build and VM output directory (default REPO/build)
#
# Exit status: 0 when every measurement ran and its traffic was accounted
# for; 1 otherwise (the results are still written, with the failures named).

set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$repo/build}
results=$repo/bench/results
scale=${BENCH_SCALE:-full}
rounds=${BENCH_ROUNDS:-9}
port_reps=${BENCH_PORT_REPS:-5}
big=${BENCH_10M:-0}
vm_out=$build/vm/bench
start=$SECONDS

note()
{
	echo "bench: $*" >&2
}

# What else this host is doing: other VMs share its CPUs and skew timing.
host_load()
{
	local others

	others=$(pgrep -c qemu-system 2>/dev/null)
	echo "loadavg=\"$(cut -d ' ' -f 1-3 /proc/loadavg)\" other_vms=$others"
}

# The host's CPU clock for the VM (bench/lib.sh, bench_clock): answer each
# request the VM writes to clock/req on its results share with the CPU time
# (and run-queue wait) of every thread of its qemu, from schedstat.
clock_server()
{
	local dir=$vm_out/results/clock qpid= id last= t run wait s i sfd

	mkfifo "$build/bench/clock.sleep" 2>/dev/null
	exec {sfd}<>"$build/bench/clock.sleep"
	for ((i = 0; i < 6000 && !qpid; i++)); do
		qpid=$(pgrep -f "^qemu-system-x86_64 .*$vm_out/initramfs.cpio")
		read -r -t 0.01 -u "$sfd"
	done
	[[ -n $qpid ]] || return
	while kill -0 "$qpid" 2>/dev/null; do
		if [[ -s $dir/req ]] && read -r id <"$dir/req" && [[ $id != "$last" ]]; then
			s=
			for t in /proc/"$qpid"/task/*; do
				read -r run wait _ <"$t/schedstat" && s+="${t##*/}:$run:$wait,"
			done
			echo "$id ${s%,} END" >"$dir/ack"
			last=$id
		fi
		read -r -t 0.002 -u "$sfd"
	done
}

make -s -C "$repo" module natctl >&2 || { note "build failed"; exit 1; }
make -s -C "$repo/bench" tools BUILD="$build" >&2 || { note "build failed"; exit 1; }
command -v pgrep >/dev/null || { note "pgrep missing (procps)"; exit 1; }

mkdir -p "$results"
rm -rf "$results/raw"
mkdir -p "$results/raw"
echo "before $(host_load) cpus=$(nproc)" >"$results/raw/host.txt"

mem=${BENCH_VM_MEM:-4G}
((big)) && mem=${BENCH_VM_MEM:-8G}
note "VM run: scale $scale, $rounds rounds, $port_reps port repetitions"
# slub_nomerge: natgw_session and nf_conntrack keep slab caches of their own,
# so that /proc/slabinfo shows each by name.
VM_MEM=$mem VM_SMP=2 VM_TIMEOUT=${BENCH_VM_TIMEOUT:-1500} \
VM_APPEND="slub_nomerge ${VM_APPEND:-}" \
	"$repo/selftests/vm/run-vm.sh" -o "$vm_out" bench/guest.sh \
	scale="$scale" rounds="$rounds" port_reps="$port_reps" sessions10m="$big" \
	tools="$build/bench" ${BENCH_HASH_BUCKETS:+hash_buckets=$BENCH_HASH_BUCKETS} >&2 &
vm_pid=$!
clock_server &
clock_pid=$!
wait "$vm_pid"
vm_rc=$?
kill "$clock_pid" 2>/dev/null
wait "$clock_pid" 2>/dev/null
echo "after $(host_load)" >>"$results/raw/host.txt"
if [[ -d $vm_out/results/bench ]]; then
	cp -r "$vm_out/results/bench/." "$results/raw/"
fi
cp "$vm_out/results/output" "$results/raw/guest-output.txt" 2>/dev/null
if ((vm_rc)); then
	note "the VM run failed (exit $vm_rc); its log: $vm_out"
fi

note "port allocator microbenchmark: make -C tests bench"
make -s -C "$repo/tests" bench >"$results/raw/portalloc-micro.md" 2>&1 ||
	note "make -C tests bench failed (see $results/raw/portalloc-micro.md)"

echo "seconds=$((SECONDS - start))" >>"$results/raw/host.txt"
/usr/bin/python3 "$repo/bench/report.py" "$results/raw" "$results"
report_rc=$?
note "$((SECONDS - start)) s in all; results in $results (latest.json, latest.md)"
((vm_rc || report_rc)) && exit 1
exit 0
