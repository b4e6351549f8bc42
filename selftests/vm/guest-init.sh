#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the natgw test VM, once the initramfs has switch_rooted into the
# host's read-only root.  Runs the command that run-vm.sh wrote to the
# results share, then hands back, on that share: output (the command's
# stdout and stderr, which the host streams), dmesg, kmemleak (on a kernel
# that has it) and status, the command's exit status.  status is written
# last: its presence tells the host that everything else is complete.
# Then it powers off, which ends qemu.

res=$NATGW_RESULTS
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LC_ALL=C.UTF-8

cut -d ' ' -f 1 /proc/uptime >"$res/boot-time"
echo natgw-vm >/proc/sys/kernel/hostname
ip link set lo up
cd "$NATGW_REPO" || echo "guest-init: no $NATGW_REPO in the guest"
eval "set -- $(<"$res/cmd")"

if [[ -e $res/mode ]]; then
	# Interactive: the command gets the serial console as its terminal.
	setsid --ctty "$@" <>/dev/ttyS0 >&0 2>&1
else
	"$@" >"$res/output" 2>&1 </dev/null
fi
rc=$?

if [[ -w /sys/kernel/debug/kmemleak ]]; then
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >"$res/kmemleak"
fi
dmesg >"$res/dmesg"
echo "$rc" >"$res/status"
sync
exec /bin/busybox poweroff -f
