#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: the userspace unit tests (make -C tests run), then the
# selftests in one VM boot (run-vm.sh selftests/run.sh), then one summary
# line over both, "N passed, M failed[, K skipped]", which is the last line
# printed.  Exit status 0 only when nothing failed.
#
#   check.sh [--vm-only] [TEST...]	TEST: selftest names for run.sh
#
# Anything that keeps a part from reporting counts as a failure: unit tests
# that print no summary, a VM that times out, crashes or never returns its
# counts (then each script that never ran or never finished is named and
# counts as one failure), a kernel report (WARN, BUG, lockdep...).  Each
# skip is named on a line "check: skipped: ..." above the summary, and
# skips fail the check (exit status 1) unless NATGW_ALLOW_SKIP=1.  So a
# summary "N passed, 0 failed" with no "skipped" means that everything ran
# and passed.

set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-$repo/build}
# The whole suite runs in one boot: give it room (each script still has
# NATGW_TEST_TIMEOUT), but never let it hang past the CI budget.
export VM_TIMEOUT=${VM_TIMEOUT:-2400}
passed=0
failed=0
skipped=0
skips=()
skip_ok=1
unit=1

note()
{
	echo "check: $*"
}

run_unit()
{
	local log=$build/unit.log line rc

	note "unit tests: make -C tests run"
	${MAKE:-make} -C "$repo/tests" run 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [[ ! $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		note "FAIL: the unit tests printed no 'N passed, M failed' line (exit $rc)"
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + BASH_REMATCH[1]))
	failed=$((failed + BASH_REMATCH[2]))
	if ((rc && BASH_REMATCH[2] == 0)); then
		note "FAIL: make -C tests run exited $rc"
		failed=$((failed + 1))
	fi
}

run_vm()
{
	local out=$build/vm/check counts=$build/vm/check/results/counts rc line

	# One check at a time per BUILD, held until the counts are read: the
	# VM runner's own lock ends with the VM, and a run waiting for it (make
	# check while make stress runs) would clear these results first.
	mkdir -p "$build/vm" || return
	exec 8>"$build/vm/check.lock"
	if ! flock -n 8; then
		note "waiting for another check that uses $build"
		flock 8
	fi
	note "selftests in the VM: selftests/run.sh $*"
	rm -f "$counts"
	"$repo/selftests/vm/run-vm.sh" -o "$out" selftests/run.sh "$@" 8>&-
	rc=$?
	if [[ -s $counts ]]; then
		# shellcheck source=/dev/null
		source <(grep -E '^(pass|fail|skip)=[0-9]+$' "$counts")
		passed=$((passed + ${pass:-0}))
		failed=$((failed + ${fail:-0}))
		skipped=$((skipped + ${skip:-0}))
	fi
	case $rc in
	0 | 1) ;;
	124) note "FAIL: the VM timed out" ;;
	125) note "FAIL: the kernel logged a report" ;;
	*) note "FAIL: the VM did not complete (exit $rc)" ;;
	esac
	if [[ -f $out/results/skipped ]]; then
		while IFS= read -r line; do
			skips+=("$line")
		done <"$out/results/skipped"
	fi
	if ((rc > 1)) || [[ ! -s $counts ]]; then
		[[ -s $counts ]] || note "FAIL: the VM returned no test counts"
		unfinished "$out/results/progress" "$@"
	fi
	note "VM logs: $out (console.log, results/)"
}

# unfinished PROGRESS [TEST...]: after a VM that did not complete, name each
# script that run.sh never started or never finished (PROGRESS: its "start
# NAME" and "done NAME" lines), and count each as a failure.  Those that
# finished are in the counts, if the VM returned them, or else one failure
# in all.
unfinished()
{
	local progress=$1 t n=0
	local -a names=()

	shift
	if (($#)); then
		for t; do
			t=${t##*/}
			names+=("${t%.sh}")
		done
	else
		for t in "$repo"/selftests/natgw_*.sh; do
			t=${t##*/}
			names+=("${t%.sh}")
		done
	fi
	for t in "${names[@]}"; do
		if grep -qx "done $t" "$progress" 2>/dev/null; then
			continue
		elif grep -qx "start $t" "$progress" 2>/dev/null; then
			note "FAIL: $t started but never finished"
		else
			note "FAIL: $t never ran"
		fi
		n=$((n + 1))
	done
	# all finished, yet no counts: the run itself failed
	((n)) || n=1
	failed=$((failed + n))
}

if [[ ${1:-} == --vm-only ]]; then
	unit=0
	shift
fi
mkdir -p "$build" || exit 1
((unit)) && run_unit
run_vm "$@"

for line in "${skips[@]}"; do
	note "skipped: $line"
done
if ((skipped)) && [[ ${NATGW_ALLOW_SKIP:-0} != 1 ]]; then
	note "FAIL: $skipped skipped (set NATGW_ALLOW_SKIP=1 to accept skips)"
	skip_ok=0
fi
summary="$passed passed, $failed failed"
((skipped)) && summary+=", $skipped skipped"
echo "$summary"
((failed == 0 && skip_ok))
