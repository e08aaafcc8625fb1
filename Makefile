# ktstr: build everything into build/ (see README.md).
# The one version every tool and script reports (--version).
VERSION = 0.1.0
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
LIBS_ktstr-topo = -lm
LIBS_ktstr-probe = -lbpf -lelf -lz -lm
LIBS_ktstr-eval = -lm
LIBS_ktstr-sidecar = -lm -pthread
LIBS_guest_ktstr-init = -ljansson -lm

# The guest programs are static so the initramfs needs no libraries (sanitizer
# builds cannot be: they run only on the host, for the unit tests).
# (guest/scx-ktstr and guest/ktstr-repro have their own rules below: they need a kernel's BTF.)
GUEST_STATIC ?= -static
GUEST := $(filter-out scx-ktstr ktstr-repro,$(patsubst guest/%/main.c,%,$(wildcard guest/*/main.c)))
GUEST_BINS := $(addprefix $(BUILD)/guest/,$(GUEST))

# Small C drivers that unit tests use to reach libcommon directly.
TEST_DRIVERS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c))

SCRIPTS := $(filter-out $(patsubst %/,%,$(wildcard bin/*/)),$(wildcard bin/ktstr*))

# Man pages from each command's --help and --version (help2man).
MAN_CMDS := ktstr ktstr-gauntlet ktstr-kernel ktstr-sched $(TOOLS)
MAN_PAGES := $(addprefix $(BUILD)/man/,$(addsuffix .1,$(MAN_CMDS)))
MAN_DESC_ktstr = test Linux schedulers in throwaway VMs with a chosen CPU topology
MAN_DESC_ktstr-gauntlet = scenarios x topology presets x flag profiles as one run
MAN_DESC_ktstr-kernel = fetch, build, list and locate test kernels
MAN_DESC_ktstr-sched = build third-party sched_ext schedulers and measure their verifier cost
MAN_DESC_ktstr-topo = topology records, QEMU arguments, presets and job plans
MAN_DESC_ktstr-boot = boot a QEMU VM per job record and relay what the guest reports
MAN_DESC_ktstr-probe = read a running guest's runqueues and sched_ext state from the host
MAN_DESC_ktstr-eval = judge a record stream: a verdict per job
MAN_DESC_ktstr-sidecar = store, list, show, compare and merge run records

.PHONY: all deps kernel test unit-test vm-test run bench sweep catalog killtest kernels-test sanitize fuzz fuzz-targets man install uninstall clean
all: $(TOOL_BINS) $(GUEST_BINS) $(TEST_DRIVERS) scx-ktstr

$(BUILD)/obj/%.o: %.c $(wildcard libcommon/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(KTSTR_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/libcommon/version.o: KTSTR_CFLAGS += -DKTSTR_VERSION='"$(VERSION)"'
$(BUILD)/obj/libcommon/version.o: Makefile

$(COMMON_LIB): $(COMMON_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Objects of every .c in a folder (a function, so '%' stays out of the rules); BPF sources
# (*.bpf.c) are not for $(CC).
objs_of = $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out %.bpf.c,$(wildcard $(1)/*.c)))

.SECONDARY:
.SECONDEXPANSION:
$(BUILD)/bin/%: $$(call objs_of,bin/$$*) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_$*) $(LIBS_COMMON)

$(BUILD)/guest/%: $$(call objs_of,guest/$$*) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $(GUEST_STATIC) -o $@ $^ $(LIBS_guest_$*)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_COMMON)

# qmp_check drives ktstr-probe's QMP client.
$(BUILD)/tests/qmp_check: $(BUILD)/obj/bin/ktstr-probe/qmp.o
# probe_format_check drives ktstr-probe's hand-written sample records.
$(BUILD)/tests/probe_format_check: $(addprefix $(BUILD)/obj/bin/ktstr-probe/,samplefmt.o sampleparse.o samplerec.o jsonbuf.o counterset.o)
$(BUILD)/tests/probe_format_check: LIBS_COMMON := $(COMMON_LIB) $(LIBS_COMMON)
# mapval_check drives ktstr-probe's decoding of BPF map values (libbpf parses the BTF).
$(BUILD)/tests/mapval_check: $(BUILD)/obj/bin/ktstr-probe/mapval.o $(BUILD)/obj/bin/ktstr-probe/btfmember.o
$(BUILD)/tests/mapval_check: LIBS_COMMON += -lbpf -lelf -lz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- guest/scx-ktstr: the fixture sched_ext scheduler -------------------------------------------
# Built per kernel, against its BTF: vmlinux.h -> scx_ktstr.bpf.o (clang, BPF target) -> embedded
# by bpf_obj.S (.incbin) into a static loader, in $(BUILD)/scx-ktstr/<kernel id>/ and
# $(BUILD)/guest/kernels/<kernel id>/, where ktstr-topo plan takes a job's kernel's. KERNEL=ID
# picks the kernel; without it, the one 'ktstr kernel path' names ($KTSTR_KERNEL, else the newest
# cached), whose build is also $(BUILD)/guest/scx-ktstr. The phony target builds only when a
# kernel is cached and otherwise says so; `make kernel` and `make test` build it after the fetch.
# scx-ktstr-badverify embeds a variant (-DKTSTR_VERIFIER_FAIL) that the verifier rejects.
KERNEL ?=
SCX_KID ?=
SCX_KREC = $(shell bin/ktstr-kernel path --json $(KERNEL) 2>/dev/null)
SCX_DIR = $(BUILD)/scx-ktstr/$(SCX_KID)
SCX_KBIN = $(BUILD)/guest/kernels/$(SCX_KID)
SCX_BINS = $(SCX_KBIN)/scx-ktstr $(SCX_KBIN)/scx-ktstr-badverify
CLANG_BPF ?= clang-19
BPFTOOL ?= bpftool
BPF_CFLAGS = -g -O2 -target bpf -D__TARGET_ARCH_x86 -fms-extensions -Wno-microsoft-anon-tag \
	-Wall -Werror -I$(SCX_DIR) -Iguest/scx-ktstr
BPF_DEFS_scx_ktstr_badverify = -DKTSTR_VERIFIER_FAIL
LIBS_scx-ktstr = -lbpf -lelf -lz -lzstd -ljansson
SCX_LOADER_OBJS = $(call objs_of,guest/scx-ktstr) $(COMMON_LIB)

.PHONY: scx-ktstr scx-ktstr-kernel scx-ktstr-default FORCE
scx-ktstr:
	@rec='$(SCX_KREC)'; btf=$$(printf '%s' "$$rec" | jq -r '.btf // empty'); \
	id=$$(printf '%s' "$$rec" | jq -r '.id // empty'); \
	if [ -z "$$btf" ] && [ -n '$(KERNEL)' ]; then \
		echo "make: scx-ktstr: no cached kernel '$(KERNEL)' with BTF (see 'ktstr kernel list')" >&2; exit 2; \
	elif [ -z "$$btf" ]; then \
		echo "make: skipping scx-ktstr: no kernel cached for its vmlinux.h (run 'make kernel')" >&2; \
	elif [ -z "$$id" ]; then \
		echo "make: scx-ktstr: the kernel is no cache entry (see 'ktstr kernel list')" >&2; exit 2; \
	else $(MAKE) --no-print-directory SCX_BTF_FILE="$$btf" SCX_KID="$$id" \
		scx-ktstr-kernel $(if $(KERNEL),,scx-ktstr-default $(REPRO_BIN)); fi

scx-ktstr-kernel: $(SCX_BINS)

# The default kernel's build under the names the tests and `make install` know.
scx-ktstr-default: $(SCX_BINS)
	@for b in $(SCX_BINS); do cmp -s $$b $(BUILD)/guest/$${b##*/} || cp $$b $(BUILD)/guest/; done

# Remember which BTF vmlinux.h came from, so a kernel rebuilt under its id regenerates it.
$(SCX_DIR)/btf.path: FORCE
	@mkdir -p $(dir $@)
	@echo '$(SCX_BTF_FILE)' | cmp -s - $@ || echo '$(SCX_BTF_FILE)' > $@

$(SCX_DIR)/vmlinux.h: $(SCX_DIR)/btf.path $(SCX_BTF_FILE)
	$(BPFTOOL) btf dump file $(SCX_BTF_FILE) format c > $@.tmp && mv $@.tmp $@

# `bpftool gen object` drops the DWARF (keeps BTF): a smaller embedded object.
$(SCX_DIR)/%.bpf.o: guest/scx-ktstr/scx_ktstr.bpf.c guest/scx-ktstr/scx_ktstr.h guest/scx-ktstr/share_faults.bpf.h guest/scx-ktstr/loud_faults.bpf.h guest/scx-ktstr/compat.bpf.h $(SCX_DIR)/vmlinux.h
	$(CLANG_BPF) $(BPF_CFLAGS) $(BPF_DEFS_$*) -c -o $@.tmp.o $<
	$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

$(SCX_DIR)/%.embed.o: guest/scx-ktstr/bpf_obj.S $(SCX_DIR)/%.bpf.o
	$(CC) -c -DKTSTR_BPF_OBJ='"$(SCX_DIR)/$*.bpf.o"' -o $@ $<

$(SCX_KBIN)/scx-ktstr: $(SCX_DIR)/scx_ktstr.embed.o $(SCX_LOADER_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -static -o $@ $^ $(LIBS_scx-ktstr)

$(SCX_KBIN)/scx-ktstr-badverify: $(SCX_DIR)/scx_ktstr_badverify.embed.o $(SCX_LOADER_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -static -o $@ $^ $(LIBS_scx-ktstr)

# ---- guest/ktstr-repro: the BPF tracer of `ktstr run --repro` reruns -------------------------
# Built like scx-ktstr, from the same vmlinux.h (CO-RE: it loads on other kernels too);
# -mcpu=v3 for the atomic fetch-and-add and exchange on its ring's counter and freeze flag.
REPRO_DIR := $(BUILD)/ktstr-repro
REPRO_BIN := $(BUILD)/guest/ktstr-repro
REPRO_OBJS = $(call objs_of,guest/ktstr-repro) $(BUILD)/obj/guest/scx-ktstr/elfutils_compat.o \
	$(BUILD)/obj/bin/ktstr-probe/btfmember.o $(COMMON_LIB)
$(call objs_of,guest/ktstr-repro): KTSTR_CFLAGS += -Ibin/ktstr-probe

$(REPRO_DIR)/repro.bpf.o: guest/ktstr-repro/repro.bpf.c guest/ktstr-repro/repro.h $(SCX_DIR)/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG_BPF) $(BPF_CFLAGS) -mcpu=v3 -c -o $@.tmp.o $<
	$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

$(REPRO_DIR)/repro.embed.o: guest/ktstr-repro/bpf_obj.S $(REPRO_DIR)/repro.bpf.o
	$(CC) -c -DKTSTR_BPF_OBJ='"$(REPRO_DIR)/repro.bpf.o"' -o $@ $<

$(REPRO_BIN): $(REPRO_DIR)/repro.embed.o $(REPRO_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -static -o $@ $^ $(LIBS_scx-ktstr)

deps:
	@sh share/ktstr/deps.sh

kernel: all
	bin/ktstr kernel fetch
	@$(MAKE) --no-print-directory scx-ktstr

# Unit tests need no VM; vm tests boot the cached kernel (fetched if absent).
test: all
	bin/ktstr kernel fetch >/dev/null
	@$(MAKE) --no-print-directory scx-ktstr
	tests/run tests/unit tests/vm

unit-test: all
	tests/run tests/unit

vm-test: all
	tests/run tests/vm

# The main job: the fixture sched_ext scheduler under a steady load in a VM.
run: all
	bin/ktstr kernel fetch >/dev/null
	@$(MAKE) --no-print-directory scx-ktstr
	bin/ktstr run steady --scheduler scx-ktstr --topo 1n2l2c1t

bench: all
	tests/bench

# Long: every kernel-tree example scheduler and scx-ktstr over the canned scenarios on every
# preset that fits (tests/sweep); not part of `make test`.
sweep: all
	bin/ktstr kernel fetch >/dev/null
	@$(MAKE) --no-print-directory scx-ktstr
	tests/sweep

# Long: every catalog entry under EEVDF and scx-ktstr on the smallest preset that holds it
# (tests/catalog); not part of `make test`, which runs a fixed sample (tests/vm/catalog.bats).
catalog: all
	bin/ktstr kernel fetch >/dev/null
	@$(MAKE) --no-print-directory scx-ktstr
	tests/catalog

# Long: SIGKILL and SIGTERM to each stage of `ktstr run` and of a gauntlet at random moments,
# KILLS per stage, signal and mode (tests/killtest; SEED repeats a run's moments); not part of
# `make test`, which runs a fixed sample (tests/vm/kill.bats).
KILLS ?= 10
SEED ?=
killtest: all
	bin/ktstr kernel fetch >/dev/null
	@$(MAKE) --no-print-directory scx-ktstr
	KILLS='$(KILLS)' SEED='$(SEED)' tests/killtest

# Long: a kernel built from Debian's linux-source-$(KERNELS_SERIES) by 'ktstr kernel build --debian'
# (17 CPU-minutes; at nice 19 on 2 cores busy with VMs 20 to 60 minutes; then cached), scx-ktstr
# built against its BTF, and tests/kernels on it: the 14 canned scenarios under scx-ktstr, its
# stall and error faults, and one job on it and on the fetched kernel, compared. Not part of
# `make test`.
KERNELS_SERIES ?= 6.12
kernels-test: all
	@other=$$(bin/ktstr kernel fetch) && \
	$(MAKE) --no-print-directory scx-ktstr KERNEL="$$other" && \
	id=$$($$(command -v ionice > /dev/null && echo ionice -c3) nice -n 19 \
		bin/ktstr kernel build --debian $(KERNELS_SERIES) --jobs $$(nproc)) && \
	$(MAKE) --no-print-directory scx-ktstr KERNEL="$$id" && \
	KTSTR_KERNEL="$$id" KTSTR_OTHER_KERNEL="$$other" tests/run tests/kernels

# Unit tests against tools built with ASan+UBSan in build-san/ (by the clang 'make deps' installs).
SAN_CC ?= clang-19
sanitize:
	$(MAKE) BUILD=build-san CC=$(SAN_CC) \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" GUEST_STATIC= \
		$(addprefix build-san/bin/,$(TOOLS)) $(addprefix build-san/guest/,$(GUEST)) $(patsubst $(BUILD)/%,build-san/%,$(TEST_DRIVERS))
	KTSTR_BUILD_DIR=$(CURDIR)/build-san ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1 tests/run tests/unit

# ---- fuzz: libFuzzer targets (tests/fuzz/, one per input format) ------------------------------
# Built by clang with ASan+UBSan into build/fuzz/; each runs FUZZ_S seconds from seeds made of the
# fixtures (tests/fuzz/run), and any crash, leak or sanitizer report fails the target.
FUZZ_S ?= 60
FUZZ_CC ?= clang-19
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TARGETS := $(filter-out harness sidecar_driver,$(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c)))
# A tool's objects but its main(), for the targets that drive that tool's code.
tool_objs = $(filter-out %/main.o,$(call objs_of,bin/$(1)))
FUZZ_OBJS_job_parse = $(BUILD)/obj/bin/ktstr-boot/job.o $(BUILD)/obj/bin/ktstr-eval/checks.o
FUZZ_OBJS_eval_stream = $(call tool_objs,ktstr-eval)
FUZZ_OBJS_sidecar_runs = $(call tool_objs,ktstr-sidecar) $(BUILD)/obj/tests/fuzz/sidecar_driver.o
FUZZ_OBJS_sidecar_stream = $(FUZZ_OBJS_sidecar_runs)
FUZZ_OBJS_dump_parse = $(addprefix $(BUILD)/obj/guest/ktstr-init/,dumpparse.o events.o)
FUZZ_LIBS = -lm -lpthread
$(BUILD)/obj/tests/fuzz/%.o: KTSTR_CFLAGS += -Itests/fuzz
# The harness's own bookkeeping is no code under test: no coverage, no checks.
$(BUILD)/obj/tests/fuzz/harness.o: override CFLAGS += -fno-sanitize=fuzzer-no-link,address,undefined
$(BUILD)/obj/tests/fuzz/job_parse.o: KTSTR_CFLAGS += -Ibin/ktstr-boot -Ibin/ktstr-eval
$(BUILD)/obj/tests/fuzz/eval_stream.o: KTSTR_CFLAGS += -Ibin/ktstr-eval
$(BUILD)/obj/tests/fuzz/dump_parse.o: KTSTR_CFLAGS += -Iguest/ktstr-init
$(addprefix $(BUILD)/obj/tests/fuzz/,sidecar_runs.o sidecar_stream.o sidecar_driver.o): KTSTR_CFLAGS += -Ibin/ktstr-sidecar

fuzz: all
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=$(FUZZ_CC) \
		CFLAGS="-O1 -g -gdwarf-4 -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
		LDFLAGS="-fsanitize=fuzzer $(FUZZ_SAN)" fuzz-targets
	tests/fuzz/run $(FUZZ_S) $(FUZZ_TARGETS)

fuzz-targets: $(addprefix $(BUILD)/targets/,$(FUZZ_TARGETS))

$(BUILD)/targets/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/harness.o $$(FUZZ_OBJS_$$*) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_COMMON) $(FUZZ_LIBS)

man: all
	@if command -v help2man > /dev/null; then $(MAKE) --no-print-directory $(MAN_PAGES); \
	else echo "make: skipping man pages: no help2man (make deps installs it)" >&2; fi

$(BUILD)/man/%.1: $(TOOL_BINS) $(SCRIPTS)
	@mkdir -p $(dir $@)
	PATH="$(abspath $(BUILD))/bin:$$PATH" help2man --no-info --version-string=$(VERSION) \
		-n "$(MAN_DESC_$*)" -o $@ $$(if [ -x $(BUILD)/bin/$* ]; then echo $(BUILD)/bin/$*; else echo bin/$*; fi)

install: all man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/ktstr $(DESTDIR)$(PREFIX)/share/ktstr
	install -m 755 $(TOOL_BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 755 $(SCRIPTS) $(DESTDIR)$(PREFIX)/bin/
	cp -R $(BUILD)/guest/. $(DESTDIR)$(PREFIX)/libexec/ktstr/ 2>/dev/null || true
	cp -R share/ktstr/. $(DESTDIR)$(PREFIX)/share/ktstr/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 share/ktstr/completion/ktstr.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ktstr
	@if [ -f $(BUILD)/man/ktstr.1 ]; then install -d $(DESTDIR)$(PREFIX)/share/man/man1 && \
		install -m 644 $(MAN_PAGES) $(DESTDIR)$(PREFIX)/share/man/man1/; fi

# What install put there, by name (PREFIX's folders themselves stay).
uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(TOOLS) $(notdir $(SCRIPTS)))
	rm -rf $(DESTDIR)$(PREFIX)/libexec/ktstr $(DESTDIR)$(PREFIX)/share/ktstr
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ktstr
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man1/,$(addsuffix .1,$(MAN_CMDS)))

clean:
	rm -rf build build-san
