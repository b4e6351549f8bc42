#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build natgw's debug kernel (KASAN, UBSAN, lockdep, kmemleak...) from
# Debian's linux-source-6.1: allnoconfig plus the fragment next to this
# script (selftests/debug/config), everything built in.  The result is cached
# outside the tree, keyed by the fragment and the source package's version,
# so a second run is instant and only a changed fragment rebuilds.
#
#   build-kernel.sh [-f] [-m] [-j JOBS]
#
#   -f       rebuild even when the cache has this kernel
#   -m       also build natgw.ko for it, from a copy of the tree's module
#            sources in $BUILD/debug-kmod (default build/debug-kmod), so
#            that kmod/natgw.ko (the stock kernel's) stays as it is
#   -j JOBS  parallel jobs (default: the number of CPUs)
#
# Progress goes to stderr.  Stdout is shell assignments, for eval:
#
#   KDIR=...        the build tree: make -C $KDIR M=DIR modules builds
#                   natgw.ko for this kernel (make module KDIR=$KDIR)
#   VM_KERNEL=...   the image for selftests/vm/run-vm.sh (the bzImage)
#   DEBUG_RELEASE=  the kernel release (uname -r in the guest)
#   NATGW_KO=...    with -m: the module built for it (lib.sh loads
#                   $NATGW_KO, and run-vm.sh passes NATGW_* to the guest)
#
# So a whole debug run is:
#
#   eval "$(selftests/debug/build-kernel.sh -m)"
#   export NATGW_KO; VM_KERNEL=$VM_KERNEL VM_MEM=2048M selftests/vm/run-vm.sh selftests/run.sh
#
# Layout under $NATGW_DEBUG_CACHE (default /var/cache/natgw):
#
#   linux-source-VERSION/       the unpacked tarball, shared by all builds
#   debug-kernel-KEY/build/     the O= build tree (KDIR), build.log in it
#   debug-kernel-KEY/root/      modules_install output: modules.builtin...
#   debug-kernel-KEY/done       written last: the build is complete
#   debug-kernel -> debug-kernel-KEY   the newest complete build
#
# /lib/modules/RELEASE is made a symlink to root/lib/modules/RELEASE, so that
# in the guest (whose root is the host's) modprobe knows the built-in
# modules and succeeds for them, and run-vm.sh finds that virtio_pci and 9p
# are built in.  Older debug-kernel-* builds are removed once a new one is
# complete: a build tree takes several GB.

set -euo pipefail

readonly SRC_PKG=linux-source-6.1
readonly TARBALL=/usr/src/$SRC_PKG.tar.xz
# What building the kernel needs beyond make deps (objtool needs libelf).
readonly BUILD_DEPS="$SRC_PKG gcc make flex bison bc libelf-dev xz-utils kmod"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
fragment=$here/config
cache=${NATGW_DEBUG_CACHE:-/var/cache/natgw}
jobs=$(nproc)
force=0
module=0

msg()
{
	echo "debug-kernel: $*" >&2
}

die()
{
	msg "$*"
	exit 1
}

usage()
{
	sed -n '/^#   build-kernel.sh/,/^$/s/^# \{0,1\}//p' "$0" >&2
	sed -n '/^#   -f /,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

install_deps()
{
	local p missing=()

	for p in $BUILD_DEPS; do
		dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null |
			grep -qx installed || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	msg "installing ${missing[*]}"
	apt-get update >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends "${missing[@]}" >&2
}

# The source tree, unpacked once per package version.  Unpacked beside its
# final place and renamed, so that an interrupted unpack is never used.
unpack_source()
{
	local dest=$cache/linux-source-$src_ver tmp

	if [[ ! -f $dest/Makefile ]]; then
		[[ -r $TARBALL ]] || die "$TARBALL missing (apt-get install $SRC_PKG)"
		msg "unpacking $TARBALL"
		tmp=$(mktemp -d "$cache/.unpack.XXXXXX")
		tar -C "$tmp" -xf "$TARBALL"
		rm -rf "$dest"
		mv "$tmp/$SRC_PKG" "$dest"
		rmdir "$tmp"
	fi
	src=$dest
}

# Every line of the fragment must be in the final .config: Kconfig silently
# drops a value whose dependencies are not met.
check_config()
{
	local line sym bad=0

	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$obj/.config" && continue
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			grep -q "^$sym=" "$obj/.config" || continue
			;;
		*)
			continue
			;;
		esac
		msg "fragment line not in .config: $line"
		bad=1
	done <"$fragment"
	((bad == 0)) || die "fix $fragment (see $obj/.config)"
}

build()
{
	local start=$SECONDS log=$obj/build.log

	rm -rf "$dir"
	mkdir -p "$obj"
	msg "configuring in $obj (allnoconfig + $fragment)"
	make -s -C "$src" O="$obj" ARCH=x86_64 \
		KCONFIG_ALLCONFIG="$fragment" allnoconfig >&2
	check_config
	msg "building with $jobs jobs; log: $log"
	if ! make -C "$src" O="$obj" ARCH=x86_64 -j"$jobs" all >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "build failed; see $log"
	fi
	make -s -C "$src" O="$obj" ARCH=x86_64 INSTALL_MOD_PATH="$dir/root" \
		modules_install >>"$log" 2>&1 || die "modules_install failed; see $log"
	echo $((SECONDS - start)) >"$dir/build-seconds"
	msg "built in $((SECONDS - start)) s"
}

# Point /lib/modules/RELEASE at this build, replacing only a symlink that
# an earlier run of this script made.
link_modules()
{
	local link=/lib/modules/$release

	if [[ -e $link && ! -L $link ]]; then
		msg "$link exists and is not ours: left alone"
		return
	fi
	ln -sfn "$dir/root/lib/modules/$release" "$link"
}

# natgw.ko for this kernel, out of the tree: kbuild of 6.1 writes its
# objects next to the sources, so they are copied first.
build_module()
{
	local kmod=${BUILD:-$repo/build}/debug-kmod log

	mkdir -p "$kmod/kmod"
	log=$kmod/build.log
	cp "$repo/Kbuild" "$kmod/"
	cp "$repo"/kmod/Kbuild "$repo"/kmod/*.[ch] "$kmod/kmod/"
	rm -f "$kmod/kmod/natgw.mod.c"
	cp -r "$repo/include" "$kmod/"
	msg "building natgw.ko for $release in $kmod"
	if ! make -C "$obj" M="$kmod" W=1 modules >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "natgw.ko does not build for $release; see $log"
	fi
	natgw_ko=$kmod/kmod/natgw.ko
}

prune()
{
	local d

	for d in "$cache"/debug-kernel-*/; do
		d=${d%/}
		[[ $d == "$dir" ]] && continue
		msg "removing the older build $d"
		rm -rf "$d"
	done
}

while getopts fmj: opt; do
	case $opt in
	f) force=1 ;;
	m) module=1 ;;
	j) jobs=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
(($# == 0)) || usage
[[ -r $fragment ]] || die "no fragment at $fragment"

install_deps
src_ver=$(dpkg-query -W -f='${Version}' "$SRC_PKG")
key=$({ cat "$fragment"; echo "$SRC_PKG $src_ver"; } | sha256sum | cut -c 1-16)
dir=$cache/debug-kernel-$key
obj=$dir/build

mkdir -p "$cache"
exec 8>"$cache/lock"
if ! flock -n 8; then
	msg "waiting for another build in $cache"
	flock 8
fi

if ((force)) || [[ ! -s $dir/done ]]; then
	unpack_source
	build
	make -s -C "$src" O="$obj" ARCH=x86_64 kernelrelease >"$dir/done"
	prune
else
	msg "cached: $dir (built in $(cat "$dir/build-seconds" 2>/dev/null || echo '?') s)"
fi
release=$(<"$dir/done")
ln -sfn "${dir##*/}" "$cache/debug-kernel"
link_modules
((module)) && build_module

printf 'KDIR=%q\n' "$obj"
printf 'VM_KERNEL=%q\n' "$obj/arch/x86/boot/bzImage"
printf 'DEBUG_RELEASE=%q\n' "$release"
((module)) && printf 'NATGW_KO=%q\n' "$natgw_ko"
exit 0
