# stagegraph: plain GNU make. `make run` and `make check` set up what they need.

VERSION_MAJOR := $(shell sed -n 's/^\#define STAGEGRAPH_VERSION_MAJOR \([0-9]*\)/\1/p' include/stagegraph.h)
VERSION_MINOR := $(shell sed -n 's/^\#define STAGEGRAPH_VERSION_MINOR \([0-9]*\)/\1/p' include/stagegraph.h)
VERSION_PATCH := $(shell sed -n 's/^\#define STAGEGRAPH_VERSION_PATCH \([0-9]*\)/\1/p' include/stagegraph.h)
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)
# ABI is stable within a minor release while 0.x: SONAME carries MAJOR.MINOR.
SOVERSION := $(VERSION_MAJOR).$(VERSION_MINOR)

PREFIX ?= /usr/local
LIBDIRNAME ?= lib
LIBDIR ?= $(PREFIX)/$(LIBDIRNAME)
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

CC ?= cc
AR ?= ar
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
override CFLAGS += -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -Iinclude -Ilib
LDFLAGS ?=

BUILD ?= build
SANITIZE ?=
ifneq ($(SANITIZE),)
override CFLAGS += -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=address,undefined
endif

Q := @
ifeq ($(V),1)
Q :=
endif

LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_HDR := $(wildcard lib/*.h) include/stagegraph.h
STATIC_OBJ := $(LIB_SRC:lib/%.c=$(BUILD)/obj/static/%.o)
SHARED_OBJ := $(LIB_SRC:lib/%.c=$(BUILD)/obj/shared/%.o)

STATIC_LIB := $(BUILD)/lib/libstagegraph.a
SONAME := libstagegraph.so.$(SOVERSION)
SHARED_REAL := $(BUILD)/lib/libstagegraph.so.$(VERSION)
SHARED_LIB := $(BUILD)/lib/libstagegraph.so

CLI_SRC := $(sort $(wildcard examples/*.c))
CLI := $(BUILD)/bin/stagegraph

TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_SUPPORT_SRC := $(sort $(wildcard tests/support/*.c))
TEST_SUPPORT_OBJ := $(TEST_SUPPORT_SRC:tests/support/%.c=$(BUILD)/obj/tests/%.o)
CMOCKA_CFLAGS = $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

CORPUS ?= ../shared/corpus
EXPANSION_VECTORS ?= ../shared/conformance/expansion
PYTHON ?= python3

.PHONY: all lib cli deps run check test unit conformance cli-test headertest check-exports \
        install-test python-test asan valgrind install uninstall clean bench bench-compare bench-count fuzz fuzz-replay

all: lib cli pkgconfig/stagegraph.pc

lib: $(STATIC_LIB) $(SHARED_LIB)
cli: $(CLI)

deps:
	$(Q)sh .ci/deps

$(BUILD)/obj/static/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/shared/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(STATIC_LIB): $(STATIC_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(SHARED_REAL): $(SHARED_OBJ) lib/stagegraph.map
	@mkdir -p $(@D)
	$(Q)$(CC) -shared -o $@ $(SHARED_OBJ) -Wl,-soname,$(SONAME) \
	  -Wl,--version-script=lib/stagegraph.map -Wl,--no-undefined $(LDFLAGS)

$(SHARED_LIB): $(SHARED_REAL)
	$(Q)ln -sf libstagegraph.so.$(VERSION) $(BUILD)/lib/$(SONAME)
	$(Q)ln -sf $(SONAME) $@

# The examples see only the public header: no -Ilib.
$(CLI): $(CLI_SRC) examples/cli.h include/stagegraph.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -Ilib,$(CFLAGS)) -o $@ $(CLI_SRC) $(STATIC_LIB) $(LDFLAGS)

pkgconfig/stagegraph.pc: pkgconfig/stagegraph.pc.in include/stagegraph.h
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	  -e 's|@LIBDIRNAME@|$(LIBDIRNAME)|' $< > $@

# ---- tests ---------------------------------------------------------------

$(BUILD)/obj/tests/%.o: tests/support/%.c $(wildcard tests/support/*.h) include/stagegraph.h
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/support -c $< -o $@

$(BUILD)/tests/test_%: tests/test_%.c $(STATIC_LIB) $(TEST_SUPPORT_OBJ) $(wildcard tests/support/*.h)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) -Itests/support -o $@ $< $(TEST_SUPPORT_OBJ) \
	  $(STATIC_LIB) $(CMOCKA_LIBS) $(LDFLAGS)
$(BUILD)/tests/test_threads: LDFLAGS += -pthread

$(BUILD)/tests/conformance: tests/conformance.c $(STATIC_LIB) $(TEST_SUPPORT_OBJ)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/support -o $@ $< $(TEST_SUPPORT_OBJ) $(STATIC_LIB) $(LDFLAGS)

unit: $(TEST_BIN)
	$(Q)set -e; for t in $(TEST_BIN); do \
	  STAGEGRAPH_EXPANSION_VECTORS=$(EXPANSION_VECTORS) STAGEGRAPH_CORPUS=$(CORPUS) $$t; done

conformance: $(BUILD)/tests/conformance
	$(Q)if [ -d "$(CORPUS)" ]; then $(BUILD)/tests/conformance $(CORPUS); \
	  else echo "conformance: $(CORPUS) not found, skipped"; fi

headertest:
	@mkdir -p $(BUILD)/tests
	$(Q)$(CC) -std=c11 -Wall -Wextra -pedantic -Werror -Iinclude -c tests/headertest.c -o $(BUILD)/tests/headertest_c.o
	$(Q)c++ -std=c++11 -Wall -Wextra -pedantic -Werror -Iinclude -c tests/headertest.cpp -o $(BUILD)/tests/headertest_cpp.o
	@echo "headertest: include/stagegraph.h compiles as C11 and C++11"

check-exports: $(SHARED_LIB)
	$(Q)sh tests/check-exports.sh $(SHARED_LIB) include/stagegraph.h

cli-test: $(CLI)
	$(Q)sh tests/cli/run.sh $(CLI)

# Installs into a temporary DESTDIR, builds against it with pkg-config, uninstalls.
install-test: all
	$(Q)MAKE="$(MAKE)" CC="$(CC)" sh tests/install-test.sh

python-test: $(SHARED_LIB)
	$(Q)if [ -d bindings/python/tests ]; then \
	  STAGEGRAPH_LIBRARY=$(CURDIR)/$(BUILD)/lib/$(SONAME) STAGEGRAPH_CLI=$(CURDIR)/$(CLI) \
	  STAGEGRAPH_CORPUS=$(abspath $(CORPUS)) PYTHONPATH=bindings/python \
	  $(PYTHON) -m unittest discover -s bindings/python/tests -t bindings/python; \
	else echo "python-test: no binding yet"; fi

test: all unit conformance headertest check-exports cli-test install-test python-test

check: deps
	$(Q)$(MAKE) --no-print-directory test

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)echo '$$ stagegraph plan examples/Dockerfile' && $(CLI) plan examples/Dockerfile
	$(Q)echo && echo '$$ stagegraph cache examples/Dockerfile --changed src/server.ts' && \
	  $(CLI) cache examples/Dockerfile --changed src/server.ts
	$(Q)echo && echo '$$ stagegraph lint examples/Dockerfile' && $(CLI) lint examples/Dockerfile || true

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 CC=clang unit conformance cli-test

# ThreadSanitizer: the library and tests/test_threads built with clang into
# build/tsan; any data race fails the run.
.PHONY: tsan
tsan:
	$(Q)$(MAKE) --no-print-directory BUILD=build/tsan SANITIZE= CC=clang \
	  CFLAGS="-O1 -g -fsanitize=thread -fno-omit-frame-pointer" LDFLAGS="-fsanitize=thread -pthread" \
	  build/tsan/tests/test_threads
	$(Q)TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 $(TSAN_OPTIONS)" build/tsan/tests/test_threads

# Valgrind runs code 20-50 times slower: tests that bound their own running
# time skip those bounds when STAGEGRAPH_NO_TIME_LIMITS is set.
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
valgrind: $(TEST_BIN) $(BUILD)/tests/conformance
	$(Q)set -e; for t in $(TEST_BIN); do \
	  STAGEGRAPH_EXPANSION_VECTORS=$(EXPANSION_VECTORS) STAGEGRAPH_CORPUS=$(CORPUS) \
	  STAGEGRAPH_NO_TIME_LIMITS=1 $(VALGRIND) $$t; done
	$(Q)$(VALGRIND) $(BUILD)/tests/conformance $(CORPUS)

# Benchmarks report figures and never fail on them; not part of `check`.
# BENCH_QUICK=1 runs a reduced set.
BENCH := $(BUILD)/bench/bench
$(BENCH): tests/bench/bench.c include/stagegraph.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -g $(WARN) -Iinclude -o $@ \
	  tests/bench/bench.c $(STATIC_LIB) $(LDFLAGS)

bench: $(BENCH) $(CLI)
	$(Q)$(BENCH) --corpus $(CORPUS) --cli $(CLI)

bench-compare: $(BENCH)
	$(Q)sh tests/bench/compare.sh $(BENCH) $(CORPUS)

# The scaling families' instructions per unit under callgrind: counts, not
# times, so the same on every run; exits 1 if a phase's count per unit at
# the largest size is over 1.20 times its cheapest (tests/bench/count.sh).
bench-count: $(BENCH)
	$(Q)sh tests/bench/count.sh $(BENCH) $(COUNT_FAMILIES)

# Pathological inputs generated in code, each case in a child process with
# a time bound (tests/pathological/run.c); fails on a crash or a case over
# its bound. PATHOLOGICAL_FLAGS: e.g. `--bound 20` or `--scale 0.1 chain`.
PATHOLOGICAL := $(BUILD)/pathological/run
$(PATHOLOGICAL): tests/pathological/run.c include/stagegraph.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -g $(WARN) -Iinclude -Ilib -o $@ \
	  tests/pathological/run.c $(STATIC_LIB) $(LDFLAGS)

.PHONY: pathological
pathological: $(PATHOLOGICAL)
	$(Q)$(PATHOLOGICAL) $(PATHOLOGICAL_FLAGS)

# ---- install ---------------------------------------------------------------

install: all
	install -d "$(DESTDIR)$(LIBDIR)" "$(DESTDIR)$(INCLUDEDIR)" "$(DESTDIR)$(PKGCONFIGDIR)" "$(DESTDIR)$(BINDIR)"
	install -m644 include/stagegraph.h "$(DESTDIR)$(INCLUDEDIR)/stagegraph.h"
	install -m644 $(STATIC_LIB) "$(DESTDIR)$(LIBDIR)/libstagegraph.a"
	install -m755 $(SHARED_REAL) "$(DESTDIR)$(LIBDIR)/libstagegraph.so.$(VERSION)"
	ln -sf libstagegraph.so.$(VERSION) "$(DESTDIR)$(LIBDIR)/$(SONAME)"
	ln -sf $(SONAME) "$(DESTDIR)$(LIBDIR)/libstagegraph.so"
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@LIBDIRNAME@|$(LIBDIRNAME)|' \
	  pkgconfig/stagegraph.pc.in > "$(DESTDIR)$(PKGCONFIGDIR)/stagegraph.pc"
	chmod 644 "$(DESTDIR)$(PKGCONFIGDIR)/stagegraph.pc"
	install -m755 $(CLI) "$(DESTDIR)$(BINDIR)/stagegraph"

uninstall:
	rm -f "$(DESTDIR)$(INCLUDEDIR)/stagegraph.h" "$(DESTDIR)$(LIBDIR)/libstagegraph.a" \
	  "$(DESTDIR)$(LIBDIR)/libstagegraph.so.$(VERSION)" "$(DESTDIR)$(LIBDIR)/$(SONAME)" \
	  "$(DESTDIR)$(LIBDIR)/libstagegraph.so" "$(DESTDIR)$(PKGCONFIGDIR)/stagegraph.pc" \
	  "$(DESTDIR)$(BINDIR)/stagegraph"

clean:
	rm -rf build pkgconfig/stagegraph.pc

# ---- fuzzing (tests/fuzz; see tests/fuzz/README.md) -------------------------
# `make fuzz`: every target built with clang's libFuzzer, ASan and UBSan, and
# run FUZZ_SECONDS seconds on its seeds (plus $(CORPUS)/files for the targets
# reading Dockerfiles), with tests/fuzz/dockerfile.dict.
# `make fuzz-replay`: the same targets built with $(CC) and
# tests/fuzz/standalone.c (ASan and UBSan unless FUZZ_REPLAY_SANITIZE is
# empty), replaying the seeds, tests/fuzz/regressions and $(CORPUS)/files.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_REPLAY_SANITIZE ?= 1
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_TARGETS ?= parse expand reference ignore plan cache lint
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_LIB := $(FUZZ_BUILD)/libfuzzer/lib/libstagegraph.a
FUZZ_REPLAY_LIB := $(FUZZ_BUILD)/replay/lib/libstagegraph.a
FUZZ_REPLAY_FLAGS := $(if $(FUZZ_REPLAY_SANITIZE),$(FUZZ_SAN))
FUZZ_DEPS := tests/fuzz/fuzz_common.h include/stagegraph.h $(wildcard lib/*.h)

fuzz:
	$(Q)if ! command -v $(FUZZ_CC) >/dev/null 2>&1; then \
	  echo "fuzz: $(FUZZ_CC) not found, replaying the corpus instead (make fuzz-replay)"; \
	  exec $(MAKE) --no-print-directory fuzz-replay; fi; \
	$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD)/libfuzzer CC=$(FUZZ_CC) SANITIZE= \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" $(FUZZ_LIB) && \
	$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/bin/fuzz_%) && \
	sh tests/fuzz/run.sh fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS) $(CORPUS) $(FUZZ_TARGETS)

$(FUZZ_BUILD)/bin/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS) $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(CFLAGS) -O1 -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(FUZZ_LIB)

fuzz-replay:
	$(Q)$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD)/replay SANITIZE=$(FUZZ_REPLAY_SANITIZE) \
	  $(FUZZ_REPLAY_LIB)
	$(Q)$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/replay/bin/fuzz_%_replay)
	$(Q)sh tests/fuzz/run.sh replay $(FUZZ_BUILD) $(CORPUS) $(FUZZ_TARGETS)

$(FUZZ_BUILD)/replay/bin/fuzz_%_replay: tests/fuzz/fuzz_%.c tests/fuzz/standalone.c $(FUZZ_DEPS) \
    $(FUZZ_REPLAY_LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(FUZZ_REPLAY_FLAGS) -o $@ $< tests/fuzz/standalone.c $(FUZZ_REPLAY_LIB) \
	  $(LDFLAGS) $(FUZZ_REPLAY_FLAGS)
