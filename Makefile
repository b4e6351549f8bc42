# SPDX-License-Identifier: GPL-2.0
#
# natgw top-level Makefile.
#
#   make            build kmod/natgw.ko and tools/natctl/natctl
#   make deps       install (apt-get) what build, tests and demo need
#   make check      unit tests, then the VM selftests; ends "N passed, M failed"
#   make selftest T="natgw_gateway ..."   only those selftests, in the VM
#   make bench      natgw vs nf_nat vs plain forwarding, ratios (VM, ~30 min)
#   make stress     every selftest scaled up, fuzzers included (long)
#   make check-debug  every selftest on a debug kernel (builds it once)
#   make demo       boot the VM and show natgw at work
#   make vm-shell   boot the VM with a shell on this terminal (quit: Ctrl-A x)
#   make unit       userspace unit tests only
#   make install    module to the kernel's extra/, natctl to /usr/local/sbin,
#                   units and logrotate file; honours DESTDIR and PREFIX
#   make deb        Debian packages natgw-dkms and natctl, in BUILD/deb
#
# KDIR defaults to the headers of the kernel the VM boots (Debian's
# linux-headers-amd64), except for make install, which builds for the
# running kernel (/lib/modules/$(uname -r)/build) unless KDIR is given.
# The VM boots VM_KERNEL, Debian's newest generic kernel by default (the cloud
# flavour lacks 9p); VM_TIMEOUT (seconds), VM_MEM, VM_SMP and VM_APPEND tune
# it.  Build outputs of the harness and VM logs go to BUILD (see
# Documentation/testing.md).

VM_KVER	?= $(shell ls -1 /lib/modules 2>/dev/null | grep -E '^[0-9.]+-[0-9]+-amd64$$' | sort -V | tail -n 1)
KDIR	?= /lib/modules/$(VM_KVER)/build
VM_KERNEL ?= /boot/vmlinuz-$(VM_KVER)
BUILD	?= $(CURDIR)/build
PWD	:= $(shell pwd)

# Where make deb-root unpacks the packages, for the selftest natgw_package.
NATGW_DEB_ROOT ?= $(BUILD)/deb/root

export VM_KERNEL BUILD NATGW_DEB_ROOT

# Everything that build, tests and demo use, beyond Debian's essential set.
DEPS	:= linux-image-amd64 linux-headers-amd64 gcc make libc6-dev pkg-config \
	   libmnl-dev qemu-system-x86 busybox-static xz-utils kmod iproute2 \
	   iputils-ping procps socat python3-scapy nftables tcpdump iperf3 \
	   netsniff-ng python3-prometheus-client valgrind \
	   dpkg-dev debhelper dh-dkms

RELEASE	:= $(shell cat VERSION)
PREFIX	?= /usr/local
DESTDIR	?=

.PHONY: all module natctl unit check check-debug selftest stress bench demo vm-shell deps clean install deb deb-root

all: module natctl

module:
	@test -d $(KDIR) || { echo "module: no kernel headers at $(KDIR):" \
		"run 'make deps' first (or name them with KDIR=)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(PWD) W=1 modules

natctl:
	$(MAKE) -C tools/natctl

unit:
	$(MAKE) --no-print-directory -C tests run

check: deps all deb-root
	selftests/vm/check.sh

selftest: all deb-root
	selftests/vm/check.sh --vm-only $(T)

# natgw against nftables masquerade and plain forwarding, in one VM run:
# a table on stdout, bench/results/latest.json (Documentation/performance.md).
bench: deps all
	$(MAKE) --no-print-directory -C bench run

# Everything, scaled up: the fuzzers at full size and 100 rounds of faults.
stress: deps all
	NATGW_STRESS=1 NATGW_TEST_TIMEOUT=3600 VM_TIMEOUT=5400 \
		selftests/vm/check.sh --vm-only

# Every selftest on a debug kernel (KASAN, UBSAN, lockdep, kmemleak...)
# built from linux-source-6.1 and cached outside the tree: see
# Documentation/reliability.md for what it costs.
check-debug: deps all
	eval "$$(selftests/debug/build-kernel.sh -m)" && export NATGW_KO && \
	NATGW_FUZZ_SCALE=$${NATGW_FUZZ_SCALE:-0.1} \
	NATGW_CAPACITY=$${NATGW_CAPACITY:-65536} \
	NATGW_FAULT_REPS=$${NATGW_FAULT_REPS:-1} NATGW_TEST_TIMEOUT=3600 \
	VM_KERNEL=$$VM_KERNEL VM_MEM=2048M VM_TIMEOUT=10800 \
		selftests/vm/check.sh --vm-only

demo: deps all
	selftests/vm/run-vm.sh -o $(BUILD)/vm/demo selftests/demo.sh

vm-shell: all
	selftests/vm/run-vm.sh -i -o $(BUILD)/vm/shell

# Installs only when dpkg lacks one of DEPS, so that a second run is instant.
deps:
	@missing=; \
	for p in $(DEPS); do \
		dpkg-query -W -f='$${db:Status-Status}\n' $$p 2>/dev/null | \
			grep -qx installed || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends $$missing; \
	fi

# On a router: the module, built for the running kernel unless KDIR is
# given, to its extra/ (modprobe natgw then loads nf_defrag_ipv4 too);
# natctl, its man page, completion, the systemd units and the logrotate
# file.  Everything goes under DESTDIR.
INSTALL_KDIR = $(if $(filter file,$(origin KDIR)),/lib/modules/$(shell uname -r)/build,$(KDIR))

install: natctl
	@test -d $(INSTALL_KDIR) || { echo "install: no kernel headers at" \
		"$(INSTALL_KDIR): apt-get install linux-headers-$$(uname -r)," \
		"or name them with KDIR=" >&2; exit 1; }
	$(MAKE) -C $(INSTALL_KDIR) M=$(PWD) W=1 modules
	$(MAKE) -C $(INSTALL_KDIR) M=$(PWD) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=extra modules_install
	$(MAKE) -C tools/natctl install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	$(MAKE) -C tools/systemd install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

# The two Debian packages, built from a copy of the tree (what git tracks,
# and new files it does not ignore) so that nothing is written beside it.
deb:
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/src
	git ls-files -co --exclude-standard | \
		while read -r f; do [ -e "$$f" ] && echo "$$f"; done | \
		tar -cf - -T - | tar -C $(BUILD)/deb/src -xf -
	cd $(BUILD)/deb/src && dpkg-buildpackage -b -us -uc >../build.log 2>&1 || \
		{ tail -n 30 ../build.log; exit 1; }
	@ls -1 $(BUILD)/deb/*.deb

# The packages unpacked into BUILD/deb/root, with natgw.ko built from
# natgw-dkms's sources as DKMS builds it, for the selftest natgw_package.
deb-root: deb
	rm -rf $(NATGW_DEB_ROOT)
	for p in $(BUILD)/deb/*.deb; do dpkg-deb -x $$p $(NATGW_DEB_ROOT) || exit; done
	$(MAKE) -C $(KDIR) M=$(NATGW_DEB_ROOT)/usr/src/natgw-$(RELEASE) modules

clean:
	-$(MAKE) -C $(KDIR) M=$(PWD) clean
	$(MAKE) -C tools/natctl clean
	$(MAKE) -C tests clean
	rm -rf $(BUILD)
