#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages (make deb) hold what their units and documentation
# name, agree on one release, and work: natgw.ko built from natgw-dkms's
# sources as DKMS builds it (make deb-root) loads, and natctl from the
# natctl package passes natgw_gateway (the whole command set of gateways,
# with its text and JSON output, against that module).
#
# make check and make selftest unpack the packages into NATGW_DEB_ROOT
# (BUILD/deb/root) before the VM boots.
# natgw-selftest: timeout 600

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

root=${NATGW_DEB_ROOT:-$NATGW_REPO/build/deb/root}
release=$(<"$NATGW_REPO/VERSION")
src=$root/usr/src/natgw-$release
pkg_ko=$src/kmod/natgw.ko
pkg_natctl=$root/usr/sbin/natctl

# The one path of each thing (Documentation/operations.md, natctl(8)).
readonly CONF=/etc/natgw/natgw.conf
readonly NATLOG=/var/log/natgw/natlog.json
readonly TEXTFILE=/var/lib/prometheus/node-exporter/natgw.prom

test_versions()
{
	local changelog

	changelog=$(zcat "$root/usr/share/doc/natctl/changelog.gz" | head -n 1)
	expect_match "$changelog" "^natgw \\($release\\) " "natctl's changelog"
	changelog=$(zcat "$root/usr/share/doc/natgw-dkms/changelog.gz" | head -n 1)
	expect_match "$changelog" "^natgw \\($release\\) " "natgw-dkms's changelog"
	expect_match "$(<"$src/dkms.conf")" "^PACKAGE_VERSION=\"$release\"$" "dkms.conf"
	expect_match "$(<"$NATGW_REPO/dkms.conf")" "^PACKAGE_VERSION=\"$release\"$" "the tree's dkms.conf"
	expect_rc 0 modinfo -F version "$pkg_ko"
	expect_eq "$out" "$release" "packaged natgw.ko's version"
	expect_rc 0 modinfo -F version "$NATGW_KO"
	expect_eq "$out" "$release" "the tree's natgw.ko's version"
	expect_rc 0 "$pkg_natctl" -V
	expect_match "$out" "^natctl $release " "natctl -V"
}

# Every file that the units, the logrotate file and the docs rely on is in
# a package, and they all name the same paths.
test_contents()
{
	local unit f text

	for f in usr/sbin/natctl usr/share/man/man8/natctl.8.gz \
		 usr/share/bash-completion/completions/natctl \
		 etc/logrotate.d/natctl lib/systemd/system/natgw.service \
		 lib/systemd/system/natgw-natlog.service \
		 lib/systemd/system/natgw-metrics.service \
		 lib/systemd/system/natgw-metrics.timer \
		 "usr/src/natgw-$release/dkms.conf" \
		 "usr/src/natgw-$release/Kbuild"; do
		expect_rc 0 test -s "$root/$f"
	done
	# The units run natctl where the package puts it, and nothing else
	# but system binaries.
	for unit in "$root"/lib/systemd/system/natgw*.service; do
		text=$(<"$unit")
		expect_nomatch "$text" '@SBINDIR@|/usr/local' "$unit"
		while read -r f; do
			[[ $f == /usr/sbin/natctl ]] && f=$root$f
			expect_rc 0 test -x "$f"
		done < <(grep -oE '(/usr)?/s?bin/[a-z]+' "$unit" | sort -u)
	done
	text=$(cat "$root"/lib/systemd/system/natgw*.service)
	expect_contains "$text" "$CONF" "the units"
	expect_contains "$text" "$NATLOG" "the units"
	expect_contains "$text" "${TEXTFILE%/*}" "the units"
	expect_contains "$(<"$root/etc/logrotate.d/natctl")" "$NATLOG" "logrotate"
	text=$(zcat "$root/usr/share/man/man8/natctl.8.gz")
	for f in "$CONF" "$NATLOG" "${TEXTFILE%/*}"; do
		expect_contains "$text" "${f//-/\\-}" "natctl(8)"
		expect_contains "$(<"$NATGW_REPO/Documentation/operations.md")" "$f" "operations.md"
	done
}

# natgw.ko as DKMS builds it from natgw-dkms's sources.
test_module()
{
	if [[ -d /sys/module/natgw ]]; then
		rmmod natgw
	fi
	NATGW_KO=$pkg_ko
	expect_rc 0 natgw_insmod
	expect_eq "$(</sys/module/natgw/version)" "$release" "loaded natgw's version"
	expect_rc 0 "$pkg_natctl" gateway show
}

# The packaged natctl passes selftests written for the tree's.
run_with_package()
{
	local script=$1 log=$ksft_tmp/$1.log rc=0

	NATCTL=$pkg_natctl bash "$NATGW_REPO/selftests/$script.sh" >"$log" 2>&1 ||
		rc=$?
	if ((rc)) || ! grep -qE '^# Totals: pass:[1-9][0-9]* fail:0 skip:0$' "$log"; then
		grep -E '^(not ok|# )' "$log" | tail -n 40
		echo "$script with the packaged natctl: exit $rc"
		return 1
	fi
	ksft_diag "$script with the packaged natctl: $(grep '^# Totals' "$log")"
}

# Leave the tree's module loaded, as the other scripts expect.
test_cleanup()
{
	[[ -d /sys/module/natgw ]] && rmmod natgw
	natgw_insmod >/dev/null 2>&1
}

require_root
[[ -d $root ]] || { echo "# $root: no unpacked packages (make deb-root)"; exit "$KSFT_FAIL"; }

ksft_plan 4
ksft_run package_versions_agree test_versions
ksft_run package_contents test_contents
ksft_run package_module_loads test_module
ksft_run package_natctl_gateway run_with_package natgw_gateway
ksft_finish
