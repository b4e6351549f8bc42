#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a throwaway qemu VM (TCG) on Debian's generic kernel, run one command
# of this repository inside it as root, and bring back its output, exit status
# and kernel log.  The host root is the guest's root, shared read-only over
# virtio-9p, so the guest has the host's ip, nft, python3 and this repository
# at the same path (the repository is also a share of its own, so that a
# checkout under /tmp works); a writable 9p share (the results directory)
# is how everything comes back.  The serial console only goes to a log file.
#
#   run-vm.sh [-o OUTDIR] [-q] [-i] [--] COMMAND [ARG...]
#
# COMMAND is run from the repository's top directory; relative paths are
# relative to it.  Paths under /tmp, /run and /var/tmp are fresh tmpfs
# mounts in the guest, but for the repository and the results directory:
# a COMMAND must live in the repository or outside those.
#
#   -o OUTDIR  where the run's files go (default $BUILD/vm/run)
#   -q         do not stream the command's output to stdout
#   -i         interactive: console on this terminal, no timeout, and a shell
#              instead of COMMAND when none is given (quit: Ctrl-A x)
#
# Environment: VM_KERNEL (bzImage or vmlinux to boot; default: the newest
# Debian generic kernel), VM_TIMEOUT (seconds, default 600), VM_MEM (default
# 1536M), VM_SMP (default 2), VM_APPEND (extra kernel command line), BUILD
# (default REPO/build).  NATGW_* variables are passed on to the guest.
#
# Exit status: COMMAND's, when the VM ran it to the end and its kernel logged
# no report; otherwise 124 (wall-clock timeout: qemu was killed), 125 (kernel
# report: WARN, BUG, oops, lockdep, KASAN, UBSAN, kmemleak...) or 126 (the VM
# never reported an exit status: boot failure, panic, crash).  2 on a usage
# error of this script.

set -uo pipefail

readonly RC_TIMEOUT=124 RC_REPORT=125 RC_NOSTATUS=126

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-$repo/build}
timeout_s=${VM_TIMEOUT:-600}
mem=${VM_MEM:-1536M}
smp=${VM_SMP:-2}
out=$build/vm/run
stream=1
interactive=0

# What the kernel prints when something is wrong, matched at the start of a
# log line once the timestamp is stripped.  One hit fails the run.  WARN(),
# lockdep ("WARNING: possible recursive locking detected", "inconsistent lock
# state", "suspicious RCU usage") and KASAN ("BUG: KASAN: ...") reports all
# start with one of these words; anchoring them keeps boot chatter such as
# "RETBleed: WARNING: ..." out.  A device whose references leak blocks its
# namespace's teardown with "unregister_netdevice: waiting for DEV".
readonly REPORT_RE='^((rcu|watchdog): )?(WARNING|BUG|INFO):|^Oops|^UBSAN:|^kernel BUG at|^general protection fault|^Kernel panic|^ *Call Trace:|^unreferenced object|^kmemleak: .*suspected memory leaks|^unregister_netdevice: waiting for'

# Modules the initramfs needs to reach the 9p shares, in addition to their
# dependencies.  A kernel with these built in needs none.
readonly VM_MODULES='virtio_pci 9pnet_virtio 9p'

usage()
{
	sed -n '/^#   run-vm.sh/,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

msg()
{
	echo "vm: $*" >&2
}

die()
{
	msg "$*"
	exit "$RC_NOSTATUS"
}

newest_kernel()
{
	local kver

	kver=$(printf '%s\n' /lib/modules/*-amd64 | sed 's|.*/||' |
		grep -E '^[0-9.]+-[0-9]+-amd64$' | sort -V | tail -n 1)
	[[ -n $kver ]] && echo "/boot/vmlinuz-$kver"
}

# The release of a kernel image, which names its modules directory.  A
# bzImage has it in its setup header: the 16-bit field at 0x20e points at
# it, relative to the end of the 512-byte boot sector.  An uncompressed
# vmlinux has its banner in plain text.
kernel_release()
{
	local off

	if [[ $(dd if="$1" bs=1 skip=514 count=4 2>/dev/null) == HdrS ]]; then
		off=$(od -An -tu2 -j 526 -N 2 "$1" | tr -d ' ')
		dd if="$1" bs=1 skip=$((off + 512)) count=256 2>/dev/null |
			tr '\0' '\n' | head -n 1 | cut -d ' ' -f 1
	else
		LC_ALL=C grep -ao -m 1 'Linux version [^ ]*' "$1" | head -n 1 | cut -d ' ' -f 3
	fi
}

# Under TCG the bzImage's own xz decompressor takes over 3 s of every boot,
# while qemu boots an uncompressed vmlinux in no time through its PVH entry
# point (CONFIG_PVH).  So unpack the payload once, using the setup header's
# payload_offset (0x248) and payload_length (0x24c), which count from the
# end of the setup sectors, and keep it in $build/vm.  Any surprise falls
# back to booting the bzImage as it is.
boot_image()
{
	local cache=$build/vm/vmlinux-$kver sects off len magic unpack rc

	if [[ $(head -c 4 "$kernel" | od -An -tx1 | tr -d ' ') == 7f454c46 ]] ||
	   ! grep -qx 'CONFIG_PVH=y' "/boot/config-$kver" 2>/dev/null; then
		echo "$kernel"
		return
	fi
	if [[ ! -s $cache || $kernel -nt $cache ]]; then
		mkdir -p "${cache%/*}" || return 1
		sects=$(od -An -tu1 -j 497 -N 1 "$kernel" | tr -d ' ')
		((sects)) || sects=4
		off=$(od -An -tu4 -j 584 -N 4 "$kernel" | tr -d ' ')
		len=$(od -An -tu4 -j 588 -N 4 "$kernel" | tr -d ' ')
		off=$(((sects + 1) * 512 + off))
		magic=$(tail -c +$((off + 1)) "$kernel" | head -c 4 | od -An -tx1 | tr -d ' ')
		case $magic in
		fd377a58) unpack="xz -dcq --single-stream" ;;
		28b52ffd) unpack="zstd -dcq" ;;
		1f8b*) unpack="gzip -dcq" ;;
		*) unpack=false ;;
		esac
		# Concurrent runs may unpack at once: each into its own file,
		# renamed into place whole.  Exit status 2 is a warning (gzip:
		# trailing bytes), 1 an error.
		tail -c +$((off + 1)) "$kernel" | head -c "$len" | $unpack >"$cache.$$" 2>/dev/null
		rc=${PIPESTATUS[2]}
		if ((rc != 0 && rc != 2)) ||
		   [[ $(head -c 4 "$cache.$$" | od -An -tx1 | tr -d ' ') != 7f454c46 ]]; then
			rm -f "$cache.$$"
			echo "$kernel"
			return
		fi
		mv "$cache.$$" "$cache"
	fi
	echo "$cache"
}

# Print MODULE's dependencies, then MODULE, as paths relative to the modules
# directory, each once.  modules.dep names the whole closure on each line,
# but its order is not a load order, hence the recursion.
declare -A seen
resolve_module()
{
	local mod=${1//-/_} line path dep

	[[ -n ${seen[$mod]:-} ]] && return 0
	seen[$mod]=1
	line=$(awk -v m="$mod" -F: '{
		n = $1; sub(/.*\//, "", n); sub(/\.ko.*$/, "", n); gsub(/-/, "_", n)
		if (n == m) { print; exit }
	}' "$moddir/modules.dep")
	if [[ -z $line ]]; then
		grep -qE "/${mod//_/[-_]}\.ko$" "$moddir/modules.builtin" 2>/dev/null && return 0
		die "module $mod not found in $moddir"
	fi
	path=${line%%:*}
	for dep in ${line#*:}; do
		dep=${dep##*/}
		resolve_module "${dep%%.ko*}"
	done
	echo "$path"
}

# A busybox initramfs: /init (initramfs-init), busybox, the 9p modules and
# the run's parameters.  Rebuilt for each run; it takes a fraction of a second.
build_initramfs()
{
	local stage=$out/initramfs mod path applet var

	rm -rf "$stage"
	mkdir -p "$stage"/{bin,dev,proc,sys,newroot,modules} || exit "$RC_NOSTATUS"
	if [[ ! -x /bin/busybox ]] || ! file_is_static /bin/busybox; then
		die "/bin/busybox missing or not static (install busybox-static)"
	fi
	cp /bin/busybox "$stage/bin/"
	for applet in sh mount mkdir ln insmod switch_root poweroff; do
		ln -s busybox "$stage/bin/$applet"
	done
	cp "$repo/selftests/vm/initramfs-init" "$stage/init"
	chmod 755 "$stage/init"

	: >"$stage/modules/order"
	if [[ -d $moddir ]]; then
		for mod in $VM_MODULES; do
			resolve_module "$mod"
		done | while read -r path; do
			[[ $path == *.ko ]] || die "$path: compressed modules are not supported"
			cp "$moddir/$path" "$stage/modules/"
			echo "${path##*/}" >>"$stage/modules/order"
		done || exit "$RC_NOSTATUS"
	else
		msg "no $moddir: assuming $VM_MODULES are built into $kernel"
	fi

	# The guest's environment: where things are, and the caller's NATGW_*
	# settings (NATGW_TEST_TIMEOUT...).
	{
		for var in $(compgen -e | grep '^NATGW_'); do
			printf '%s=%q\n' "$var" "${!var}"
		done
		printf 'NATGW_REPO=%q\n' "$repo"
		printf 'NATGW_RESULTS=%q\n' "$results"
	} >"$stage/vm.env"

	(cd "$stage" && find . | busybox cpio -o -H newc 2>/dev/null) >"$out/initramfs.cpio" ||
		die "cannot build the initramfs"
}

# A dynamically linked binary names its loader near the start of the file.
file_is_static()
{
	! grep -qa ld-linux < <(head -c 4096 "$1")
}

strip_timestamps()
{
	sed -E 's/^\[ *[0-9]+\.[0-9]+\] (\[ *[CT][0-9]+\] )?//'
}

# Grep the kernel's logs for reports; print the hits with some context.
scan_reports()
{
	local f found=1

	for f in "$results/dmesg" "$results/kmemleak" "$out/console.log"; do
		[[ -s $f ]] || continue
		strip_timestamps <"$f" >"$out/scan.tmp"
		if grep -qE "$REPORT_RE" "$out/scan.tmp"; then
			msg "kernel report in $f:"
			grep -nE -B 2 -A 20 "$REPORT_RE" "$out/scan.tmp" | head -n 60 >&2
			found=0
		fi
	done
	rm -f "$out/scan.tmp"
	return $found
}

qemu_args()
{
	local append="console=ttyS0 panic_on_warn=1 oops=panic panic=-1"

	# TCG is slow: only stalls that no emulation delay explains count.
	append+=" rcupdate.rcu_cpu_stall_timeout=60"
	# TCG's vCPU TSCs all derive from the host clock, but the boot-time
	# sync check can still fail them and fall back to HPET, whose every
	# read is an emulated MMIO access.
	append+=" tsc=reliable"
	append+=" ${VM_APPEND:-}"
	args=(-accel tcg -machine pc -cpu max -m "$mem" -smp "$smp"
	      -nodefaults -no-user-config -display none -no-reboot
	      -kernel "$image" -initrd "$out/initramfs.cpio" -append "$append"
	      -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	      -virtfs "local,path=$repo,mount_tag=repo,security_model=none,readonly=on,multidevs=remap"
	      -virtfs "local,path=$results,mount_tag=results,security_model=none,multidevs=remap")
	if ((interactive)); then
		args+=(-chardev "stdio,id=con,mux=on,signal=off,logfile=$out/console.log"
		       -serial chardev:con -mon chardev=con)
	else
		args+=(-serial "file:$out/console.log")
	fi
}

run_qemu()
{
	local qpid tpid rc start

	start=$SECONDS
	if ((interactive)); then
		qemu-system-x86_64 "${args[@]}"
		return $?
	fi
	timeout -k 5 "$timeout_s" qemu-system-x86_64 "${args[@]}" </dev/null &
	qpid=$!
	if ((stream)); then
		tail -n +1 -F --pid="$qpid" "$results/output" 2>/dev/null &
		tpid=$!
	fi
	wait "$qpid"
	rc=$?
	[[ -n ${tpid:-} ]] && wait "$tpid"
	elapsed=$((SECONDS - start))
	return $rc
}

while (($#)); do
	case $1 in
	-o) out=${2:?}; shift 2 ;;
	-q) stream=0; shift ;;
	-i) interactive=1; shift ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
(($# || interactive)) || usage
(($#)) || set -- /bin/bash -i

# One run at a time per OUTDIR, and nothing of an earlier run may survive
# to be mistaken for this one's.
mkdir -p "$out" || exit "$RC_NOSTATUS"
out=$(cd "$out" && pwd)
exec 9>"$out/lock"
if ! flock -n 9; then
	msg "waiting for another run that uses $out"
	flock 9
fi
results=$out/results
rm -rf "$results" "$out/console.log"
mkdir -p "$results" || exit "$RC_NOSTATUS"

kernel=${VM_KERNEL:-$(newest_kernel)}
[[ -r $kernel ]] || die "no kernel to boot (VM_KERNEL=${kernel:-unset})"
kver=$(kernel_release "$kernel")
[[ -n $kver ]] || die "$kernel: neither a bzImage nor a vmlinux"
moddir=/lib/modules/$kver
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (make deps)"

printf '%q ' "$@" >"$results/cmd"
((interactive)) && echo interactive >"$results/mode"
: >"$results/output"

build_initramfs
image=$(boot_image)
[[ -n $image ]] || die "cannot prepare $kernel for booting"
qemu_args
msg "booting $kernel ($kver), ${mem} RAM, $smp CPUs, timeout ${timeout_s}s; logs in $out"
run_qemu
qrc=$?

if ((!interactive)) && ((qrc == 124 || qrc == 137)); then
	msg "TIMEOUT: no result after ${timeout_s}s, qemu killed (VM_TIMEOUT=$timeout_s)"
	msg "last console lines ($out/console.log):"
	tail -n 20 "$out/console.log" >&2
	scan_reports
	exit "$RC_TIMEOUT"
fi
if scan_reports; then
	msg "FAIL: the kernel logged a report (see above)"
	exit "$RC_REPORT"
fi
if [[ ! -s $results/status ]]; then
	msg "FAIL: the VM returned no exit status (qemu exit $qrc); last console lines:"
	tail -n 20 "$out/console.log" >&2
	exit "$RC_NOSTATUS"
fi
read -r status <"$results/status"
((interactive)) ||
	msg "booted in $(cat "$results/boot-time" 2>/dev/null)s; whole run ${elapsed}s; exit status $status"
exit "$status"
