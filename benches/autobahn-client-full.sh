#!/usr/bin/env bash
# Full Autobahn|Testsuite client-role run (fuzzingserver), every case of
# 1.* to 13.* except 9.* (463 cases), on Debian's libwebsockets 4.1.6 and on
# ours, plain and with permessage-deflate offered: 4 runs.
#
# usage: benches/autobahn-client-full.sh [OUT_DIR]
#   (from the repository root, after `cargo build --release`)
#
# The driver is c-tests/autobahn-client.c, built once against Debian's
# header and library (gcc -Wall -Wextra -Werror, as tests/common compile_c
# with Headers::Debian) into a temp dir; each run loads libwebsockets.so.17
# from a temp dir holding a symlink to Debian's library or to ours
# (LD_LIBRARY_PATH).  The fuzzing server is ../shared/autobahn/test-client
# (127.0.0.1, free port).
#
# Stalls: a watchdog stops the driver when it has not started a new case
# for STALL seconds (default 120; the slowest passing case took 15 s
# here).  The case the fuzzing server was running then is recorded as
# STALLED (whatever result the server wrote when the connection dropped is
# kept as behaviorRecorded), and the run goes on with a fresh driver on the
# cases that have no result yet.
#
# environment:
#   OURS_SO     our library (default target/release/libwebsockets.so)
#   DEBIAN_SO   Debian's (default /usr/lib/x86_64-linux-gnu/libwebsockets.so.17)
#   RUNS        which runs, default "debian-plain debian-deflate ours-plain ours-deflate"
#   STALL       seconds without a new case before the driver is stopped (120)
#   AUTOBAHN_DIR  the harness (default ../shared/autobahn)
#
# Output: OUT_DIR/RUN/ (merged index.json, per-attempt reports and logs) and
# OUT_DIR/table.md, one row per run.  Run it under `nice -n 10` on a shared
# machine.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OURS_SO="$(realpath "${OURS_SO:-$REPO/target/release/libwebsockets.so}")"
DEBIAN_SO="${DEBIAN_SO:-/usr/lib/x86_64-linux-gnu/libwebsockets.so.17}"
RUNS="${RUNS:-debian-plain debian-deflate ours-plain ours-deflate}"
STALL="${STALL:-120}"
AB="$(cd "${AUTOBAHN_DIR:-$REPO/../shared/autobahn}" && pwd)"
OUT="${1:-$(mktemp -d "${TMPDIR:-/tmp}/autobahn-client-full.XXXXXX")}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
TOTAL=463   # 517 cases of 1.*-13.*, minus the 54 of 9.*

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY   # lws honours $http_proxy

T="$(mktemp -d "${TMPDIR:-/tmp}/autobahn-client-full-bin.XXXXXX")"
trap 'rm -rf "$T"' EXIT

mkdir -p "$T/debian" "$T/ours"
ln -s "$DEBIAN_SO" "$T/debian/libwebsockets.so.17"
ln -s "$DEBIAN_SO" "$T/debian/libwebsockets.so"
ln -s "$OURS_SO" "$T/ours/libwebsockets.so.17"
gcc -Wall -Wextra -Werror -g -o "$T/autobahn-client" \
    "$REPO/c-tests/autobahn-client.c" -L "$T/debian" -lwebsockets -lpthread

# the client command: runs the driver, stops it after $STALL s without a
# new line on its stderr (it prints "case I/N" as it opens each case)
cat > "$T/watch.sh" <<'EOF'
#!/usr/bin/env bash
: > "$WATCH_LOG"
LD_LIBRARY_PATH="$WATCH_LIBDIR" "$WATCH_DRIVER" -u "$AUTOBAHN_URL" \
    -a "$AUTOBAHN_AGENT" $WATCH_FLAGS 2>> "$WATCH_LOG" &
pid=$!
last=-1 idle=0
while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    size=$(stat -c %s "$WATCH_LOG")
    if [ "$size" != "$last" ]; then last=$size idle=0; else idle=$((idle + 1)); fi
    if [ "$idle" -ge "$STALL" ]; then
        echo "watchdog: no new case for ${STALL}s, stopping the driver" | tee -a "$WATCH_STALLED" >&2
        kill -TERM "$pid" 2>/dev/null || true
        for _ in 1 2 3 4 5; do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
        kill -KILL "$pid" 2>/dev/null || true
        break
    fi
done
wait "$pid"
EOF
export WATCH_DRIVER="$T/autobahn-client" STALL

echo "| run | library | OK | NON-STRICT | INFORMATIONAL | UNIMPLEMENTED | FAILED | stalled | attempts | wall time |" > "$OUT/table.md"
echo "|---|---|---|---|---|---|---|---|---|---|" >> "$OUT/table.md"

for run in $RUNS; do
    lib="${run%%-*}" mode="${run#*-}"
    export WATCH_LIBDIR="$T/$lib"
    export WATCH_FLAGS=""
    [ "$mode" = deflate ] && WATCH_FLAGS="--deflate"
    agent="lws-$run"
    dir="$OUT/$run"
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "{}" > "$dir/done.json"
    : > "$dir/stalled.txt"
    start=$(date +%s)
    attempt=0 ndone=0
    while :; do
        attempt=$((attempt + 1))
        adir="$dir/attempt$attempt"
        mkdir -p "$adir"
        export WATCH_LOG="$adir/driver.log" WATCH_STALLED="$adir/stalled"
        # skip 9.* and every case that already has a result
        exclude="$(python3 -c 'import json,sys; print(",".join(["9.*"] + sorted(json.load(open(sys.argv[1])))))' "$dir/done.json")"
        echo "== $run attempt $attempt ($(date +%T))"
        AUTOBAHN_REPORTS="$adir" AUTOBAHN_EXCLUDE="$exclude" \
            "$AB/test-client" "bash $T/watch.sh" "$agent" '*' \
            > "$adir/test-client.out" 2>&1 || true
        tail -n 1 "$adir/test-client.out"
        stalled=""
        if [ -f "$adir/stalled" ]; then
            stalled="$(sed -n 's/^Running test case ID \([0-9.]*\) .*/\1/p' \
                "$adir/clients/wstest-$agent.log" | tail -n 1)"
            echo "   stalled in case ${stalled:-?}"
            echo "${stalled:-?}" >> "$dir/stalled.txt"
        fi
        # merge this attempt's results; the stalled case becomes STALLED
        python3 - "$dir/done.json" "$adir/clients/index.json" "$agent" "$stalled" "attempt$attempt/clients" <<'EOF'
import json, sys
done_path, index_path, agent, stalled, sub = sys.argv[1:]
done = json.load(open(done_path))
try:
    res = json.load(open(index_path)).get(agent, {})
except (OSError, ValueError):
    res = {}
for cid, r in res.items():
    r["reportfile"] = sub + "/" + r.get("reportfile", "")
    if cid == stalled:
        r["behaviorRecorded"] = r.get("behavior")
        r["behavior"] = "STALLED"
    done[cid] = r
if stalled and stalled not in done:
    done[stalled] = {"behavior": "STALLED", "behaviorClose": "UNCLEAN"}
json.dump(done, open(done_path, "w"), indent=1, sort_keys=True)
EOF
        before=$ndone
        ndone=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$dir/done.json")
        # done: no stall, all cases have a result, or no progress at all
        if [ ! -f "$adir/stalled" ] || [ "$ndone" -ge "$TOTAL" ] || [ "$ndone" = "$before" ]; then
            break
        fi
    done
    end=$(date +%s)
    python3 -c 'import json,sys; json.dump({sys.argv[2]: json.load(open(sys.argv[1]))}, open(sys.argv[3], "w"), indent=1)' \
        "$dir/done.json" "$agent" "$dir/index.json"
    "$AB/summarize" "$dir" --agent "$agent" --expect "$TOTAL" > "$dir/summary.txt" || true
    python3 - "$dir/index.json" "$agent" "$run" "$attempt" "$((end - start))" "$TOTAL" >> "$OUT/table.md" <<'EOF'
import json, sys
from collections import Counter
path, agent, run, attempts, secs, total = sys.argv[1:]
res = json.load(open(path))[agent]
c = Counter(r["behavior"] for r in res.values())
lib = "Debian 4.1.6" if run.startswith("debian") else "lws-rs"
missing = int(total) - len(res)
row = [run, lib] + [str(c[b]) for b in ("OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED", "STALLED")]
row += [attempts, "%s s%s" % (secs, ", %d missing" % missing if missing else "")]
print("| " + " | ".join(row) + " |")
EOF
    tail -n 1 "$OUT/table.md"
done

echo
cat "$OUT/table.md"
echo "reports: $OUT"
