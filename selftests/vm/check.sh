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
# counts, a kernel report (WARN, BUG, lockdep...).  So "0 failed" always
# means that everything ran.

set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-$repo/build}
# The whole suite runs in one boot: give it room (each script still has
# NATGW_TEST_TIMEOUT), but never let it hang past the CI budget.
export VM_TIMEOUT=${VM_TIMEOUT:-2400}
passed=0
failed=0
skipped=0
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
	local out=$build/vm/check counts=$build/vm/check/results/counts rc

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
	if ((rc > 1)); then
		failed=$((failed + 1))
	elif [[ ! -s $counts ]]; then
		note "FAIL: the VM returned no test counts"
		failed=$((failed + 1))
	fi
	note "VM logs: $out (console.log, results/)"
}

if [[ ${1:-} == --vm-only ]]; then
	unit=0
	shift
fi
mkdir -p "$build" || exit 1
((unit)) && run_unit
run_vm "$@"

summary="$passed passed, $failed failed"
((skipped)) && summary+=", $skipped skipped"
echo "$summary"
((failed == 0))
