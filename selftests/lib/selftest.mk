# SPDX-License-Identifier: GPL-2.0
#
# What every kselftest directory of Aether builds the same way.  The
# includer's Makefile names its programs and utility, then includes this:
#
#   SRC := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
#   TEST_GEN_PROGS := foo_test bar_test
#   UTIL := aether_foo_util			# $(SRC)/<each>.c and .h
#   UAPI_HEADERS := aether_foo.h aether_mm.h	# include/uapi/linux/
#   include $(SRC)/../lib/selftest.mk
#
#   make -C selftests/<dir> KSFT_INC=<dir with kselftest_harness.h> \
#	OUTPUT=<dir>
#
# The harness is taken from the kernel tree at build time, never copied
# here.  The binaries are static: the test box has nothing but busybox.
# Every program links its directory's utilities (UTIL may name several)
# and selftests/lib.

TOP ?= $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
LIB := $(TOP)/selftests/lib

KSFT_INC ?= $(HOME)/.cache/aether/selftests
OUTPUT ?= $(SRC)
override OUTPUT := $(abspath $(OUTPUT))

CC ?= gcc
CFLAGS := -Wall -Wextra -O2 -pthread \
	  -I$(TOP)/include/uapi -I$(LIB) -I$(KSFT_INC) $(EXTRA_CFLAGS)
LDFLAGS := -static -pthread
# ASSERT_EQ(0, u64) is how the harness reads; it compares through
# __typeof__, so -Wsign-compare only flags the literal.  The 6.1 harness
# also has an unused parameter of its own.
TEST_CFLAGS := $(CFLAGS) -Wno-sign-compare -Wno-unused-parameter

TEST_FILES ?= settings config

PROGS := $(addprefix $(OUTPUT)/,$(TEST_GEN_PROGS))
UTIL_OBJS := $(addprefix $(OUTPUT)/,$(addsuffix .o,$(UTIL))) \
	     $(OUTPUT)/aether_test.o
DEPS := $(addprefix $(SRC)/,$(addsuffix .h,$(UTIL))) $(LIB)/aether_test.h \
	$(addprefix $(TOP)/include/uapi/linux/,$(UAPI_HEADERS))

all: check_ksft $(PROGS)
ifneq ($(OUTPUT),$(SRC))
	cp $(addprefix $(SRC)/,$(TEST_FILES)) $(OUTPUT)/
endif

check_ksft:
	@test -f $(KSFT_INC)/kselftest_harness.h || { \
		echo "kselftest_harness.h not found in KSFT_INC=$(KSFT_INC)"; \
		echo "pass KSFT_INC=<linux>/tools/testing/selftests"; \
		exit 1; }

$(OUTPUT):
	mkdir -p $@

# Kept between builds: make would take them for intermediates of the
# programs' pattern rule and remove them.
.SECONDARY: $(UTIL_OBJS)

$(OUTPUT)/%.o: $(SRC)/%.c $(DEPS) | $(OUTPUT)
	$(CC) $(CFLAGS) -c -o $@ $<

$(OUTPUT)/aether_test.o: $(LIB)/aether_test.c $(LIB)/aether_test.h | $(OUTPUT)
	$(CC) $(CFLAGS) -c -o $@ $<

$(OUTPUT)/%: $(SRC)/%.c $(UTIL_OBJS) $(DEPS) | $(OUTPUT)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(UTIL_OBJS) $(LDFLAGS)

# The names of the test programs, one a line, for the box's runner.
list:
	@printf '%s\n' $(TEST_GEN_PROGS)

clean:
	rm -f $(PROGS) $(UTIL_OBJS)

.PHONY: all check_ksft list clean
