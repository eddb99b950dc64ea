# SPDX-License-Identifier: GPL-2.0
#
# Aether: out-of-tree build, checks and the QEMU test box.
# The Kbuild file next to this one says what to build; this Makefile says
# against which kernel, and drives everything around it.
#
#   make [KVER=<release>]   build the modules in place (running kernel's
#                           headers, else Debian's 6.1 headers)
#   make matrix             build for 6.1, 6.12 and the debug kernel with
#                           -Werror, each in build/<release>/
#   make lint               checkpatch --strict and sparse (C=2) on 6.1 and
#                           6.12
#   make tools selftests    static userspace binaries into build/bin/
#   make debug-kernel       build (or find cached) the debug kernel: 6.1
#                           with KASAN, kmemleak, lockdep, UBSAN, fault
#                           injection (scripts/debug-kernel.sh)
#   make check              all of the above, then the selftests in the box
#                           on 6.1, 6.12 and the debug kernel; on the debug
#                           kernel also fault injection, a short load/unload
#                           loop and a kmemleak scan
#   make soak               the reliability phases at length on the debug
#                           kernel (>= 1,000,000 fuzzed ioctls, 1000
#                           load/unload cycles), then a table of figures
#   AETHER_DEBUG_KERNEL=0   leave the debug kernel out of matrix and check
#   make demo|shell [KVER=] boot the box on one kernel (default 6.1)
#   make bench              in-kernel benchmarks on both kernels, bench/
#                           (PNG plots and their index bench/README.md)
#   make install [KVER=]    build for KVER (default: the running kernel) in
#                           build/KVER/, install the modules under
#                           /lib/modules/KVER/updates/aether, run depmod;
#                           the udev rule and the modprobe.d example too;
#                           aetherctl (built static, to /usr/sbin), its
#                           man page and its bash completion
#   make uninstall [KVER=]  take all of it out again
#   make dkms-check         make install/uninstall and dkms add, build,
#                           install, uninstall, remove on 6.1 and 6.12
#                           (scripts/dkms-check.sh; make check runs it
#                           before the box)
#   make clean

TOP	:= $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
PATHS	:= $(TOP)/scripts/paths.sh
BUILD	:= $(TOP)/build
BIN	:= $(BUILD)/bin

# Evaluated when used, i.e. after deps.sh has installed the kernels.
REL61	= $(shell $(PATHS) rel 6.1)
RELS	= $(shell $(PATHS) rels)
# The debug kernel, once "make debug-kernel" has built it (empty before).
ifeq ($(AETHER_DEBUG_KERNEL),0)
DEBUG_REL :=
DEBUG_REL_SH := true
else
DEBUG_REL = $(shell $(PATHS) debug-rel)
DEBUG_REL_SH := $(PATHS) debug-rel
endif

RUNNING	:= /lib/modules/$(shell uname -r)/build
ifdef KVER
KDIR	:= /lib/modules/$(KVER)/build
else
KDIR	= $(if $(wildcard $(RUNNING)),$(RUNNING),/lib/modules/$(REL61)/build)
endif

# What "make install" installs for: the release of KDIR.
KREL	= $(or $(KVER),$(if $(wildcard $(RUNNING)),$(shell uname -r),$(REL61)))
INSTALL_MOD_DIR	?= updates/aether
UDEV_RULES	:= $(wildcard $(TOP)/udev/*.rules)
DOCDIR		:= $(DESTDIR)/usr/share/doc/aether
MAN8DIR		:= $(DESTDIR)/usr/share/man/man8
BASHCOMPDIR	:= $(DESTDIR)/usr/share/bash-completion/completions
SBINDIR		:= $(DESTDIR)/usr/sbin

# The box kernel: KVER if given, else Debian's 6.1.
BOX_KVER = $(or $(KVER),$(REL61))

# Userspace parts; overridable so they can be tested from elsewhere.
AETHERCTL_DIR	?= $(TOP)/tools/aetherctl
SELFTEST_DIRS	?= $(patsubst %/Makefile,%,$(wildcard $(TOP)/selftests/*/Makefile))

.PHONY: all modules deps matrix box-kmod lint tools selftests check demo \
	shell bench clean debug-kernel soak install uninstall dkms-check

all: modules

# In place, like any out-of-tree module. deps only when the headers are
# missing; KDIR is expanded again after it ran.
modules: $(if $(wildcard $(KDIR)),,deps)
	$(MAKE) -C $(KDIR) M=$(TOP) modules

# deps.sh is a fast no-op once everything is there; check sets
# AETHER_DEPS_DONE so that its sub-makes skip even that.
deps:
	@$(if $(AETHER_DEPS_DONE),:,$(TOP)/scripts/deps.sh)

# kbuild_in REL: build REL's modules in build/REL/ (a copy of the sources:
# Kbuild writes objects next to them), warnings fatal.
define kbuild_in
	$(TOP)/scripts/sync-tree.sh $(BUILD)/$(1)
	+$(MAKE) -C $$($(PATHS) kdir $(1)) M=$(BUILD)/$(1) AETHER_WERROR=y modules
endef

matrix: deps
	$(foreach r,$(RELS) $(DEBUG_REL),$(call kbuild_in,$(r))$(newline))

# Cached under ~/.cache/aether/debug-kernel/ by source version and config;
# a cold build takes a while (see README), a warm one is a no-op.
debug-kernel: deps
ifneq ($(AETHER_DEBUG_KERNEL),0)
	$(TOP)/scripts/debug-kernel.sh build
endif

# box-kmod: only the kernel the box is about to boot.
box-kmod: deps
	$(call kbuild_in,$(BOX_KVER))

lint: deps
	+$(TOP)/scripts/lint.sh $(RELS)

tools: deps
	@test -f $(AETHERCTL_DIR)/Makefile || \
		{ echo "no $(AETHERCTL_DIR)/Makefile" >&2; exit 1; }
	+$(MAKE) -C $(AETHERCTL_DIR) TOP=$(TOP) OUTPUT=$(BIN)/tools

selftests: deps
	@test -n "$(SELFTEST_DIRS)" || { echo "no selftests/*/Makefile" >&2; exit 1; }
	$(foreach d,$(SELFTEST_DIRS),+$(MAKE) -C $(d) TOP=$(TOP) \
		KSFT_INC=$$($(PATHS) ksft-dir) \
		OUTPUT=$(BIN)/selftests/$(notdir $(d))$(newline))

# Sequential on purpose, even under -j: each step needs the one before.
check: deps
	+$(MAKE) AETHER_DEPS_DONE=1 debug-kernel
	+$(MAKE) AETHER_DEPS_DONE=1 matrix
	+$(MAKE) AETHER_DEPS_DONE=1 lint
	+$(MAKE) AETHER_DEPS_DONE=1 tools
	+$(MAKE) AETHER_DEPS_DONE=1 selftests
	$(TOP)/scripts/check.sh $(RELS) $$($(DEBUG_REL_SH))

soak: deps
	+$(MAKE) AETHER_DEPS_DONE=1 debug-kernel
	+$(MAKE) AETHER_DEPS_DONE=1 KVER=$$($(PATHS) debug-rel) box-kmod
	+$(MAKE) AETHER_DEPS_DONE=1 tools selftests
	$(TOP)/scripts/soak.sh $$($(PATHS) debug-rel)

demo shell: deps
	+$(MAKE) AETHER_DEPS_DONE=1 box-kmod tools
	$(TOP)/scripts/box.sh $(BOX_KVER) $@ $(BUILD)/logs/$@-$(BOX_KVER).log

bench: deps
	+$(MAKE) AETHER_DEPS_DONE=1 matrix tools
	$(TOP)/scripts/bench.sh $(RELS)

# Like any external module: modules_install under INSTALL_MOD_DIR, then
# depmod, so that "modprobe aether_zram" finds it and what it needs.  Built
# in build/KREL/ so the checkout keeps no objects.
install: $(if $(wildcard $(KDIR)),,deps)
	$(TOP)/scripts/sync-tree.sh $(BUILD)/$(KREL)
	+$(MAKE) -C $(KDIR) M=$(BUILD)/$(KREL) modules
	+$(MAKE) -C $(KDIR) M=$(BUILD)/$(KREL) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install
	depmod -a $(KREL)
	$(if $(UDEV_RULES),install -D -m 0644 -t $(DESTDIR)/etc/udev/rules.d $(UDEV_RULES))
	install -D -m 0644 $(TOP)/packaging/modprobe.d/aether.conf \
		$(DOCDIR)/examples/modprobe.d/aether.conf
	+$(MAKE) -C $(AETHERCTL_DIR) TOP=$(TOP) OUTPUT=$(BIN)/tools
	install -D -m 0755 $(BIN)/tools/aetherctl $(SBINDIR)/aetherctl
	install -D -m 0644 $(TOP)/packaging/man/aetherctl.8 $(MAN8DIR)/aetherctl.8
	install -D -m 0644 $(TOP)/packaging/bash-completion/aetherctl \
		$(BASHCOMPDIR)/aetherctl

uninstall:
	rm -rf /lib/modules/$(KREL)/$(INSTALL_MOD_DIR)
	depmod -a $(KREL)
	rm -f $(foreach r,$(UDEV_RULES),$(DESTDIR)/etc/udev/rules.d/$(notdir $(r)))
	rm -rf $(DOCDIR)
	rm -f $(SBINDIR)/aetherctl $(MAN8DIR)/aetherctl.8 $(BASHCOMPDIR)/aetherctl

dkms-check: deps
	$(TOP)/scripts/dkms-check.sh $(RELS)

clean:
	rm -rf $(BUILD) bench/*.txt bench/*.svg bench/*.png bench/README.md
	find $(TOP) \( -path $(TOP)/.git -o -path $(TOP)/build \) -prune -o \
		-type f \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' -o -name '.*.d' -o -name '*.a' \
		-o -name Module.symvers -o -name modules.order \) -print0 | \
		xargs -0r rm -f
	rm -rf $(TOP)/.tmp_versions
	$(foreach d,$(wildcard $(AETHERCTL_DIR)) $(SELFTEST_DIRS),\
		$(if $(wildcard $(d)/Makefile),-$(MAKE) -C $(d) clean$(newline)))

define newline


endef
