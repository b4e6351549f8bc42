#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs bench_portalloc for each allocator and occupancy, natively (for the
# time per operation) and, when valgrind is installed, under callgrind with
# collection only inside the allocation (for the instruction count, which is
# repeatable), and prints one Markdown table.
#
# Usage: bench_portalloc.sh [BENCH_BINARY]

set -eu

bin=${1:-build/bench_portalloc}
out=$(dirname "$bin")
callgrind=false
if command -v valgrind >/dev/null 2>&1; then
	callgrind=true
fi

echo "Port allocation toward one destination on 1025-65535 (64511 ports):"
echo "natgw's allocator against a model of Linux 6.1 nf_nat's search; each row"
echo "is 20000 allocations at a steady occupancy, after the range was filled"
echo "and churned.  taken()/alloc counts session-table lookups; instructions"
echo "are callgrind's, inside the allocation only; ns/op includes ending a"
echo "session and is noisy on shared machines."
echo
printf '| allocator | occupancy | allocations | failures | failure rate '
printf '| taken()/alloc | instructions/alloc | ns/op |\n'
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for pct in 50 90 99 99.9 100; do
	for alloc in natgw nf_nat; do
		# alloc percent allocations failures probes ns_per_op
		set -- $("$bin" "$alloc" "$pct")
		allocs=$3 failures=$4 probes=$5 ns=$6
		ir=n/a
		if $callgrind; then
			cg="$out/callgrind.out.$alloc.$pct"
			valgrind -q --tool=callgrind --callgrind-out-file="$cg" \
				--collect-atstart=no \
				--toggle-collect='bench_alloc_*' \
				"$bin" "$alloc" "$pct" >/dev/null
			ir=$(awk -v n="$allocs" \
				'/^(summary|totals):/ { printf "%.0f", $2 / n; exit }' "$cg")
		fi
		awk -v a="$alloc" -v p="$pct" -v n="$allocs" -v f="$failures" \
		    -v pr="$probes" -v ir="$ir" -v ns="$ns" 'BEGIN {
			printf "| %s | %s%% | %d | %d | %.2f%% | %.2f | %s | %.0f |\n",
			       a, p, n, f, 100 * f / n, pr / n, ir, ns
		}'
	done
done
