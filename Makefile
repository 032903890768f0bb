# pcsv - one non-recursive Makefile. `make help` lists the targets.
# Honours CC, CFLAGS, LDFLAGS; V=1 shows the full commands.

CC      ?= cc
# x86-64-v3 (AVX2) when the CPU has it: fast, and still runs under valgrind
# (which rejects AVX-512); otherwise the build machine's own CPU.
ARCH    ?= $(shell grep -q avx2 /proc/cpuinfo 2>/dev/null && echo '-march=x86-64-v3 -mpclmul' || echo '-march=native')
OPT     ?= -O2
WARN    := -Wall -Wextra -Wshadow -Wmissing-prototypes
CFLAGS  ?=
LDFLAGS ?=
DEPS_PKGS := libzstd-dev libisal-dev zlib1g-dev libcsv-dev libcriterion-dev libxxhash-dev libpcre2-dev clang libclang-rt-dev libomp-dev zstd python3 clang-format python3-distributed
ALL_CFLAGS = -std=gnu11 $(OPT) -g $(ARCH) -ffp-contract=off $(WARN) -fopenmp -pthread -MMD -MP $(CFLAGS)
LIBS    := -lcsv -lpcre2-8 -lzstd -lisal -lm

LIB_SRC := $(wildcard io/*.c pipeline/*.c)
CMD_SRC := $(wildcard cmd/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)

B       ?= build
OBJ     := $(B)/obj
# make test compiles on every CPU (the sanitizer and fuzz builds are each a
# whole build of the sources); the tests themselves run one layer at a time
NPROC   := $(shell nproc 2>/dev/null || echo 2)

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all deps test check format-check test-unit test-cli test-diff test-ranges test-cluster test-asan test-tsan fuzz fuzz-build fuzz-smoke bench demo clean format help install uninstall

all: $(B)/pcsv

help:
	@echo "make            build $(B)/pcsv (release, for this machine's CPU)"
	@echo "make demo       install what is missing, build, aggregate a generated sample"
	@echo "make test       install what is missing, build, run every test (unit, CLI,"
	@echo "                ASan/UBSan build of both, TSan build of queue and pipeline)"
	@echo "make test-unit | test-cli | test-diff | test-cluster | test-asan | test-tsan | fuzz-smoke   one layer"
	@echo "make fuzz       run each libFuzzer harness FUZZ_SECONDS (default 300) seconds"
	@echo "make bench      timings, MB/s and peak RSS on a generated 2 GB file"
	@echo "make format     clang-format the sources (make format-check: only check)"
	@echo "make install PREFIX=/usr/local DESTDIR=   pcsv, pcsv-dask, man page, bash completion"
	@echo "make uninstall PREFIX=/usr/local DESTDIR="
	@echo "make clean"

# ---- dependencies: install missing Debian packages (needs root and apt) ----
$(B)/.deps:
	@mkdir -p $(B)
	@missing=""; for p in $(DEPS_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "pcsv: installing missing Debian packages:$$missing"; \
	    if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
	        echo "pcsv: cannot install them: run as root on Debian, or install by hand:"; \
	        echo "    apt-get install$$missing"; exit 1; \
	    fi; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) || \
	        { echo "pcsv: apt-get install$$missing failed"; exit 1; }; \
	fi; touch $@
deps: $(B)/.deps

# ---- the binary ----
$(OBJ)/%.o: %.c $(B)/.deps
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/pcsv: $(LIB_SRC:%.c=$(OBJ)/%.o) $(CMD_SRC:%.c=$(OBJ)/%.o)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LIBS)

# ---- tests ----
$(OBJ)/tests/%.o: ALL_CFLAGS += -Ipipeline -Iio -Werror
$(B)/test_unit: $(LIB_SRC:%.c=$(OBJ)/%.o) $(UNIT_SRC:%.c=$(OBJ)/%.o)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LIBS) -lcriterion

test-unit: $(B)/test_unit
	$(B)/test_unit --jobs 2

test-cli: $(B)/pcsv
	bash tests/cli/run.sh $(B)/pcsv

# The differential check: random small CSVs through every command and format,
# compared across --jobs, --chunk-size, input routes (file, stdin, pipe, zstd, gzip)
# and output routes (stdout, -o FILE, -o FILE.zst); see tests/diff/diff.py.
test-diff: $(B)/pcsv
	bash tests/diff/run.sh $(B)/pcsv

# Ranges cut at random bytes of adversarial files, merged in random orders and
# groupings, against the single run; see tests/ranges/run.py.
test-ranges: $(B)/pcsv
	python3 tests/ranges/run.py $(B)/pcsv

# cluster/pcsv-dask on 2-worker local Dask clusters against the single run.
test-cluster: $(B)/pcsv
	bash tests/cluster/run.sh $(B)/pcsv

# The sanitizer builds run every CLI case at a few variations (the normal
# build checks six for determinism, tests/cli/run.sh): ASan serial at chunk
# size 1 (every edge) and four jobs at pcsv's default (big buffers, threads);
# TSan, which is there for the threads, three jobs (more than this machine's
# two cores, so threads are preempted mid-chunk) at chunk size 64 (many
# chunks per input).
SAN_VARIES := --jobs 1 --chunk-size 1;--jobs 4
TSAN_VARIES := --jobs 3 --chunk-size 64

# ASan + UBSan: the whole suite (unit and CLI) on an instrumented build.
test-asan: $(B)/.deps
	$(MAKE) -j$(NPROC) --no-print-directory B=build/asan OPT=-O1 \
	    CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    LDFLAGS="-fsanitize=address,undefined" build/asan/pcsv build/asan/test_unit
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp ASAN_OPTIONS=detect_leaks=1 build/asan/test_unit --jobs 2
	ASAN_OPTIONS=detect_leaks=1 PCSV_TEST_VARIES="$(SAN_VARIES)" bash tests/cli/run.sh build/asan/pcsv

# TSan: GCC's libgomp is not instrumented, so this build uses clang and
# LLVM's libomp. Criterion itself cannot start under TSan (Criterion issue
# #274), so the queue stress test is built on its own with the small runner
# test_mpmc.c carries for that case; the worker team, the chunk chain and the
# queue in real use are exercised by the whole CLI suite on the TSan binary
# (each case at the TSAN_VARIES), but
# for the three that signal a running pcsv (NAME.signals; see run.sh: TSan
# defers signals that land on libomp's uninstrumented sleepers).
TSAN_ENV := TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ignore_noninstrumented_modules=1 suppressions=$(CURDIR)/tests/tsan.supp"
test-tsan: $(B)/.deps
	$(MAKE) -j$(NPROC) --no-print-directory B=build/tsan CC=clang OPT=-O1 \
	    CFLAGS="-fsanitize=thread -Wno-unused-command-line-argument" LDFLAGS="-fsanitize=thread" \
	    build/tsan/pcsv
	$(Q)clang -std=gnu11 -O1 -g -fsanitize=thread -pthread -Ipipeline tests/unit/test_mpmc.c \
	    pipeline/mpmc.c -o build/tsan/test_mpmc
	$(TSAN_ENV) STRESS_SCALE=1 build/tsan/test_mpmc
	$(TSAN_ENV) PCSV_TEST_SKIP_SIGNALS=1 PCSV_TEST_TIMEOUT_SCALE=3 PCSV_TEST_VARIES="$(TSAN_VARIES)" \
	    bash tests/cli/run.sh build/tsan/pcsv

# libFuzzer (clang, ASan + UBSan), its own build directory: the library
# sources again with coverage instrumentation, one binary per harness in
# tests/fuzz/fuzz_*.c. Small buffers (PIPE_STREAM_BUF, INSTREAM_RAWBUF,
# PAR_MAX_OUT) so that short inputs cross every buffer and region edge and
# take the zstd reader's streaming fallback. Each run reads the
# seed corpus tests/fuzz/corpus/NAME (never written) and keeps what it finds
# in build/fuzz/corpus/NAME; crashes go to build/fuzz/crashes/. One harness
# at a time.
FUZZ_B       := build/fuzz
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS  := -std=gnu11 -O1 -g -DWINDOW_LONG_ROW=256 $(ARCH) -Wall -Wextra -Werror -fopenmp=libomp -pthread -MMD -MP \
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
    -Wno-unused-command-line-argument -DPIPE_STREAM_BUF=128 -DINSTREAM_RAWBUF=1024 -DPAR_MAX_OUT=4096
# -max_len per harness
FUZZ_LEN_parse := 4096
FUZZ_LEN_where := 1024
FUZZ_LEN_zstd  := 16384
FUZZ_LEN_gzip  := 16384
# fuzz_gzip's reference decoder is zlib's
FUZZ_LIBS_gzip := -lz
FUZZ_OPTS    = -max_len=$(or $(FUZZ_LEN_$(1)),4096) -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 $(if $(wildcard tests/fuzz/$(1).dict),-dict=tests/fuzz/$(1).dict)

$(FUZZ_B)/obj/%.o: %.c $(B)/.deps
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $< (fuzz)")
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_B)/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRC:%.c=$(FUZZ_B)/obj/%.o)
	$(if $(Q),@echo "  LD      $@")
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer $(filter %.c %.o,$^) -o $@ $(LIBS) $(FUZZ_LIBS_$*)

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_B)/fuzz_%)
.SECONDARY: $(LIB_SRC:%.c=$(FUZZ_B)/obj/%.o)

# $(1): the harness, $(2): seconds. Prints libFuzzer's final stats; on a
# failure, the end of the log (the crash report and the input's file name).
define fuzz_run1
	@mkdir -p $(FUZZ_B)/corpus/$(1) $(FUZZ_B)/crashes
	@echo "== fuzz_$(1): $(2) s, log $(FUZZ_B)/fuzz_$(1).log"
	@$(FUZZ_B)/fuzz_$(1) -max_total_time=$(2) $(call FUZZ_OPTS,$(1)) \
	    -artifact_prefix=$(FUZZ_B)/crashes/$(1)- $(FUZZ_B)/corpus/$(1) tests/fuzz/corpus/$(1) \
	    > $(FUZZ_B)/fuzz_$(1).log 2>&1 || \
	    { tail -n 60 $(FUZZ_B)/fuzz_$(1).log; echo "fuzz_$(1) FAILED"; exit 1; }
	@grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|DONE' $(FUZZ_B)/fuzz_$(1).log
endef
define nl


endef
fuzz_run = $(foreach t,$(FUZZ_TARGETS),$(call fuzz_run1,$(t),$(1))$(nl))

fuzz: fuzz-build
	$(call fuzz_run,$(FUZZ_SECONDS))

fuzz-smoke: fuzz-build
	$(call fuzz_run,$(FUZZ_SMOKE_SECONDS))

test check: $(B)/.deps
	$(MAKE) -j$(NPROC) --no-print-directory $(B)/pcsv $(B)/test_unit
	$(MAKE) --no-print-directory format-check test-unit test-cli test-diff test-ranges test-cluster
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-tsan
	$(MAKE) -j$(NPROC) --no-print-directory fuzz-build
	$(MAKE) --no-print-directory fuzz-smoke

# ---- demo and bench ----
$(B)/gen: tests/bench/gen.c
	@mkdir -p $(B)
	$(Q)$(CC) -O2 -o $@ $<

demo: $(B)/pcsv $(B)/gen
	@mkdir -p $(B)/demo
	@test -s $(B)/demo/sales.csv || $(B)/gen 1000000 7 > $(B)/demo/sales.csv
	@echo "== $(B)/demo/sales.csv: $$(wc -c < $(B)/demo/sales.csv) bytes, 1,000,000 rows =="
	@echo "$$ pcsv aggregate $(B)/demo/sales.csv --by category --agg count,sum:price,mean:quantity,min:price,max:price"
	@$(B)/pcsv aggregate $(B)/demo/sales.csv --by category --agg count,sum:price,mean:quantity,min:price,max:price

bench: $(B)/pcsv
	bash tests/bench/bench.sh $(B)/pcsv
	bash tests/bench/memtest.sh $(B)/pcsv
	bash tests/bench/stats-compare.sh $(B)/pcsv
	bash tests/bench/zstd-compare.sh $(B)/pcsv
	bash tests/bench/gzip-compare.sh $(B)/pcsv
	RUNS=1 bash tests/bench/groups-growth.sh $(B)/pcsv
	bash tests/bench/spill-bench.sh $(B)/pcsv
	bash tests/bench/groups-compare.sh $(B)/pcsv
	QUERIES=Q7 bash tests/bench/groups-compare.sh $(B)/pcsv
	bash tests/bench/split-bench.sh $(B)/pcsv

# ---- housekeeping ----
# make install PREFIX=/usr/local DESTDIR=: the binary, the Dask adapter
# (when the tree has it), the man page and the bash completion. The man page
# is checked in (doc/pcsv.1, by hand): nothing is generated at install time.
PREFIX ?= /usr/local
BINDIR  = $(PREFIX)/bin
MANDIR  = $(PREFIX)/share/man/man1
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
install: $(B)/pcsv
	install -D -m 755 $(B)/pcsv $(DESTDIR)$(BINDIR)/pcsv
	$(if $(wildcard cluster/pcsv-dask),install -D -m 755 cluster/pcsv-dask $(DESTDIR)$(BINDIR)/pcsv-dask)
	install -D -m 644 doc/pcsv.1 $(DESTDIR)$(MANDIR)/pcsv.1
	install -D -m 644 completions/pcsv.bash $(DESTDIR)$(BASHCOMPDIR)/pcsv

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/pcsv $(DESTDIR)$(BINDIR)/pcsv-dask $(DESTDIR)$(MANDIR)/pcsv.1 \
	    $(DESTDIR)$(BASHCOMPDIR)/pcsv

FORMAT_SRC = $(LIB_SRC) $(CMD_SRC) $(wildcard io/*.h pipeline/*.h cmd/*.h) $(UNIT_SRC)
format:
	clang-format -i $(FORMAT_SRC)

# The tree is as `make format` leaves it (.clang-format): part of make test.
format-check: $(B)/.deps
	clang-format --dry-run --Werror $(FORMAT_SRC)

clean:
	rm -rf build

-include $(wildcard $(OBJ)/*/*.d $(OBJ)/*/*/*.d $(FUZZ_B)/obj/*/*.d $(FUZZ_B)/*.d)
