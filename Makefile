# hostmix — one Makefile for the program, its tests, the sanitizer build
# and the fuzz targets.  Sources are found by wildcard: a new file under
# src/<concern>/, tests/unit/ or fuzz/ is built without editing this file.
#
#   make            build ./hostmix
#   make test       build, then run every unit and integration test
#   make asan       the same tests against an ASan+UBSan build
#   make fuzz       build the libFuzzer targets into build-fuzz/
#   make man        build the manual pages into build/man/ and check them
#   make install    install (PREFIX, DESTDIR, BINDIR, DATADIR, MANDIR,
#                   BASHCOMPDIR as GNU make conventions); make uninstall
#
# -std=c11 with _GNU_SOURCE: the code is ISO C11; the define exposes the
# Linux interfaces it needs (epoll, signalfd, accept4, pipe2, memmem).

PKGS     := sqlite3 libpq libnfs libtirpc libmnl libcrypto libvirt
BUILD    ?= build
CC       ?= cc
OPT      ?= -O2
VERSION  := 0.1.0

# Install missing libraries before anything asks pkg-config for flags.
ifeq ($(filter clean help uninstall,$(MAKECMDGOALS)),)
ifneq ($(shell pkg-config --exists $(PKGS) 2>/dev/null && echo ok),ok)
$(info hostmix: build libraries missing; running scripts/deps.sh build)
DEPS_OUT := $(shell scripts/deps.sh build >&2; echo $$?)
endif
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libvirt: headers only; the platform loads libvirt.so.0 at run time
# (src/platform/libvirt/lvapi.h), so guests' initramfs stays without it.
PKG_LIBS   := $(shell pkg-config --libs $(filter-out libvirt,$(PKGS)) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CFLAGS   ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DHOSTMIX_VERSION='"$(VERSION)"' \
             $(WARN) -Isrc $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
LDLIBS   := $(PKG_LIBS) -lpthread -lm

SRC      := $(sort $(wildcard src/*/*.c src/*/*/*.c))
OBJ      := $(SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o
TEST_SRC := $(sort $(wildcard tests/unit/*.c))
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
FUZZ_SRC := $(sort $(wildcard fuzz/*.c))

.PHONY: all test asan fuzz clean unit docs-check man install uninstall
all: hostmix

hostmix: $(BUILD)/hostmix
	@if [ "$(BUILD)" = build ]; then ln -sf $(BUILD)/hostmix hostmix; fi

$(BUILD)/hostmix: $(MAIN_OBJ) $(BUILD)/libhostmix.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(EXTRA_LDFLAGS)

$(BUILD)/libhostmix.a: $(OBJ)
	@rm -f $@
	ar rcs $@ $^

# The protocol codecs and the core alone: the codec fuzz targets link only
# this, which proves the codecs do not depend on the server core.
PROTO_OBJ := $(filter $(BUILD)/src/proto/% $(BUILD)/src/core/%,$(OBJ))
$(BUILD)/libproto.a: $(PROTO_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/unit-tests: $(TEST_OBJ) $(BUILD)/libhostmix.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(EXTRA_LDFLAGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

unit: $(BUILD)/unit-tests

# The VM boot check (tests/integ/68_vm_boot.sh runs it).
$(BUILD)/vm-boot-test: $(BUILD)/tests/vm/vm_boot.o $(BUILD)/libhostmix.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(EXTRA_LDFLAGS)

# Every test: unit tests, then the integration scripts in tests/integ/.
test: hostmix $(BUILD)/unit-tests $(BUILD)/vm-boot-test
	@scripts/deps.sh test
	HOSTMIX=$(CURDIR)/$(BUILD)/hostmix UNIT=$(CURDIR)/$(BUILD)/unit-tests tests/run.sh

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=undefined
asan:
	$(MAKE) BUILD=build-asan CFLAGS="$(ASAN_FLAGS)" \
	    EXTRA_LDFLAGS="-fsanitize=address,undefined" test

# Fuzz targets: each fuzz/fuzz_X.c defines LLVMFuzzerTestOneInput and links
# against the library built by clang with coverage instrumentation.
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined
FUZZ_PROTO := fuzz_http fuzz_http_resp fuzz_pgwire
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS="$(FUZZ_FLAGS)" build-fuzz/libhostmix.a \
	    build-fuzz/libproto.a
	@for f in $(FUZZ_SRC); do \
	    n=$$(basename $$f .c); lib=build-fuzz/libhostmix.a; \
	    case " $(FUZZ_PROTO) " in *" $$n "*) lib=build-fuzz/libproto.a ;; esac; \
	    echo "clang $$f -> build-fuzz/$$n ($$lib)"; \
	    clang -std=c11 -D_GNU_SOURCE $(WARN) -Isrc $(PKG_CFLAGS) -g -O1 \
	        -fsanitize=fuzzer,address,undefined -o build-fuzz/$$n $$f \
	        $$lib $(LDLIBS) || exit 1; \
	done

# Manual pages: hostmix(1) is written by hand (tests/integ/85_install.sh
# checks it names every command and option); hostmix-job(5)'s OPTIONS come
# from the built binary's option table.  groff -ww turns every warning
# into output, and any output fails the check.
MAN_DATE := $(shell date -u -d @$${SOURCE_DATE_EPOCH:-$$(date +%s)} +%Y-%m-%d)
MAN_SUBST = sed -e 's/@VERSION@/$(VERSION)/g' -e 's/@DATE@/$(MAN_DATE)/g'
MANS     := $(BUILD)/man/hostmix.1 $(BUILD)/man/hostmix-job.5
man: $(MANS)
	@for m in $(MANS); do \
	    w=$$(LC_ALL=C.UTF-8 MANWIDTH=80 groff -k -ww -man -Tutf8 -z $$m 2>&1); \
	    if [ -n "$$w" ]; then echo "$$m:"; echo "$$w"; exit 1; fi; \
	done; echo "man pages: $(MANS) (no groff warnings)"

$(BUILD)/man/hostmix.1: man/hostmix.1.in Makefile
	@mkdir -p $(dir $@)
	$(MAN_SUBST) $< >$@.tmp && mv $@.tmp $@

$(BUILD)/man/hostmix-job.5: man/hostmix-job.5.in $(BUILD)/hostmix Makefile
	@mkdir -p $(dir $@)
	$(BUILD)/hostmix help job --format man >$@.opts
	$(MAN_SUBST) -e '/^@OPTIONS@$$/{r $@.opts' -e 'd;}' $< >$@.tmp
	rm -f $@.opts && mv $@.tmp $@

# Installation, by the GNU conventions: DESTDIR stages, PREFIX places.
# hostmix finds its data as BINDIR/../share/hostmix (src/core/paths.c),
# so BINDIR and DATADIR must keep that relation.  The completion goes
# where bash-completion looks for it under PREFIX (its pkg-config
# variable, with its datadir replaced by DATADIR; bash-completion also
# searches /usr/local/share through XDG_DATA_DIRS), else the same path.
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
DATADIR     ?= $(PREFIX)/share
MANDIR      ?= $(DATADIR)/man
BASHCOMPDIR ?= $(or $(shell pkg-config --define-variable=datadir=$(DATADIR) \
                   --variable=completionsdir bash-completion 2>/dev/null), \
                   $(DATADIR)/bash-completion/completions)
INSTALL     ?= install
PKGDATA     := $(DESTDIR)$(DATADIR)/hostmix

install: $(BUILD)/hostmix man
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(PKGDATA)/examples $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 0755 $(BUILD)/hostmix $(DESTDIR)$(BINDIR)/hostmix
	$(INSTALL) -m 0644 examples/*.ini $(PKGDATA)/examples/
	$(INSTALL) -m 0644 $(BUILD)/man/hostmix.1 $(DESTDIR)$(MANDIR)/man1/hostmix.1
	$(INSTALL) -m 0644 $(BUILD)/man/hostmix-job.5 $(DESTDIR)$(MANDIR)/man5/hostmix-job.5
	$(INSTALL) -m 0644 completion/hostmix $(DESTDIR)$(BASHCOMPDIR)/hostmix

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/hostmix $(DESTDIR)$(MANDIR)/man1/hostmix.1 \
	    $(DESTDIR)$(MANDIR)/man5/hostmix-job.5 $(DESTDIR)$(BASHCOMPDIR)/hostmix
	rm -f $(addprefix $(PKGDATA)/examples/,$(notdir $(wildcard examples/*.ini)))
	-rmdir $(PKGDATA)/examples $(PKGDATA) 2>/dev/null

clean:
	rm -rf build build-asan build-fuzz hostmix

-include $(OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILD)/tests/vm/vm_boot.d
