#!/usr/bin/env bash
# benches/tls-run.sh - TLS speed of our libwebsockets.so.17 vs Debian's, on
# the same server program.
#
# examples/echo-server.c is built once against Debian's <libwebsockets.h>
# and started with --cert/--key (a self-signed RSA-2048 certificate made
# here), once on Debian's library and once on ours (LD_LIBRARY_PATH).  The
# load generators stay the same for both:
#
#   wss small    benches/client-load.c -T (on our library, the faster
#                client, unless LOADGEN_LIB says otherwise): 64 conns x
#                32 messages in flight x 16 bytes            (msgs/s)
#   wss large    the same, 4 conns x 2 in flight x 1 MiB      (MB/s)
#   wss connect  the same, -m connect: TLS + WebSocket handshake, then
#                close; 16 in progress                        (conns/s)
#   handshakes   `openssl s_time -new`: full TLS handshakes   (conns/s)
#
# Prints both figures and the ratio ours/Debian (higher is better).
#
# Usage: benches/tls-run.sh
# Environment:
#   OURS_SO   our built library (default <repo>/target/release/libwebsockets.so;
#             built with `cargo build --release --lib` when missing)
#   SECS      measuring window (default 5)
#   ROUNDS    rounds, alternating the libraries; best figure kept (default 3)
#   N         connections of the wss connect case (default 1000)
#   LOADGEN_LIB  directory with the libwebsockets.so.17 the load generator
#             uses ("debian" for Debian's; default ours)

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OURS_SO=${OURS_SO:-$REPO/target/release/libwebsockets.so}
SECS=${SECS:-5}
N=${N:-1000}
ROUNDS=${ROUNDS:-3}

WORK=$(mktemp -d /tmp/lws-tlsbench.XXXXXX)
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
say() { echo "tls-run.sh: $*" >&2; }

[ -e "$OURS_SO" ] || (cd "$REPO" && cargo build --release --lib) >&2
mkdir -p "$WORK/ours"
ln -s "$(readlink -f "$OURS_SO")" "$WORK/ours/libwebsockets.so.17"

gcc -O2 -Wall -Wextra -Werror -pthread -o "$WORK/client-load" "$REPO/benches/client-load.c" -lwebsockets
gcc -O2 -Wall -o "$WORK/echo-server" "$REPO/examples/echo-server.c" -lwebsockets
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
	-days 2 -subj /CN=localhost 2>/dev/null

LOADGEN_LIB=${LOADGEN_LIB:-$WORK/ours}
[ "$LOADGEN_LIB" = debian ] && LOADGEN_LIB=$(dirname "$(readlink -f /usr/lib/x86_64-linux-gnu/libwebsockets.so.17)")
load() { LD_LIBRARY_PATH=$LOADGEN_LIB "$WORK/client-load" "$@" 2>/dev/null; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_server LIBDIR ("" = Debian's)
start_server() {
	PORT=$(free_port)
	if [ -n "$1" ]; then
		LD_LIBRARY_PATH=$1 "$WORK/echo-server" -p "$PORT" -w "$REPO/examples/www" \
			--cert "$WORK/cert.pem" --key "$WORK/key.pem" >"$WORK/server.log" 2>&1 &
	else
		env -u LD_LIBRARY_PATH "$WORK/echo-server" -p "$PORT" -w "$REPO/examples/www" \
			--cert "$WORK/cert.pem" --key "$WORK/key.pem" >"$WORK/server.log" 2>&1 &
	fi
	SERVER_PID=$!
	for _ in $(seq 100); do
		grep -qs "^listening on https://" "$WORK/server.log" && break
		sleep 0.05
	done
	grep -qs "^listening on https://" "$WORK/server.log" || { say "server did not start"; cat "$WORK/server.log" >&2; exit 1; }
	# the library really loaded
	grep -o '/[^ ]*libwebsockets.so[^ ]*' "/proc/$SERVER_PID/maps" | sort -u | head -1 >&2
}

stop_server() {
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" | tail -1; }

measure() { # LIBDIR -> "small large connect handshakes"
	local small large conn hs
	start_server "$1"
	small=$(load -T -p "$PORT" -c 64 -d 32 -s 16 -t "$SECS" | field msgs_per_s)
	stop_server; start_server "$1"
	large=$(load -T -p "$PORT" -c 4 -d 2 -s 1048576 -t "$SECS" | field mb_per_s)
	stop_server; start_server "$1"
	conn=$(load -T -m connect -p "$PORT" -n "$N" | field conns_per_s)
	stop_server; start_server "$1"
	# "N connections in T real seconds": wall-clock rate
	hs=$(openssl s_time -connect "127.0.0.1:$PORT" -new -time "$SECS" 2>/dev/null |
		awk '/connections in .* real seconds/ { printf "%.1f", $1 / $4; exit }')
	stop_server
	echo "${small:-0} ${large:-0} ${conn:-0} ${hs:-0}"
}

# rounds alternate the libraries; each figure is the best of its rounds
best() { python3 -c "import sys; print(max(float(x) for x in sys.argv[1:]))" "$@"; }
d_all=(); o_all=()
for r in $(seq "$ROUNDS"); do
	say "round $r: Debian's library"
	d_all+=("$(measure "")")
	say "round $r: our library"
	o_all+=("$(measure "$WORK/ours")")
done
col() { local k=$1; shift; for row in "$@"; do echo "$row" | cut -d' ' -f"$k"; done; }
d_small=$(best $(col 1 "${d_all[@]}")); o_small=$(best $(col 1 "${o_all[@]}"))
d_large=$(best $(col 2 "${d_all[@]}")); o_large=$(best $(col 2 "${o_all[@]}"))
d_conn=$(best $(col 3 "${d_all[@]}")); o_conn=$(best $(col 3 "${o_all[@]}"))
d_hs=$(best $(col 4 "${d_all[@]}")); o_hs=$(best $(col 4 "${o_all[@]}"))

ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.2f' % (b/a) if a else '-')" "$1" "$2"; }
printf '%-34s %14s %14s %8s\n' case Debian ours ratio
printf '%-34s %14s %14s %8s\n' "wss 64x32x16 B (msgs/s)" "$d_small" "$o_small" "$(ratio "$d_small" "$o_small")"
printf '%-34s %14s %14s %8s\n' "wss 4x2x1 MiB (MB/s)" "$d_large" "$o_large" "$(ratio "$d_large" "$o_large")"
printf '%-34s %14s %14s %8s\n' "wss connect+close (conns/s)" "$d_conn" "$o_conn" "$(ratio "$d_conn" "$o_conn")"
printf '%-34s %14s %14s %8s\n' "TLS handshakes, s_time (conns/s)" "$d_hs" "$o_hs" "$(ratio "$d_hs" "$o_hs")"
