#!/usr/bin/env bash
# benches/h2-run.sh - HTTP/2 with prior knowledge, h2load against the same
# C server (c-tests/http-server.c -2, built against Debian's header) on
# Debian's library and on ours. Prints requests/s and MB/s and the ratios.
#
# Usage: benches/h2-run.sh
# Environment:
#   OURS_SO   our built library (default: <repo>/target/release/libwebsockets.so)
#   N         requests per run (default 100000), C clients (default 10),
#   M         streams in flight per client (default 10)
#   ROUNDS    runs per library, best kept (default 3)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
OURS_SO=${OURS_SO:-$repo/target/release/libwebsockets.so}
N=${N:-100000}
C=${C:-10}
M=${M:-10}
ROUNDS=${ROUNDS:-3}
command -v h2load >/dev/null || { echo "h2load (nghttp2-client) is needed" >&2; exit 2; }
[ -f "$OURS_SO" ] || { echo "build first: cargo build --release" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/ours" "$tmp/www"
ln -s "$OURS_SO" "$tmp/ours/libwebsockets.so.17"
echo "hello a" > "$tmp/www/a.txt"
head -c 65536 /dev/zero | tr '\0' 'x' > "$tmp/www/64k.txt"
gcc -O2 -o "$tmp/srv" "$repo/c-tests/http-server.c" -lwebsockets

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run LIBDIR PATH -> "req/s MB/s" (best of ROUNDS)
run() {
	local lib=$1 path=$2 best_r=0 best_m=0
	for _ in $(seq "$ROUNDS"); do
		local port; port=$(free_port)
		if [ "$lib" = debian ]; then
			"$tmp/srv" -p "$port" -w "$tmp/www" -2 >/dev/null 2>&1 &
		else
			LD_LIBRARY_PATH="$tmp/ours" "$tmp/srv" -p "$port" -w "$tmp/www" -2 >/dev/null 2>&1 &
		fi
		local pid=$!
		sleep 0.5
		local out; out=$(h2load -n "$N" -c "$C" -m "$M" "http://127.0.0.1:$port$path" 2>&1)
		kill "$pid"; wait "$pid" 2>/dev/null || true
		local r m
		r=$(echo "$out" | awk '/finished in/ {print $4}')
		m=$(echo "$out" | awk '/finished in/ {print $6}' | sed 's/MB\/s//')
		if ! echo "$out" | grep -q "$N succeeded"; then
			echo "incomplete run on $lib:" >&2; echo "$out" | grep -E "requests:|status codes" >&2
		fi
		if awk "BEGIN{exit !($r > $best_r)}"; then best_r=$r; best_m=$m; fi
	done
	echo "$best_r $best_m"
}

printf '%-16s %14s %14s %10s\n' "path" "Debian req/s" "ours req/s" "ours/Deb"
for path in /static/a.txt /static/64k.txt; do
	read -r dr dm < <(run debian "$path")
	read -r or om < <(run ours "$path")
	printf '%-16s %14s %14s %10s   (MB/s %s vs %s)\n' "$path" "$dr" "$or" \
		"$(awk "BEGIN{printf \"%.2f\", $or/$dr}")" "$dm" "$om"
done
