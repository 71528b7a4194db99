# tcplens: one hand-written GNU Makefile.
#   make            build build/tcplens (and build/libtcplens.a)
#   make demo       install deps, build, run the main job on its built-in default
#   make check      install deps, build, run every test; ends with "N passed, N failed"
#   make asan       build the sanitizer variant into build/asan/
#   make bench      speed and memory against tshark and tcpdump
#   make fuzz       run the libFuzzer harnesses (FUZZ_SECONDS per target)
#   make install    install binary, man page, bash and zsh completion (PREFIX, DESTDIR)
#   make uninstall  remove exactly the files that install put
#   make deb        build/deb/tcplens_VERSION_ARCH.deb with dpkg-deb

CC      ?= gcc
O       ?= build
OPT     ?= -O2
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
# libcurl: its header only; the library is loaded with dlopen when visit needs it (curl_api.c)
PKG_CFLAGS := $(shell pkg-config --cflags libpcap libcurl 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs libpcap 2>/dev/null || echo -lpcap)
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(PKG_CFLAGS) -Isrc $(CFLAGS) $(EXTRA_CFLAGS)
LDLIBS  := $(PKG_LIBS) -lpthread -lm
LDFLAGS += $(EXTRA_LDFLAGS)

CLI_SRCS := src/main.c $(wildcard src/cli_*.c)
LIB_SRCS := $(filter-out $(CLI_SRCS),$(wildcard src/*.c))
LIB_OBJS := $(LIB_SRCS:src/%.c=$(O)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:src/%.c=$(O)/obj/%.o)
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(UNIT_SRCS:tests/unit/%.c=$(O)/obj/unit/%.o)
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOLS    := $(TOOL_SRCS:tests/tools/%.c=$(O)/tools/%)
FUZZ_TARGETS := dissect pipeline app
FUZZ_REPLAY  := $(FUZZ_TARGETS:%=$(O)/fuzz/replay_%)
FUZZ_CFLAGS  := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: all deps demo check test unit asan bench fuzz fuzz-build clean install uninstall lint deb
all: $(O)/tcplens $(O)/unit $(TOOLS) $(O)/bench/gen $(FUZZ_REPLAY)

$(O)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(O)/obj/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP -c $< -o $@

$(O)/libtcplens.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(O)/tcplens: $(CLI_OBJS) $(O)/libtcplens.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(O)/libtcplens.a $(LDLIBS)

$(O)/unit: $(UNIT_OBJS) $(O)/libtcplens.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(O)/libtcplens.a $(LDLIBS)

$(O)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDLIBS)

# The benchmark's traffic generator (stand-alone: it does not link the library).
$(O)/bench/gen: bench/gen.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< -lm

# Fuzz targets: the replay binaries (regression pass of make check, no libFuzzer needed) and
# the libFuzzer binaries of make fuzz (clang only).
$(O)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(O)/libtcplens.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ tests/fuzz/fuzz_$*.c tests/fuzz/replay_main.c $(O)/libtcplens.a $(LDLIBS)

$(O)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(O)/libtcplens.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(O)/libtcplens.a $(LDLIBS)

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(UNIT_OBJS:.o=.d)

deps:
	@bash scripts/deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh

# The whole suite: unit, golden, tshark oracle, end-to-end, then again under ASan+UBSan.
check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory asan
	@bash tests/run.sh

test: all
	@bash tests/run.sh

unit: $(O)/unit
	@$(O)/unit

asan:
	@$(MAKE) --no-print-directory O=build/asan CC=clang OPT=-O1 \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" build/asan/tcplens build/asan/unit \
	  $(FUZZ_TARGETS:%=build/asan/fuzz/replay_%)

# Speed and memory against cat, tcpdump and tshark on generated and recorded captures
# (bench/run.sh explains BENCH_BIG, BENCH_N and the other knobs). No timing is asserted.
bench:
	@bash scripts/deps.sh bench
	@$(MAKE) --no-print-directory all
	@bash bench/run.sh

fuzz-build:
	@$(MAKE) --no-print-directory O=build/libfuzzer CC=clang OPT=-O1 EXTRA_CFLAGS="$(FUZZ_CFLAGS)" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" $(FUZZ_TARGETS:%=build/libfuzzer/fuzz/fuzz_%)

fuzz: deps fuzz-build
	@bash tests/fuzz/run.sh

clean:
	rm -rf $(O)

# ---- installing -------------------------------------------------------------------------
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
VERSION     := $(shell sed -n 's/^\#define TCPLENS_VERSION "\(.*\)"/\1/p' src/version.h)
INSTALLED   := $(DESTDIR)$(BINDIR)/tcplens $(DESTDIR)$(MANDIR)/man1/tcplens.1 \
               $(DESTDIR)$(BASHCOMPDIR)/tcplens $(DESTDIR)$(ZSHCOMPDIR)/_tcplens

install: $(O)/tcplens
	install -D -m 0755 $(O)/tcplens $(DESTDIR)$(BINDIR)/tcplens
	install -D -m 0644 man/tcplens.1 $(DESTDIR)$(MANDIR)/man1/tcplens.1
	install -D -m 0644 completions/tcplens.bash $(DESTDIR)$(BASHCOMPDIR)/tcplens
	install -D -m 0644 completions/_tcplens $(DESTDIR)$(ZSHCOMPDIR)/_tcplens

uninstall:
	rm -f $(INSTALLED)

# The Debian package: dpkg-deb over a staged tree; Depends from dpkg-shlibdeps when it is
# installed (dpkg-dev), otherwise the libraries the binary links, listed.
deb: $(O)/tcplens
	@bash scripts/mkdeb.sh $(O)/tcplens $(VERSION) $(O)/deb
