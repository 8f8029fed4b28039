#!/usr/bin/env bash
# benches/run.sh - speed of our libwebsockets.so.17 vs Debian's, side by side.
#
# Builds examples/echo-server.c once, against Debian's <libwebsockets.h>
# (gcc ... -lwebsockets), and runs every load generator mode
# (benches/loadgen.rs) against that same binary twice: with Debian's
# library, and with ours swapped in through LD_LIBRARY_PATH.  Each run gets a
# fresh server on a free 127.0.0.1 port.  Prints a table with both figures
# and the ratio ours/Debian.
#
# Usage: benches/run.sh
# Environment:
#   OURS      directory holding our libwebsockets.so.17 (default: a temp dir
#             with a symlink to $OURS_SO)
#   OURS_SO   our built library (default /work/main/target/release/libwebsockets.so)
#   MODES     modes to run (default: all)
#             "latency pipelined throughput connrate connrate-keep idle"
#   SECS      measuring window of pipelined/throughput (default 5)
#   CONNS     connections for idle / connrate / connrate-keep (default 10000)
#   CARGO_TARGET_DIR   where to build the loadgen (default <repo>/target)
#
# 10,000 connections need file descriptors on both ends: this script raises
# its soft RLIMIT_NOFILE to the hard limit (the servers inherit it; the
# loadgen raises its own).  If the hard limit is below ~10,100, raise it
# (e.g. `ulimit -Hn 65536` as root, or LimitNOFILE) before running.
#
# If our library is missing or does not serve the echo server, the "ours"
# column is skipped with a message; the Debian column still runs.

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OURS_SO=${OURS_SO:-/work/main/target/release/libwebsockets.so}
MODES=${MODES:-"latency pipelined throughput connrate connrate-keep idle"}
SECS=${SECS:-5}
CONNS=${CONNS:-10000}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}

WORK=$(mktemp -d /tmp/lws-bench.XXXXXX)
SERVER_PID=
LOADGEN_PID=

cleanup() {
	exec 9>&- 2>/dev/null || true
	[ -n "$LOADGEN_PID" ] && kill "$LOADGEN_PID" 2>/dev/null || true
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
	[ -n "$SERVER_PID" ] && wait "$SERVER_PID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "run.sh: $*" >&2; }

# ---------------------------------------------------------------- limits
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ]; then ulimit -n 1048576 2>/dev/null || ulimit -n 65536; else ulimit -n "$hard"; fi
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((CONNS + 100)) ]; then
	say "warning: RLIMIT_NOFILE is $(ulimit -n); $CONNS connections need more"
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

if [ -z "${OURS:-}" ]; then
	OURS=$WORK/ours
	mkdir -p "$OURS"
	[ -e "$OURS_SO" ] && ln -s "$OURS_SO" "$OURS/libwebsockets.so.17"
fi

# ---------------------------------------------------------------- servers
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_server debian|ours -> sets SERVER_PID, PORT; returns 1 if it does not come up
start_server() {
	local lib=$1 i
	PORT=$(free_port)
	local log=$WORK/server-$lib-$PORT.log
	if [ "$lib" = ours ]; then
		LD_LIBRARY_PATH=$OURS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
			"$ECHO" -p "$PORT" -w "$WWW" >"$log" 2>&1 &
	else
		"$ECHO" -p "$PORT" -w "$WWW" >"$log" 2>&1 &
	fi
	SERVER_PID=$!
	for i in $(seq 100); do
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
	if [ "$lib" = ours ] &&
	   ! grep -qF "$(readlink -f "$OURS/libwebsockets.so.17")" "/proc/$SERVER_PID/maps" 2>/dev/null; then
		say "ours: the server did not load $OURS/libwebsockets.so.17"
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

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# field KEY "RESULT ... KEY=VALUE ..."
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

# ---------------------------------------------------------------- modes
# run_mode MODE LIB -> prints "metric value" lines; returns 1 on failure
run_mode() {
	local mode=$1 lib=$2 out
	start_server "$lib" || return 1
	out=$WORK/loadgen.out
	case $mode in
	latency)
		timeout 120 "$LOADGEN" latency --port "$PORT" --count 20000 >"$out" || { stop_server; return 1; }
		r=$(grep '^RESULT' "$out")
		echo "latency.median_us $(field median_us "$r")"
		echo "latency.p99_us $(field p99_us "$r")"
		;;
	pipelined)
		timeout 120 "$LOADGEN" pipelined --port "$PORT" --secs "$SECS" >"$out" || { stop_server; return 1; }
		r=$(grep '^RESULT' "$out")
		echo "pipelined.msgs_per_s $(field msgs_per_s "$r")"
		;;
	throughput)
		timeout 120 "$LOADGEN" throughput --port "$PORT" --secs "$SECS" >"$out" || { stop_server; return 1; }
		r=$(grep '^RESULT' "$out")
		echo "throughput.mb_per_s $(field mb_per_s "$r")"
		;;
	connrate | connrate-keep)
		local keep=
		[ "$mode" = connrate-keep ] && keep=--keep
		timeout 300 "$LOADGEN" connrate $keep --port "$PORT" --count "$CONNS" >"$out" || { stop_server; return 1; }
		r=$(grep '^RESULT' "$out")
		echo "$mode.conns_per_s $(field conns_per_s "$r")"
		echo "$mode.first1000_per_s $(field first1000_per_s "$r")"
		echo "$mode.last1000_per_s $(field last1000_per_s "$r")"
		;;
	idle)
		local before after fifo=$WORK/idle.fifo i
		sleep 0.2
		before=$(rss_kib "$SERVER_PID")
		rm -f "$fifo"; mkfifo "$fifo"
		"$LOADGEN" idle --port "$PORT" --count "$CONNS" <"$fifo" >"$out" &
		LOADGEN_PID=$!
		exec 9>"$fifo"
		for i in $(seq 1200); do
			grep -qs '^ready' "$out" && break
			kill -0 "$LOADGEN_PID" 2>/dev/null || break
			sleep 0.1
		done
		if ! grep -qs '^ready' "$out"; then
			exec 9>&-; wait "$LOADGEN_PID" 2>/dev/null || true; LOADGEN_PID=
			stop_server; return 1
		fi
		sleep 1 # let the server finish its side of the last handshakes
		after=$(rss_kib "$SERVER_PID")
		exec 9>&-
		wait "$LOADGEN_PID" 2>/dev/null || true
		LOADGEN_PID=
		echo "idle.rss_before_kib $before"
		echo "idle.rss_after_kib $after"
		echo "idle.kib_per_conn $(awk -v a="$after" -v b="$before" -v n="$CONNS" 'BEGIN { printf "%.2f", (a - b) / n }')"
		;;
	*)
		say "unknown mode $mode"; stop_server; return 1 ;;
	esac
	stop_server
}

# ---------------------------------------------------------------- main
have_ours=1
if [ ! -e "$OURS/libwebsockets.so.17" ]; then
	say "ours: no $OURS/libwebsockets.so.17 (OURS_SO=$OURS_SO not built?); skipping the ours column"
	have_ours=0
elif ! start_server ours; then
	say "ours: echo-server does not start on our library; skipping the ours column"
	have_ours=0
else
	if ! timeout 10 "$LOADGEN" latency --port "$PORT" --count 10 >/dev/null 2>"$WORK/probe.err"; then
		say "ours: echo does not work on our library; skipping the ours column:"
		sed 's/^/    /' "$WORK/probe.err" >&2
		have_ours=0
	fi
	stop_server
fi

declare -A DEB OUR
ORDER=()
for mode in $MODES; do
	for lib in debian ours; do
		[ "$lib" = ours ] && [ $have_ours = 0 ] && continue
		say "$mode on $lib"
		# not in $(...): the server must stay visible to the EXIT trap
		if run_mode "$mode" "$lib" >"$WORK/res"; then
			while read -r k v; do
				[ -z "$k" ] && continue
				if [ "$lib" = debian ]; then DEB[$k]=$v; ORDER+=("$k"); else OUR[$k]=$v; fi
			done <"$WORK/res"
		else
			say "$mode on $lib FAILED"
			[ -f "$WORK/loadgen.out" ] && sed 's/^/    /' "$WORK/loadgen.out" >&2
		fi
	done
done

better() {
	case $1 in
	*_us | *kib*) echo lower ;;
	*) echo higher ;;
	esac
}

echo
printf '%-30s %14s %14s %10s  %s\n' metric debian ours ours/debian better
for k in "${ORDER[@]}"; do
	d=${DEB[$k]:-} o=${OUR[$k]:--}
	ratio=-
	if [ "$o" != - ] && [ -n "$d" ]; then
		ratio=$(awk -v o="$o" -v d="$d" 'BEGIN { if (d + 0 != 0) printf "%.2f", o / d; else print "-" }')
	fi
	printf '%-30s %14s %14s %10s  %s\n' "$k" "$d" "$o" "$ratio" "$(better "$k")"
done
# metrics only ours produced (Debian's run failed)
for k in "${!OUR[@]}"; do
	[ -n "${DEB[$k]:-}" ] && continue
	printf '%-30s %14s %14s %10s  %s\n' "$k" - "${OUR[$k]}" - "$(better "$k")"
done
