# SPDX-License-Identifier: GPL-2.0
#
# natgw top-level Makefile.
#
#   make            build kmod/natgw.ko and tools/natctl/natctl
#   make deps       install (apt-get) what build, tests and demo need
#   make check      unit tests, then the VM selftests; ends "N passed, M failed"
#   make demo       boot the VM and show natgw at work
#   make unit       userspace unit tests only
#   make install    module to the kernel's extra/, natctl to /usr/local/sbin
#
# KDIR defaults to the headers of the kernel the VM boots (Debian's
# linux-headers-amd64); on a real router use KDIR=/lib/modules/$(uname -r)/build.

VM_KVER	?= $(shell ls -1 /lib/modules 2>/dev/null | grep -- '-amd64$$' | sort -V | tail -n 1)
KDIR	?= /lib/modules/$(VM_KVER)/build
VM_KERNEL ?= /boot/vmlinuz-$(VM_KVER)
PWD	:= $(shell pwd)

.PHONY: all module natctl unit check demo deps clean install

all: module natctl

module:
	$(MAKE) -C $(KDIR) M=$(PWD) W=1 modules

natctl:
	$(MAKE) -C tools/natctl

unit:
	$(MAKE) -C tests run

clean:
	-$(MAKE) -C $(KDIR) M=$(PWD) clean
	$(MAKE) -C tools/natctl clean
	$(MAKE) -C tests clean
