#!/usr/bin/env bash
# Builds the library (release) and the C echo or chat example against our
# header, then runs it on our libwebsockets.so.17:
#   examples/run-demo.sh [echo|chat] [PORT] [ARGS...]
# ARGS go to the server, e.g. `echo 7681 --deflate` (permessage-deflate) or
# `echo 7681 --cert cert.pem --key key.pem` (https/wss).
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-echo}
port=${2:-7681}
shift $(( $# < 2 ? $# : 2 ))
cargo build --release --lib
out=target/demo
mkdir -p "$out"
ln -sf ../release/libwebsockets.so "$out/libwebsockets.so.17"
ln -sf ../release/libwebsockets.so "$out/libwebsockets.so"
gcc -O2 -Wall -Iinclude -o "$out/$which-server" "examples/$which-server.c" -L"$out" -lwebsockets
echo "open the printed URL in a browser; Ctrl-C stops the server"
LD_LIBRARY_PATH="$out" exec "$out/$which-server" -p "$port" -w examples/www "$@"
