# Builds lws-rs with cargo and installs it the way a libwebsockets 4.1.6
# build installs: libwebsockets.so.17 (+ .so link), libwebsockets.a, the
# headers, a pkg-config file and find_package(libwebsockets) files.
#
#   make                          cargo build --release
#   make install                  build, then install under PREFIX
#   make install DESTDIR=/stage   stage for packaging (paths stay PREFIX's)
#   make install BUILD=debug NOBUILD=1   install what is already built
#   make uninstall                remove what install put there
#
# Paths must be absolute and free of spaces.

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR ?= $(LIBDIR)/cmake/libwebsockets
DESTDIR ?=

# cargo profile: release, debug (cargo's dev profile) or a custom one
BUILD ?= release
# where the built libwebsockets.so and .a are read from
ARTIFACTS ?= $(or $(CARGO_TARGET_DIR),$(SRCDIR)target)/$(BUILD)
CARGO ?= cargo
INSTALL ?= install

# The ABI this library provides; not the crate's version.
VERSION := 4.1.6
SONAME := libwebsockets.so.17

SRCDIR := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
HEADERS := libwebsockets.h libwebsockets-legacy.h lws_config.h
SUBHEADERS := $(notdir $(wildcard $(SRCDIR)include/libwebsockets/*.h))

CARGO_PROFILE := $(if $(filter release,$(BUILD)),--release,$(if $(filter debug,$(BUILD)),,--profile $(BUILD)))

# The .pc names libdir/includedir through ${prefix} when they lie under it,
# as pkg-config users (and --define-prefix) expect.
pc_path = $(if $(filter $(PREFIX)/%,$(1)),$${prefix}/$(patsubst $(PREFIX)/%,%,$(1)),$(1))
# The CMake files find the library and headers relative to themselves.
rel_from_cmakedir = $(shell realpath -m -s --relative-to=$(CMAKEDIR) $(1))

SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' \
	-e 's|@LIBDIR@|$(call pc_path,$(LIBDIR))|g' \
	-e 's|@INCLUDEDIR@|$(call pc_path,$(INCLUDEDIR))|g' \
	-e 's|@VERSION@|$(VERSION)|g' \
	-e 's|@REL_LIBDIR@|$(call rel_from_cmakedir,$(LIBDIR))|g' \
	-e 's|@REL_INCLUDEDIR@|$(call rel_from_cmakedir,$(INCLUDEDIR))|g'

.PHONY: all build install install-files uninstall check-paths

all: build

build:
	cd $(SRCDIR) && $(CARGO) build $(CARGO_PROFILE)

install: $(if $(NOBUILD),,build)
	$(MAKE) -f $(SRCDIR)Makefile install-files

check-paths:
	@for d in "$(PREFIX)" "$(LIBDIR)" "$(INCLUDEDIR)" "$(PKGCONFIGDIR)" "$(CMAKEDIR)"; do \
		case "$$d" in /*) ;; *) echo "make: $$d is not an absolute path" >&2; exit 1;; esac; \
	done

# Installs without building: the test suite uses this, as cargo must not be
# run from inside `cargo test`.
install-files: check-paths
	@test -f $(ARTIFACTS)/libwebsockets.so -a -f $(ARTIFACTS)/libwebsockets.a || \
		{ echo "make: no libwebsockets.so/.a in $(ARTIFACTS); run make (or make BUILD=$(BUILD)) first" >&2; exit 1; }
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/libwebsockets \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(CMAKEDIR)
	$(INSTALL) -m 0755 $(ARTIFACTS)/libwebsockets.so $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sfn $(SONAME) $(DESTDIR)$(LIBDIR)/libwebsockets.so
	$(INSTALL) -m 0644 $(ARTIFACTS)/libwebsockets.a $(DESTDIR)$(LIBDIR)/libwebsockets.a
	$(INSTALL) -m 0644 $(addprefix $(SRCDIR)include/,$(HEADERS)) $(DESTDIR)$(INCLUDEDIR)/
	$(INSTALL) -m 0644 $(addprefix $(SRCDIR)include/libwebsockets/,$(SUBHEADERS)) \
		$(DESTDIR)$(INCLUDEDIR)/libwebsockets/
	$(SUBST) $(SRCDIR)dist/libwebsockets.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/libwebsockets.pc
	$(SUBST) $(SRCDIR)dist/cmake/libwebsockets-config.cmake.in \
		> $(DESTDIR)$(CMAKEDIR)/libwebsockets-config.cmake
	$(SUBST) $(SRCDIR)dist/cmake/libwebsockets-config-version.cmake.in \
		> $(DESTDIR)$(CMAKEDIR)/libwebsockets-config-version.cmake
	$(SUBST) $(SRCDIR)dist/cmake/LibwebsocketsTargets.cmake.in \
		> $(DESTDIR)$(CMAKEDIR)/LibwebsocketsTargets.cmake

# Removes only our files; the include and cmake directories go when empty
# (INCLUDEDIR/libwebsockets may be shared with another lws's headers).
uninstall: check-paths
	rm -f $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libwebsockets.so \
		$(DESTDIR)$(LIBDIR)/libwebsockets.a
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/,$(HEADERS)) \
		$(addprefix $(DESTDIR)$(INCLUDEDIR)/libwebsockets/,$(SUBHEADERS))
	rm -f $(DESTDIR)$(PKGCONFIGDIR)/libwebsockets.pc
	rm -f $(addprefix $(DESTDIR)$(CMAKEDIR)/,libwebsockets-config.cmake \
		libwebsockets-config-version.cmake LibwebsocketsTargets.cmake)
	rmdir $(DESTDIR)$(INCLUDEDIR)/libwebsockets $(DESTDIR)$(CMAKEDIR) 2>/dev/null || true
