#!/usr/bin/env bash
# benches/scale-run.sh - does a service pass cost O(active) or O(total)?
#
# The same examples/echo-server.c binary (built against Debian's
# <libwebsockets.h>) runs on Debian's library and on ours (LD_LIBRARY_PATH).
# For IDLE in $IDLES (default "0 10000"), benches/loadgen.rs `scale` opens
# IDLE upgraded connections that then stay silent, then ACTIVE (100)
# connections that each keep one 64-byte text message in flight, and
# measures over SECS: echoes/s, round-trip p50/p99, the server's CPU time
# (utime+stime from /proc/PID/stat) per echo, and the server's RSS.
#
# Prints one row per (library, IDLE), then the ratios ours/Debian at each
# total, and for each library (msgs/s with IDLE idle)/(msgs/s with 0 idle):
# near 1 when the cost of a pass depends on the active connections only.
# Best of ROUNDS rounds (by msgs/s; the other figures come from that run),
# alternating the libraries.
#
# Usage: benches/scale-run.sh
# Environment:
#   OURS_SO   our built library (default <repo>/target/release/libwebsockets.so)
#   IDLES     idle connection counts (default "0 10000")
#   ACTIVE    active connections (default 100)
#   SECS      measuring window (default 5), after 1 s of warm-up
#   ROUNDS    rounds (default 3)
#   CARGO_TARGET_DIR   where to build the loadgen (default <repo>/target)
#
# 10,100 connections need descriptors on both ends: like run.sh, this raises
# its soft RLIMIT_NOFILE to the hard limit (the server inherits it; the
# loadgen raises its own).

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OURS_SO=${OURS_SO:-$REPO/target/release/libwebsockets.so}
IDLES=${IDLES:-"0 10000"}
ACTIVE=${ACTIVE:-100}
SECS=${SECS:-5}
ROUNDS=${ROUNDS:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}

WORK=$(mktemp -d /tmp/lws-scale.XXXXXX)
SERVER_PID=
LOADGEN_PID=

cleanup() {
	[ -n "$LOADGEN_PID" ] && kill "$LOADGEN_PID" 2>/dev/null || true
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
	[ -n "$SERVER_PID" ] && wait "$SERVER_PID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "scale-run.sh: $*" >&2; }

# ---------------------------------------------------------------- limits
max_idle=0
for n in $IDLES; do [ "$n" -gt "$max_idle" ] && max_idle=$n; done
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ]; then ulimit -n 1048576 2>/dev/null || ulimit -n 65536; else ulimit -n "$hard"; fi
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((max_idle + ACTIVE + 100)) ]; then
	say "warning: RLIMIT_NOFILE is $(ulimit -n); $((max_idle + ACTIVE)) connections need more"
fi

# ---------------------------------------------------------------- build
say "building examples/echo-server.c against Debian's libwebsockets"
gcc -O2 -Wall -o "$WORK/echo-server" "$REPO/examples/echo-server.c" -lwebsockets
ECHO=$WORK/echo-server
WWW=$REPO/examples/www

say "building benches/loadgen.rs"
LOADGEN=$(cd "$REPO" && cargo bench --bench loadgen --no-run --message-format=json 2>/dev/null |
	grep -o '"executable":"[^"]*loadgen[^"]*"' | tail -1 | sed 's/.*":"//; s/"$//')
if [ -z "$LOADGEN" ] || [ ! -x "$LOADGEN" ]; then
	(cd "$REPO" && cargo bench --bench loadgen --no-run) || true
	say "could not build the loadgen"
	exit 1
fi

if [ ! -e "$OURS_SO" ]; then
	say "no $OURS_SO: run cargo build --release first"
	exit 1
fi
OURS=$WORK/ours
mkdir -p "$OURS"
ln -s "$(readlink -f "$OURS_SO")" "$OURS/libwebsockets.so.17"

# ---------------------------------------------------------------- servers
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_server debian|ours -> sets SERVER_PID, PORT; returns 1 if it does not come up
start_server() {
	local lib=$1
	PORT=$(free_port)
	local log=$WORK/server-$lib-$PORT.log
	if [ "$lib" = ours ]; then
		LD_LIBRARY_PATH=$OURS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
			"$ECHO" -p "$PORT" -w "$WWW" >"$log" 2>&1 &
	else
		env -u LD_LIBRARY_PATH "$ECHO" -p "$PORT" -w "$WWW" >"$log" 2>&1 &
	fi
	SERVER_PID=$!
	for _ in $(seq 100); do
		grep -qs "^listening on http://127.0.0.1:$PORT/" "$log" && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	if ! grep -qs "^listening on http://127.0.0.1:$PORT/" "$log"; then
		say "$lib: echo-server did not start:"; sed 's/^/    /' "$log" >&2
		stop_server
		return 1
	fi
	# /proc/PID/maps names the mapped file with symlinks resolved
	local ours_real
	ours_real=$(readlink -f "$OURS/libwebsockets.so.17")
	if [ "$lib" = ours ] && ! grep -qF "$ours_real" "/proc/$SERVER_PID/maps"; then
		say "ours: the server did not load $ours_real"
		stop_server
		return 1
	fi
	if [ "$lib" = debian ] && grep -qF "$ours_real" "/proc/$SERVER_PID/maps"; then
		say "debian: the server loaded our library"
		stop_server
		return 1
	fi
	return 0
}

stop_server() {
	if [ -n "$SERVER_PID" ]; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=
	fi
}

# field KEY "RESULT ... KEY=VALUE ..."
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

# one LIB IDLE -> the RESULT line on stdout; returns 1 on failure
one() {
	local lib=$1 idle=$2 out=$WORK/loadgen.out rc=0
	start_server "$lib" || return 1
	# not in $(...) and not waited on by timeout alone: the EXIT trap must
	# see both processes
	timeout 600 "$LOADGEN" scale --port "$PORT" --pid "$SERVER_PID" --idle "$idle" \
		--conns "$ACTIVE" --secs "$SECS" >"$out" 2>"$out.err" &
	LOADGEN_PID=$!
	wait "$LOADGEN_PID" || rc=$?
	LOADGEN_PID=
	stop_server
	sed 's/^/    /' "$out.err" >&2
	[ $rc = 0 ] || return 1
	grep '^RESULT scale' "$out"
}

# ---------------------------------------------------------------- main
declare -A BEST
for r in $(seq "$ROUNDS"); do
	for idle in $IDLES; do
		for lib in debian ours; do
			say "round $r: $lib, $idle idle + $ACTIVE active"
			if ! one "$lib" "$idle" >"$WORK/res"; then
				say "round $r: $lib, $idle idle FAILED"
				continue
			fi
			line=$(cat "$WORK/res")
			key=$lib/$idle
			old=${BEST[$key]:-}
			if [ -z "$old" ] || awk -v n="$(field msgs_per_s "$line")" -v o="$(field msgs_per_s "$old")" \
				'BEGIN { exit !(n + 0 > o + 0) }'; then
				BEST[$key]=$line
			fi
		done
	done
done

div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b + 0 != 0) printf "%.2f", a / b; else print "-" }'; }

echo
printf '%-7s %7s %10s %9s %9s %12s %10s\n' library conns 'msgs/s' 'p50 µs' 'p99 µs' 'CPU µs/msg' 'RSS KiB'
for lib in debian ours; do
	for idle in $IDLES; do
		l=${BEST[$lib/$idle]:-}
		[ -z "$l" ] && { printf '%-7s %7s %10s\n' "$lib" $((idle + ACTIVE)) failed; continue; }
		printf '%-7s %7s %10s %9s %9s %12s %10s\n' "$lib" $((idle + ACTIVE)) \
			"$(field msgs_per_s "$l")" "$(field p50_us "$l")" "$(field p99_us "$l")" \
			"$(field cpu_us_per_msg "$l")" "$(field rss_kib "$l")"
	done
done

echo
echo "ours/debian (msgs/s higher is better; the others lower is better)"
printf '%-7s %10s %9s %9s %12s %10s\n' conns 'msgs/s' 'p50' 'p99' 'CPU/msg' 'RSS'
for idle in $IDLES; do
	d=${BEST[debian/$idle]:-} o=${BEST[ours/$idle]:-}
	printf '%-7s' $((idle + ACTIVE))
	for k in msgs_per_s p50_us p99_us cpu_us_per_msg rss_kib; do
		w=10; [ $k = p50_us ] || [ $k = p99_us ] && w=9; [ $k = cpu_us_per_msg ] && w=12
		printf " %${w}s" "$(div "$(field $k "$o")" "$(field $k "$d")")"
	done
	echo
done

first=${IDLES%% *}
echo
echo "scaling: each library against itself with $first idle (msgs/s ratio; 1.00 = no cost from idle connections)"
for lib in debian ours; do
	base=${BEST[$lib/$first]:-}
	for idle in $IDLES; do
		[ "$idle" = "$first" ] && continue
		l=${BEST[$lib/$idle]:-}
		printf '%-7s msgs/s(%s)/msgs/s(%s) = %s   CPU/msg ratio = %s\n' "$lib" $((idle + ACTIVE)) $((first + ACTIVE)) \
			"$(div "$(field msgs_per_s "$l")" "$(field msgs_per_s "$base")")" \
			"$(div "$(field cpu_us_per_msg "$l")" "$(field cpu_us_per_msg "$base")")"
	done
done
