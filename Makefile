# ktstr: build everything into build/ (see README.md).
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
KTSTR_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Ilibcommon
LDFLAGS ?=

# Every folder bin/ktstr-NAME/ with a main.c is one tool.
TOOLS := $(patsubst bin/%/main.c,%,$(wildcard bin/ktstr-*/main.c))
TOOL_BINS := $(addprefix $(BUILD)/bin/,$(TOOLS))
COMMON_SRCS := $(wildcard libcommon/*.c)
COMMON_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(COMMON_SRCS))
COMMON_LIB := $(BUILD)/libcommon.a

# Libraries per tool; jansson for all of them.
LIBS_COMMON = -ljansson
LIBS_ktstr-boot = -lelf
LIBS_ktstr-probe = -lbpf -lelf -lz
LIBS_guest_ktstr-init = -ljansson -lm

# The guest programs are static so the initramfs needs no libraries.
GUEST := $(patsubst guest/%/main.c,%,$(wildcard guest/*/main.c))
GUEST_BINS := $(addprefix $(BUILD)/guest/,$(GUEST))

# Small C drivers that unit tests use to reach libcommon directly.
TEST_DRIVERS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c))

SCRIPTS := $(filter-out $(wildcard bin/*/),$(wildcard bin/ktstr*))

.PHONY: all deps kernel test unit-test vm-test run bench sanitize install clean
all: $(TOOL_BINS) $(GUEST_BINS) $(TEST_DRIVERS)

$(BUILD)/obj/%.o: %.c $(wildcard libcommon/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(KTSTR_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(COMMON_LIB): $(COMMON_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Objects of every .c in a folder (a function, so '%' stays out of the rules).
objs_of = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard $(1)/*.c))

.SECONDARY:
.SECONDEXPANSION:
$(BUILD)/bin/%: $$(call objs_of,bin/$$*) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_$*) $(LIBS_COMMON)

$(BUILD)/guest/%: $$(call objs_of,guest/$$*) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -static -o $@ $^ $(LIBS_guest_$*)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_COMMON)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

deps:
	@sh share/ktstr/deps.sh

kernel: all
	bin/ktstr kernel fetch

# Unit tests need no VM; vm tests boot the cached kernel (fetched if absent).
test: all
	bin/ktstr kernel fetch >/dev/null
	tests/run tests/unit tests/vm

unit-test: all
	tests/run tests/unit

vm-test: all
	tests/run tests/vm

run: all
	bin/ktstr kernel fetch >/dev/null
	bin/ktstr kernel list

bench: all
	tests/bench

# Unit tests against tools built with ASan+UBSan in build-san/.
sanitize:
	$(MAKE) BUILD=build-san CC=clang \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" \
		$(addprefix build-san/bin/,$(TOOLS)) $(patsubst $(BUILD)/%,build-san/%,$(TEST_DRIVERS))
	KTSTR_BUILD_DIR=$(CURDIR)/build-san ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1 tests/run tests/unit

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/ktstr $(DESTDIR)$(PREFIX)/share/ktstr
	install -m 755 $(TOOL_BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 755 $(SCRIPTS) $(DESTDIR)$(PREFIX)/bin/
	cp -R $(BUILD)/guest/. $(DESTDIR)$(PREFIX)/libexec/ktstr/ 2>/dev/null || true
	cp -R share/ktstr/. $(DESTDIR)$(PREFIX)/share/ktstr/

clean:
	rm -rf build build-san
