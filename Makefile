# Builds lws-rs with cargo and installs it the way a libwebsockets 4.1.6
# build installs: libwebsockets.so.17 (+ .so link), libwebsockets.a, the
# headers, a pkg-config file and find_package(libwebsockets) files.
#
#   make                          cargo build --release
#   make install                  build, then install under PREFIX
#   make install DESTDIR=/stage   stage for packaging (paths stay PREFIX's)
#   make install BUILD=debug NOBUILD=1   install what is already built
#   make uninstall                remove what install put there
#   make deb                      build, then Debian packages in target/deb/
#   make deb BUILD=debug NOBUILD=1   package what is already built
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

# make deb: the packages replace Debian's libwebsockets17 and
# libwebsockets-dev. The revision "lwsrs1" sorts above every Debian
# revision of 4.1.6 (4.1.6-3, 4.1.6-3+deb12u1, ...), so our Provides
# (= DEB_VERSION) satisfies any versioned dependency on Debian's 4.1.6.
DEBDIR ?= $(or $(CARGO_TARGET_DIR),$(SRCDIR)target)/deb
DEB_VERSION ?= $(VERSION)-lwsrs1
DEB_ARCH ?= $(shell dpkg --print-architecture)
DEB_MULTIARCH ?= $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || $(CC) -print-multiarch)
DEB_COMPRESS ?= xz
DEB_MAINTAINER ?= $(if $(DEBEMAIL),$(or $(DEBFULLNAME),lws-rs) <$(DEBEMAIL)>,lws-rs maintainers <maintainers@users.noreply.r-seed-2dfbdcb4.example>)
SOURCE_DATE_EPOCH ?= $(shell git -C $(SRCDIR) log -1 --format=%ct 2>/dev/null || date +%s)

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

.PHONY: all build install install-files uninstall check-paths deb deb-files

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

# Debian packages (dist/deb/): libwebsockets17-lws-rs (the .so.17) and
# libwebsockets-lws-rs-dev (the rest of make install), built with dpkg-deb
# from a make install into /usr with the multiarch libdir. NOBUILD=1
# packages what is already built, as for install.
deb: $(if $(NOBUILD),,build)
	$(MAKE) -f $(SRCDIR)Makefile deb-files

deb-files:
	@test -n "$(DEB_ARCH)" -a -n "$(DEB_MULTIARCH)" || \
		{ echo "make: cannot tell the Debian architecture (dpkg, cc -print-multiarch)" >&2; exit 1; }
	rm -rf $(DEBDIR)/build
	$(MAKE) -f $(SRCDIR)Makefile install-files DESTDIR=$(DEBDIR)/build/stage \
		PREFIX=/usr LIBDIR=/usr/lib/$(DEB_MULTIARCH) INCLUDEDIR=/usr/include \
		PKGCONFIGDIR=/usr/lib/$(DEB_MULTIARCH)/pkgconfig \
		CMAKEDIR=/usr/lib/$(DEB_MULTIARCH)/cmake/libwebsockets
	SRCDIR=$(SRCDIR) DEBDIR=$(DEBDIR) MULTIARCH=$(DEB_MULTIARCH) ARCH=$(DEB_ARCH) \
		VERSION=$(VERSION) DEB_VERSION=$(DEB_VERSION) COMPRESS=$(DEB_COMPRESS) \
		MAINTAINER='$(DEB_MAINTAINER)' SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) \
		CC=$(CC) sh $(SRCDIR)dist/deb/mkdeb.sh
