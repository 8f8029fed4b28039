#!/usr/bin/env bash
# benches/client-run.sh - speed of the WebSocket CLIENT role of our
# libwebsockets.so.17 vs Debian's, side by side.
#
# Builds benches/client-load.c (load generator on the public lws client API)
# once, against Debian's <libwebsockets.h>, and runs it twice per case: on
# Debian's library, and on ours swapped in through LD_LIBRARY_PATH.  The
# server is NOT the library under test: examples/echo-server.c, built
# against Debian's headers and run on Debian's library (no LD_LIBRARY_PATH),
# one instance on a free 127.0.0.1 port, the same for every run.
#
# Cases:
#   small    64 conns x 32 messages in flight x 16 bytes      (msgs/s, MB/s)
#   large     4 conns x  2 messages in flight x 1 MiB         (msgs/s, MB/s)
#   connect  N connections opened and closed, 16 in progress  (conns/s)
#
# Prints a table with both figures and the ratio ours/Debian (higher is
# better for every metric).  That our library is really the one loaded is
# checked in /proc/PID/maps of each load generator run (and that the server
# runs on Debian's).
#
# Usage: benches/client-run.sh
# Environment:
#   OURS      directory holding our libwebsockets.so.17 (default: a temp dir
#             with a symlink to $OURS_SO)
#   OURS_SO   our built library
#             (default /work/main/target-cbench/release/libwebsockets.so)
#   BUILD     1 (default): first build OURS_SO with
#             `CARGO_TARGET_DIR=<repo>/target-cbench cargo build --release --lib`;
#             0: use OURS_SO as it is
#   CASES     cases to run (default "small large connect")
#   SECS      measuring window of small/large (default 5)
#   N         connections of the connect case (default 2000)
#   CONNECT_TIMEOUT  seconds before a connect run is given up (default 400)
#
# If our library is missing, or a run on it fails, its cell shows FAIL and
# the load generator's diagnosis is printed; the Debian column still runs.

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OURS_SO=${OURS_SO:-$REPO/target-cbench/release/libwebsockets.so}
BUILD=${BUILD:-1}
CASES=${CASES:-"small large connect"}
SECS=${SECS:-5}
N=${N:-2000}
CONNECT_TIMEOUT=${CONNECT_TIMEOUT:-400}

WORK=$(mktemp -d /tmp/lws-cbench.XXXXXX)
SERVER_PID=
LOAD_PID=

cleanup() {
	[ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null || true
	if [ -n "$SERVER_PID" ]; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "client-run.sh: $*" >&2; }

# ---------------------------------------------------------------- build
if [ "$BUILD" = 1 ]; then
	say "building our library (CARGO_TARGET_DIR=$REPO/target-cbench)"
	if ! (cd "$REPO" && CARGO_TARGET_DIR="$REPO/target-cbench" cargo build --release --lib) >"$WORK/cargo.log" 2>&1; then
		say "cargo build failed (using $OURS_SO as it is, if present):"
		tail -20 "$WORK/cargo.log" | sed 's/^/    /' >&2
	fi
fi

say "building benches/client-load.c and examples/echo-server.c against Debian's libwebsockets"
gcc -O2 -Wall -Wextra -Werror -pthread -o "$WORK/client-load" "$REPO/benches/client-load.c" -lwebsockets
gcc -O2 -Wall -o "$WORK/echo-server" "$REPO/examples/echo-server.c" -lwebsockets
LOAD=$WORK/client-load

# Debian's library as the dynamic linker finds it without LD_LIBRARY_PATH
DEBIAN_SO=$(ldd "$LOAD" | awk '$1 == "libwebsockets.so.17" { print $3 }')
DEBIAN_SO=$(readlink -f "$DEBIAN_SO")
say "Debian's library: $DEBIAN_SO"

if [ -z "${OURS:-}" ]; then
	OURS=$WORK/ours
	mkdir -p "$OURS"
	[ -e "$OURS_SO" ] && ln -s "$OURS_SO" "$OURS/libwebsockets.so.17"
fi
have_ours=1
if [ ! -e "$OURS/libwebsockets.so.17" ]; then
	say "ours: no $OURS/libwebsockets.so.17 (OURS_SO=$OURS_SO not built?); the ours column will fail"
	have_ours=0
	OURS_REAL=/nonexistent
else
	OURS_REAL=$(readlink -f "$OURS/libwebsockets.so.17")
	say "our library: $OURS_REAL"
fi

# ---------------------------------------------------------------- server
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_server() {
	local i log
	PORT=$(free_port)
	log=$WORK/server-$PORT.log
	# plain: Debian's library, whatever LD_LIBRARY_PATH the caller has
	env -u LD_LIBRARY_PATH -u LD_PRELOAD "$WORK/echo-server" -p "$PORT" -w "$REPO/examples/www" >"$log" 2>&1 &
	SERVER_PID=$!
	for i in $(seq 100); do
		grep -qs "^listening on http://127.0.0.1:$PORT/" "$log" && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	if ! grep -qs "^listening on http://127.0.0.1:$PORT/" "$log"; then
		say "echo-server did not start:"; sed 's/^/    /' "$log" >&2
		exit 1
	fi
	if ! grep -qF "$DEBIAN_SO" "/proc/$SERVER_PID/maps" ||
	   grep -qF "$OURS_REAL" "/proc/$SERVER_PID/maps"; then
		say "the echo server is not running on Debian's library"
		exit 1
	fi
	say "echo-server (Debian's library) pid $SERVER_PID on 127.0.0.1:$PORT"
}

# ---------------------------------------------------------------- runs
# field KEY "RESULT ... KEY=VALUE ..."
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

# run_load LIB TIMEOUT ARGS... -> RESULT line in $WORK/result; 1 on failure
# (not called in $(...): SERVER_PID / LOAD_PID must stay visible to the trap)
run_load() {
	local lib=$1 tmo=$2 want rc=0 seen=0 t0 t1
	shift 2
	local out=$WORK/load.out err=$WORK/load.err
	t0=$(date +%s.%N)
	if [ "$lib" = ours ]; then
		want=$OURS_REAL
		LD_LIBRARY_PATH=$OURS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
			timeout "$tmo" "$LOAD" -p "$PORT" "$@" >"$out" 2>"$err" &
	else
		want=$DEBIAN_SO
		env -u LD_LIBRARY_PATH timeout "$tmo" "$LOAD" -p "$PORT" "$@" >"$out" 2>"$err" &
	fi
	LOAD_PID=$!
	# timeout(1) is the child; the load generator is its child
	local cpid=
	while kill -0 "$LOAD_PID" 2>/dev/null; do
		[ -z "$cpid" ] && cpid=$(pgrep -P "$LOAD_PID" -x client-load 2>/dev/null | head -1 || true)
		if [ -n "$cpid" ] && [ -r "/proc/$cpid/maps" ]; then
			if grep -qF "$want" "/proc/$cpid/maps" 2>/dev/null; then
				seen=1
				break
			fi
			if grep -q 'libwebsockets' "/proc/$cpid/maps" 2>/dev/null; then
				seen=2
				break
			fi
		fi
		sleep 0.01
	done
	wait "$LOAD_PID" || rc=$?
	LOAD_PID=
	t1=$(date +%s.%N)
	sed 's/^/    /' "$err" >&2
	say "$lib: exit $rc after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
	if [ $seen = 2 ]; then
		say "$lib: WRONG LIBRARY loaded: $(grep -o '/[^ ]*libwebsockets[^ ]*' "/proc/$cpid/maps" 2>/dev/null | sort -u | tr '\n' ' ')"
		return 1
	fi
	[ $seen = 0 ] && say "$lib: (exited before /proc/PID/maps could be checked; see the probe above)"
	if ! kill -0 "$SERVER_PID" 2>/dev/null; then
		say "the echo server died; restarting it"
		wait "$SERVER_PID" 2>/dev/null || true
		start_server
		return 1
	fi
	grep '^RESULT' "$out" >"$WORK/result" || true
	[ $rc = 0 ] && [ -s "$WORK/result" ]
}

# the probe: a 1 s echo run per library, with the maps check in the middle
probe() {
	local lib=$1 want pid
	if [ "$lib" = ours ]; then
		want=$OURS_REAL
		LD_LIBRARY_PATH=$OURS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
			"$LOAD" -p "$PORT" -c 2 -d 2 -s 100 -t 1 >"$WORK/probe.out" 2>"$WORK/probe.err" &
	else
		want=$DEBIAN_SO
		env -u LD_LIBRARY_PATH "$LOAD" -p "$PORT" -c 2 -d 2 -s 100 -t 1 >"$WORK/probe.out" 2>"$WORK/probe.err" &
	fi
	pid=$!
	LOAD_PID=$pid
	sleep 0.5
	if ! grep -qF "$want" "/proc/$pid/maps" 2>/dev/null; then
		say "$lib: the load generator did not load $want"
		grep -o '/[^ ]*libwebsockets[^ ]*' "/proc/$pid/maps" 2>/dev/null | sort -u | sed 's/^/    loaded: /' >&2 || true
		wait "$pid" 2>/dev/null || true; LOAD_PID=
		return 1
	fi
	if ! wait "$pid" || ! grep -q '^RESULT' "$WORK/probe.out"; then
		LOAD_PID=
		say "$lib: probe run failed:"; sed 's/^/    /' "$WORK/probe.err" >&2
		return 1
	fi
	LOAD_PID=
	say "$lib: probe ok, $want mapped; $(cat "$WORK/probe.out")"
}

start_server
probe debian || exit 1
if [ $have_ours = 1 ] && ! probe ours; then
	have_ours=0
fi

declare -A DEB OUR
ORDER=()
record() { # lib key value
	[ "$1" = debian ] && { DEB[$2]=$3; return; }
	OUR[$2]=$3
}
for c in $CASES; do
	case $c in
	small) args=(-c 64 -d 32 -s 16 -t "$SECS"); tmo=$((SECS + 60)); keys="msgs_per_s mb_per_s" ;;
	large) args=(-c 4 -d 2 -s 1048576 -t "$SECS"); tmo=$((SECS + 60)); keys="msgs_per_s mb_per_s" ;;
	connect) args=(-m connect -n "$N"); tmo=$CONNECT_TIMEOUT; keys="conns_per_s" ;;
	*) say "unknown case $c"; exit 2 ;;
	esac
	for k in $keys; do ORDER+=("$c.$k"); done
	for lib in debian ours; do
		if [ "$lib" = ours ] && [ $have_ours = 0 ]; then
			for k in $keys; do record ours "$c.$k" FAIL; done
			continue
		fi
		say "$c on $lib: client-load ${args[*]}"
		if run_load "$lib" "$tmo" "${args[@]}"; then
			r=$(cat "$WORK/result")
			for k in $keys; do record "$lib" "$c.$k" "$(field "$k" "$r")"; done
		else
			say "$c on $lib FAILED"
			[ -s "$WORK/result" ] && say "    (it still printed: $(cat "$WORK/result"))"
			for k in $keys; do record "$lib" "$c.$k" FAIL; done
		fi
	done
done

echo
echo "client role; server: examples/echo-server.c on Debian's library; SECS=$SECS N=$N"
echo "  small = 64 conns x 32 in flight x 16 B, large = 4 conns x 2 in flight x 1 MiB,"
echo "  connect = $N connections opened+closed, 16 in progress; higher is better"
printf '%-24s %14s %14s %12s\n' metric debian ours ours/debian
for k in "${ORDER[@]}"; do
	d=${DEB[$k]:-FAIL} o=${OUR[$k]:-FAIL}
	ratio=$(awk -v o="$o" -v d="$d" 'BEGIN {
		if (o ~ /^[0-9.]+$/ && d ~ /^[0-9.]+$/ && d + 0 != 0) printf "%.2f", o / d; else print "-" }')
	printf '%-24s %14s %14s %12s\n' "$k" "$d" "$o" "$ratio"
done
