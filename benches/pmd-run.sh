#!/usr/bin/env bash
# benches/pmd-run.sh - permessage-deflate speed and CPU cost of our
# libwebsockets.so.17 vs Debian's, on the same server program.
#
# examples/echo-server.c is built once against Debian's <libwebsockets.h>
# and started with --deflate, once on Debian's library and once on ours.
# The load generator, benches/client-load.c -Z (English-like text messages,
# permessage-deflate offered), runs on our library for both (LOADGEN_LIB
# to change that):
#
#   small   64 conns x 32 messages in flight x 1 KiB
#   large    4 conns x  2 messages in flight x 256 KiB
#
# For each: echoed payload in MB/s, and the server's CPU time (user+sys,
# from /proc/PID/stat) per MB echoed.  Prints both figures and the ratio
# ours/Debian for the rate (higher is better) and for CPU per MB (lower is
# better).  Best of ROUNDS rounds, alternating the libraries.
#
# Usage: benches/pmd-run.sh
# Environment: OURS_SO (default <repo>/target/release/libwebsockets.so),
#   SECS (default 5), ROUNDS (default 3), LOADGEN_LIB ("debian" or a
#   directory with libwebsockets.so.17; default ours)

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OURS_SO=${OURS_SO:-$REPO/target/release/libwebsockets.so}
SECS=${SECS:-5}
ROUNDS=${ROUNDS:-3}

WORK=$(mktemp -d /tmp/lws-pmdbench.XXXXXX)
SERVER_PID=
cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { echo "pmd-run.sh: $*" >&2; }

[ -e "$OURS_SO" ] || (cd "$REPO" && cargo build --release --lib) >&2
mkdir -p "$WORK/ours"
ln -s "$(readlink -f "$OURS_SO")" "$WORK/ours/libwebsockets.so.17"
gcc -O2 -Wall -Wextra -Werror -pthread -o "$WORK/client-load" "$REPO/benches/client-load.c" -lwebsockets
gcc -O2 -Wall -o "$WORK/echo-server" "$REPO/examples/echo-server.c" -lwebsockets

LOADGEN_LIB=${LOADGEN_LIB:-$WORK/ours}
[ "$LOADGEN_LIB" = debian ] && LOADGEN_LIB=$(dirname "$(readlink -f /usr/lib/x86_64-linux-gnu/libwebsockets.so.17)")
CLK=$(getconf CLK_TCK)

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_server() { # LIBDIR ("" = Debian's)
	PORT=$(free_port)
	if [ -n "$1" ]; then
		LD_LIBRARY_PATH=$1 "$WORK/echo-server" -p "$PORT" -w "$REPO/examples/www" --deflate >"$WORK/server.log" 2>&1 &
	else
		env -u LD_LIBRARY_PATH "$WORK/echo-server" -p "$PORT" -w "$REPO/examples/www" --deflate >"$WORK/server.log" 2>&1 &
	fi
	SERVER_PID=$!
	for _ in $(seq 100); do
		grep -qs "^listening on" "$WORK/server.log" && break
		sleep 0.05
	done
	grep -o '/[^ ]*libwebsockets.so[^ ]*' "/proc/$SERVER_PID/maps" | sort -u | head -1 >&2
}

stop_server() {
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }

one() { # LIBDIR CONNS DEPTH SIZE -> "MB/s cpu_ms_per_MB"
	local out t0 t1 mbs
	start_server "$1"
	t0=$(cpu_ticks)
	out=$(LD_LIBRARY_PATH=$LOADGEN_LIB "$WORK/client-load" -Z -p "$PORT" -c "$2" -d "$3" -s "$4" -t "$SECS" 2>/dev/null || true)
	t1=$(cpu_ticks)
	stop_server
	mbs=$(echo "$out" | sed -n 's/.*mb_per_s=\([0-9.]*\).*/\1/p' | tail -1)
	python3 -c "import sys; mbs=float(sys.argv[1] or 0); cpu=(int(sys.argv[2])-int(sys.argv[3]))/int(sys.argv[4]); secs=float(sys.argv[5]); print('%.2f %.2f' % (mbs, (cpu*1000/(mbs*secs)) if mbs else 0))" "${mbs:-0}" "$t1" "$t0" "$CLK" "$SECS"
}

declare -A best
keep() { # key value higher-is-better
	local cur=${best[$1]:-}
	if [ -z "$cur" ] || python3 -c "import sys; a,b,h=float(sys.argv[1]),float(sys.argv[2]),sys.argv[3]=='1'; sys.exit(0 if (b>a if h else 0<b<a) else 1)" "$cur" "$2" "$3"; then
		best[$1]=$2
	fi
}

for r in $(seq "$ROUNDS"); do
	for lib in debian ours; do
		dir=""; [ $lib = ours ] && dir=$WORK/ours
		say "round $r: $lib"
		read -r m c < <(one "$dir" 64 32 1024)
		keep "$lib-small-mb" "$m" 1; keep "$lib-small-cpu" "$c" 0
		read -r m c < <(one "$dir" 4 2 262144)
		keep "$lib-large-mb" "$m" 1; keep "$lib-large-cpu" "$c" 0
	done
done

ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.2f' % (b/a) if a else '-')" "$1" "$2"; }
printf '%-44s %12s %12s %8s\n' case Debian ours ratio
for k in small large; do
	n=$([ $k = small ] && echo "64x32x1 KiB" || echo "4x2x256 KiB")
	printf '%-44s %12s %12s %8s\n' "compressed echo $n (MB/s)" "${best[debian-$k-mb]}" "${best[ours-$k-mb]}" "$(ratio "${best[debian-$k-mb]}" "${best[ours-$k-mb]}")"
	printf '%-44s %12s %12s %8s\n' "  server CPU per MB (ms)" "${best[debian-$k-cpu]}" "${best[ours-$k-cpu]}" "$(ratio "${best[debian-$k-cpu]}" "${best[ours-$k-cpu]}")"
done
