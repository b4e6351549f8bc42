#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run natgw's selftests one after the other, as kselftest's runner does, and
# nest their KTAP output in one KTAP document.  Meant for the VM (make check),
# but runs on any machine that can load natgw.ko.
#
#   run.sh [NAME...]	NAME: natgw_gateway, natgw_gateway.sh or a path;
#			default: every selftests/natgw_*.sh in order
#
# Each script gets NATGW_TEST_TIMEOUT seconds (default 300), or more if it
# asks for more in a line "# natgw-selftest: timeout SECONDS".  Subtests
# are counted across scripts; a script that fails without a failing
# subtest, stops short of its plan, or exits 0 having run nothing counts
# as failures too, so that a crash can never pass for success.  A skip is
# counted only when the script decided it (ksft_exit_skip's "# SKIP" line,
# or ksft_skip's "ok N NAME # SKIP"); subtests planned but not run behind
# a skip count as skipped, and every skip is named in a "# skipped: ..."
# line.  The counts end the output ("# Totals: ...").
#
# When NATGW_RESULTS names a directory (the VM's results share), run.sh
# writes there, for the host's summary: "progress", a line "start NAME"
# before each script and "done NAME" after it (so that after a crash or a
# timeout the host can tell which scripts never ran or never finished),
# "skipped", one line per skip, and at the end "counts".
#
# Exit status: 0 when nothing failed and nothing was skipped, 1 otherwise.
# NATGW_ALLOW_SKIP=1 accepts skips (exit 0 with skips, none failed).

set -u

dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
test_timeout=${NATGW_TEST_TIMEOUT:-300}
pass=0
fail=0
skip=0

# The larger of NATGW_TEST_TIMEOUT and what the script asks for.
script_timeout()
{
	local want

	want=$(sed -n 's/^# natgw-selftest: timeout \([0-9][0-9]*\)$/\1/p' "$1")
	echo $((${want:-0} > test_timeout ? want : test_timeout))
}

script_path()
{
	case $1 in
	*/*) echo "$1" ;;
	*.sh) echo "$dir/$1" ;;
	*) echo "$dir/$1.sh" ;;
	esac
}

# Run one script, indenting its KTAP by four spaces; lines that are not KTAP
# (stray output) become diagnostics.  Sets s_pass, s_fail, s_skip, s_plan.
run_script()
{
	local line why

	s_pass=0 s_fail=0 s_skip=0 s_plan='' s_skipwhy='' s_skipped=()
	while IFS= read -r line; do
		case $line in
		"not ok "[0-9]*) s_fail=$((s_fail + 1)) ;;
		"ok "[0-9]*" # SKIP"* | "ok "[0-9]*" # skip"*)
			s_skip=$((s_skip + 1))
			why=${line#ok [0-9]* }
			s_skipped+=("${why/ \# [Ss][Kk][Ii][Pp]/:}")
			;;
		"# SKIP "*) [[ -n $s_skipwhy ]] || s_skipwhy=${line#"# SKIP "} ;;
		"ok "[0-9]*) s_pass=$((s_pass + 1)) ;;
		1..[0-9]*) s_plan=${line#1..}; s_plan=${s_plan%% *} ;;
		"KTAP version"* | "#"* | "") ;;
		*) line="# $line" ;;
		esac
		echo "    $line"
	done < <(cd "$dir" && setsid -w bash -c "$reaper" reaper \
		 "$(script_timeout "$1")" "$1" 2>&1 </dev/null)
	wait $!
}

# Run a script in a session of its own, and when it ends kill whatever it
# left behind in that session: a stray background process would otherwise
# hold the output pipe open and stall the whole run until the VM's timeout.
# shellcheck disable=SC2016
reaper='timeout -k 10 "$1" bash "$2"; rc=$?
for p in $(pgrep -s $$); do [ "$p" = $$ ] || kill -KILL "$p" 2>/dev/null; done
exit $rc'


# Record a skip: a "# skipped: ..." line and, for the host, a line of the
# results share's file "skipped".
skipped()
{
	echo "# skipped: $*"
	[[ -n $results ]] && echo "$*" >>"$results/skipped"
	return 0
}

# The N of a script's line "ksft_plan N", or 0.
static_plan()
{
	local n

	n=$(sed -n 's/^ksft_plan \([0-9][0-9]*\)$/\1/p' "$1" 2>/dev/null)
	[[ $n =~ ^[0-9]+$ ]] && echo "$n" || echo 0
}

# Turn a script's exit status and counts into its result line.
account()
{
	local num=$1 name=$2 rc=$3 ran missing why

	ran=$((s_pass + s_fail + s_skip))
	missing=$((${s_plan:-0} - ran))
	((missing < 0)) && missing=0
	case $rc in
	0)
		s_fail=$((s_fail + missing))
		if ((ran + missing == 0)); then
			echo "# $name: exited 0 having run nothing (no plan, no results)"
			s_fail=1
		fi
		;;
	4)
		if [[ -z $s_skipwhy ]] && ((s_skip == 0)); then
			echo "# $name: exit status 4 without a skip decision (ksft_exit_skip)"
			s_fail=$((s_fail + (missing ? missing : 1)))
		elif [[ -n $s_skipwhy ]] && ((missing || ran == 0)); then
			why=$s_skipwhy
			if [[ -n $s_plan ]]; then
				why="$missing of $s_plan planned subtests not run: $why"
			else
				# skipped before its plan: count the subtests of
				# the script's "ksft_plan N", if it has one
				missing=$(static_plan "$t")
				((missing)) || missing=1
				why="the whole script ($missing planned subtests) before its plan: $why"
			fi
			s_skip=$((s_skip + missing))
			skipped "$name: $why"
		else
			s_fail=$((s_fail + missing))
		fi
		;;
	124 | 137)
		echo "# $name: timed out after $(script_timeout "$t")s (NATGW_TEST_TIMEOUT)"
		s_fail=$((s_fail + (missing ? missing : 1)))
		;;
	*)
		# failed before its plan (setup): its planned subtests fail
		[[ -z $s_plan ]] && missing=$(static_plan "$t")
		s_fail=$((s_fail + missing))
		((s_fail)) || s_fail=1
		;;
	esac
	for why in "${s_skipped[@]}"; do
		skipped "$name: $why"
	done
	pass=$((pass + s_pass))
	fail=$((fail + s_fail))
	skip=$((skip + s_skip))
	echo "# $name: pass:$s_pass fail:$s_fail skip:$s_skip (exit $rc)"
	if ((s_fail)); then
		echo "not ok $num $name"
	elif ((s_pass == 0 && s_skip)); then
		echo "ok $num $name # SKIP"
	else
		echo "ok $num $name"
	fi
}

if (($#)); then
	scripts=()
	for t; do
		scripts+=("$(script_path "$t")")
	done
else
	scripts=("$dir"/natgw_*.sh)
fi

results=
if [[ -n ${NATGW_RESULTS:-} && -d $NATGW_RESULTS ]]; then
	results=$NATGW_RESULTS
	: >"$results/progress"
	: >"$results/skipped"
fi
progress()
{
	[[ -n $results ]] || return 0
	echo "$*" >>"$results/progress"
	sync "$results/progress" 2>/dev/null
	return 0
}

echo "KTAP version 1"
echo "1..${#scripts[@]}"
num=0
for t in "${scripts[@]}"; do
	num=$((num + 1))
	name=$(basename "$t" .sh)
	echo "# selftests: natgw: $name"
	progress "start $name"
	if [[ ! -f $t ]]; then
		echo "# $t: no such test"
		s_pass=0 s_fail=0 s_skip=0 s_plan='' s_skipwhy='' s_skipped=()
		account "$num" "$name" 1
		progress "done $name"
		continue
	fi
	run_script "$t"
	account "$num" "$name" $?
	progress "done $name"
done
echo "# Totals: pass:$pass fail:$fail skip:$skip"

if [[ -n $results ]]; then
	printf 'pass=%d\nfail=%d\nskip=%d\n' "$pass" "$fail" "$skip" >"$results/counts"
fi
if ((skip && fail == 0)) && [[ ${NATGW_ALLOW_SKIP:-0} != 1 ]]; then
	echo "# $skip skipped: a failure unless NATGW_ALLOW_SKIP=1"
	exit 1
fi
((fail == 0))
