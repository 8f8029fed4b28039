#!/bin/sh
# Builds lws-rs's two Debian packages from a `make install` staging; run by
# `make deb`, which stages into $DEBDIR/build/stage and sets the variables
# below. The runtime package gets /usr/lib/$MULTIARCH/libwebsockets.so.17,
# the dev package everything else make install installed.
set -eu
: "${SRCDIR:?}" "${DEBDIR:?}" "${MULTIARCH:?}" "${ARCH:?}" "${VERSION:?}"
: "${DEB_VERSION:?}" "${MAINTAINER:?}" "${SOURCE_DATE_EPOCH:?}"
COMPRESS=${COMPRESS:-xz}
STRIP=${STRIP:-strip}
RUNTIME=libwebsockets17-lws-rs
DEV=libwebsockets-lws-rs-dev
SONAME=libwebsockets.so.17
libdir=usr/lib/$MULTIARCH
work=$DEBDIR/build
rt=$work/$RUNTIME
dev=$work/$DEV

mkdir -p "$rt/$libdir"
mv "$work/stage/$libdir/$SONAME" "$rt/$libdir/"
mv "$work/stage" "$dev"
# Debian ships shared libraries without the executable bit.
chmod 0644 "$rt/$libdir/$SONAME"

case " ${DEB_BUILD_OPTIONS:-} " in
*" nostrip "*) ;;
*)
	# As dh_strip does: the build ID stays, so the file can still be
	# matched with the build it came from.
	"$STRIP" --remove-section=.comment --remove-section=.note \
		--strip-unneeded "$rt/$libdir/$SONAME"
	"$STRIP" --remove-section=.comment --remove-section=.note \
		--strip-debug --enable-deterministic-archives "$dev/$libdir/libwebsockets.a"
	;;
esac

# Programs built against either package get "libwebsockets17 (>= 4.1.6)",
# as with Debian's: our Provides satisfies it, and so does Debian's
# package, since we export a subset of its functions.
mkdir -p "$rt/DEBIAN" "$dev/DEBIAN"
echo "libwebsockets 17 libwebsockets17 (>= $VERSION)" >"$rt/DEBIAN/shlibs"
echo "activate-noawait ldconfig" >"$rt/DEBIAN/triggers"
# Named for the implementation, like libjpeg62-turbo: libwebsockets17 is
# the name of Debian's package, which this one provides.
mkdir -p "$rt/usr/share/lintian/overrides"
echo "$RUNTIME: package-name-doesnt-match-sonames libwebsockets17" \
	>"$rt/usr/share/lintian/overrides/$RUNTIME"

depends=$(sh "$SRCDIR/dist/deb/depends.sh" "$rt/$libdir/$SONAME")
commit=$(git -C "$SRCDIR" describe --always --dirty 2>/dev/null) || commit=
date=$(date -u -R -d "@$SOURCE_DATE_EPOCH")

for p in "$RUNTIME" "$DEV"; do
	root=$work/$p
	doc=$root/usr/share/doc/$p
	mkdir -p "$doc"
	cp "$SRCDIR/dist/deb/copyright" "$doc/copyright"
	{
		echo "lws-rs ($DEB_VERSION) unstable; urgency=medium"
		echo
		echo "  * Built by make deb from lws-rs${commit:+ $commit}."
		echo
		echo " -- $MAINTAINER  $date"
	} | gzip -9n >"$doc/changelog.Debian.gz"

	# Modes as Debian's tools leave them, whatever the umask was.
	chmod -R u+rwX,go+rX,go-w "$root"
	(cd "$root" && find . -type f ! -path ./DEBIAN/\* -printf '%P\n' |
		LC_ALL=C sort | xargs -r -d '\n' md5sum) >"$root/DEBIAN/md5sums"
	size=$(du -s -k --apparent-size --exclude=DEBIAN "$root" | cut -f1)
	case $p in
	"$RUNTIME") template=runtime ;;
	*) template=dev ;;
	esac
	sed -e "s|@PACKAGE@|$p|g" \
		-e "s|@RUNTIME@|$RUNTIME|g" \
		-e "s|@DEB_VERSION@|$DEB_VERSION|g" \
		-e "s|@ARCH@|$ARCH|g" \
		-e "s|@MAINTAINER@|$MAINTAINER|g" \
		-e "s|@INSTALLED_SIZE@|$size|g" \
		-e "s|@DEPENDS@|$depends|g" \
		"$SRCDIR/dist/deb/$template.control.in" >"$root/DEBIAN/control"
	chmod 0644 "$root"/DEBIAN/*

	# Reproducible: no file newer than the last commit.
	find "$root" -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	deb=$DEBDIR/${p}_${DEB_VERSION}_$ARCH.deb
	rm -f "$DEBDIR/${p}"_*_"$ARCH.deb"
	SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH dpkg-deb --root-owner-group \
		-Z"$COMPRESS" --build "$root" "$deb"
done
rm -rf "$work"
