# hostmix — one Makefile for the program, its tests, the sanitizer build
# and the fuzz targets.  Sources are found by wildcard: a new file under
# src/<concern>/, tests/unit/ or fuzz/ is built without editing this file.
#
#   make            build ./hostmix
#   make test       build, then run every unit and integration test
#   make asan       the same tests against an ASan+UBSan build
#   make fuzz       build the libFuzzer targets into build-fuzz/
#
# -std=c11 with _GNU_SOURCE: the code is ISO C11; the define exposes the
# Linux interfaces it needs (epoll, signalfd, accept4, pipe2, memmem).

PKGS     := sqlite3 libpq libnfs libtirpc libmnl libcrypto libvirt
BUILD    ?= build
CC       ?= cc
OPT      ?= -O2
VERSION  := 0.1.0

# Install missing libraries before anything asks pkg-config for flags.
ifeq ($(filter clean help,$(MAKECMDGOALS)),)
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
             $(WARN) -Isrc $(PKG_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
LDLIBS   := $(PKG_LIBS) -lpthread -lm

SRC      := $(sort $(wildcard src/*/*.c src/*/*/*.c))
OBJ      := $(SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o
TEST_SRC := $(sort $(wildcard tests/unit/*.c))
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
FUZZ_SRC := $(sort $(wildcard fuzz/*.c))

.PHONY: all test asan fuzz clean unit docs-check
all: hostmix

hostmix: $(BUILD)/hostmix
	@if [ "$(BUILD)" = build ]; then ln -sf $(BUILD)/hostmix hostmix; fi

$(BUILD)/hostmix: $(MAIN_OBJ) $(BUILD)/libhostmix.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS) $(EXTRA_LDFLAGS)

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
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS) $(EXTRA_LDFLAGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

unit: $(BUILD)/unit-tests

# The VM boot check (tests/integ/68_vm_boot.sh runs it).
$(BUILD)/vm-boot-test: $(BUILD)/tests/vm/vm_boot.o $(BUILD)/libhostmix.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS) $(EXTRA_LDFLAGS)

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

clean:
	rm -rf build build-asan build-fuzz hostmix

-include $(OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILD)/tests/vm/vm_boot.d
