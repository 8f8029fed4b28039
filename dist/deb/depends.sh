#!/bin/sh
# Prints the Depends field of a Debian package shipping the ELF file $1:
# the packages, with minimum versions, of the libraries it is linked
# against (its NEEDED entries), as "libc6 (>= 2.34), libssl3 (>= 3.0.0)".
#
# With dpkg-shlibdeps (package dpkg-dev) the versions come from the
# libraries' symbols files, as in a Debian build: the oldest version that
# has every symbol the file uses. Without it (or with DPKG_SHLIBDEPS set
# empty), each NEEDED library is found as the C compiler finds it, its
# owner asked of dpkg, and the owner's shlibs file gives the dependency
# (for libc6 and libssl3 that is their installed version: stricter than
# needed, never too loose); an owner without a shlibs file is named
# without a version.
set -eu

so=$1
shlibdeps=${DPKG_SHLIBDEPS-dpkg-shlibdeps}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -n "$shlibdeps" ] && command -v "$shlibdeps" >/dev/null 2>&1; then
	# dpkg-shlibdeps wants a source tree: debian/control and the file in
	# a package's build root (a directory with DEBIAN/).
	mkdir -p "$tmp/debian/lws-rs/DEBIAN"
	printf 'Source: lws-rs\n\nPackage: lws-rs\nArchitecture: any\n' >"$tmp/debian/control"
	cp "$so" "$tmp/debian/lws-rs/"
	(cd "$tmp" && "$shlibdeps" -O "-edebian/lws-rs/$(basename "$so")") >"$tmp/out"
	sed -n 's/^shlibs:Depends=//p' "$tmp/out"
	exit 0
fi

# The path dpkg registered for a library: the compiler's path normalised,
# resolved, and each with /lib and /usr/lib swapped (merged /usr).
owner() {
	p=$(realpath -m -s "$1")
	r=$(realpath -m "$1")
	for c in "$p" "$r" "${p#/usr}" "${r#/usr}" "/usr$p" "/usr$r"; do
		o=$(dpkg-query -S "$c" 2>/dev/null | sed -n '/^diversion /!{s/: .*//p;q}') || true
		if [ -n "$o" ]; then
			echo "$o"
			return 0
		fi
	done
	return 1
}

for lib in $(objdump -p "$so" | awk '$1 == "NEEDED" { print $2 }'); do
	path=$(${CC:-cc} -print-file-name="$lib")
	case "$path" in
	/*) ;;
	*) echo "depends.sh: $lib (needed by $so) not found" >&2; exit 1 ;;
	esac
	pkg=$(owner "$path") || {
		echo "depends.sh: no package owns $path (needed by $so)" >&2
		exit 1
	}
	# libssl.so.3 is "libssl 3" in a shlibs file.
	name=${lib%%.so.*}
	ver=${lib#*.so.}
	shlibs=$(dpkg-query --control-path "$pkg" shlibs 2>/dev/null) || shlibs=
	dep=
	if [ -n "$shlibs" ] && [ "$name" != "$lib" ]; then
		dep=$(awk -v n="$name" -v v="$ver" \
			'$1 == n && $2 == v { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }' "$shlibs")
	fi
	echo "${dep:-${pkg%%:*}}" >>"$tmp/deps"
done
sort -u "$tmp/deps" | paste -s -d, - | sed 's/,/, /g'
