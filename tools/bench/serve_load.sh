#!/usr/bin/env bash
# Load benchmark for wasmrt serve: the WAT hello handler
# (tests/serve/hello_handler.wat, compiled -O2) behind wasmrt serve on a
# free loopback port, driven by wrk (Debian) for a bounded time.  Prints
# requests/s, p50/p99 latency, server RSS before and after, and instances
# made per second (from the server's /metrics), and the server's CPU time
# per request (user + system, from /proc: independent of what else loads
# the machine, unlike requests/s and latency).
# usage: tools/bench/serve_load.sh [BUILD_DIR] [SECONDS] [CONNECTIONS] [PATH]
#   defaults: build 10 64 /     (PATH /trap measures the 500 path)
# Environment: WORKERS (server threads; default one per CPU), WRK_THREADS (2),
#   JCO_SERVE=1: then the same component under `jco serve --isolate-requests
#   instance` (node, a fresh instance per request too), same wrk settings.
#   HANDLER=c: the C hello handler (tests/serve/hello_handler.c: clang
#   --target=wasm32, made a component by tests/serve/c_component.mjs, -O2)
#   instead of the WAT one.
#   APP=FILE.so: serve that (already compiled) component instead of the WAT
#   hello handler (e.g. the JavaScript one ctest serve/js_handler caches in
#   build/serve-js-cache); JCO_SERVE then needs APP_WASM=FILE.wasm too.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
secs=${2:-10}
conns=${3:-64}
path=${4:-/}
jco=${JCO:-$root/tools/npm/node_modules/.bin/jco}
for t in "$jco" "$build/bin/wasmc" "$build/bin/wasmrt"; do
    [ -x "$t" ] || { echo "serve_load: missing $t (build, and tools/install-deps.sh)"; exit 1; }
done
command -v wrk >/dev/null || { echo "serve_load: wrk not installed (apt-get install wrk)"; exit 1; }
work=$(mktemp -d)
trap 'kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; rm -rf "$work"' EXIT
if [ -n "${APP:-}" ]; then
    cp "$APP" "$work/h.so"
    [ -n "${APP_WASM:-}" ] && cp "$APP_WASM" "$work/h.wasm"
elif [ "${HANDLER:-wat}" = c ]; then
    clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry -o "$work/core.wasm" "$root/tests/serve/hello_handler.c"
    node "$root/tests/serve/c_component.mjs" "$root/tools/npm/node_modules" "$work/core.wasm" "$work/h.wasm"
    "$build/bin/wasmc" -O2 "$work/h.wasm" -o "$work/h.so"
else
    "$jco" parse "$root/tests/serve/hello_handler.wat" -o "$work/h.wasm"
    "$build/bin/wasmc" -O2 "$work/h.wasm" -o "$work/h.so"
fi
workers=()
[ -n "${WORKERS:-}" ] && workers=(--workers "$WORKERS")
"$build/bin/wasmrt" serve --addr 127.0.0.1:0 --port-file "$work/port" --metrics /metrics "${workers[@]}" \
    "$work/h.so" 2>"$work/stderr" &
srv=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$srv/status"; }
# utime + stime of the server, in clock ticks (fields 14 and 15 of stat;
# the command name in field 2 has no spaces here)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$srv/stat"; }
metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
# every request answered, whatever its status (the counter is by status class)
answered() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^wasmrt_serve_requests_total/ {n += $2} END {print n}'; }
curl -s "http://127.0.0.1:$port$path" >/dev/null   # warm up one instance
rss0=$(rss)
inst0=$(metric wasmrt_serve_instances_total)
req0=$(answered)
cpu0=$(cpu_ticks)
wrk -t"${WRK_THREADS:-2}" -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$port$path" >"$work/wrk.txt"
cpu1=$(cpu_ticks)
req1=$(answered)
inst1=$(metric wasmrt_serve_instances_total)
rss1=$(rss)
live=$(metric wasmrt_serve_live_instances)
rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")
p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
errs=$(grep -E "Non-2xx|Socket errors" "$work/wrk.txt" || true)
echo "serve_load: ${APP:-hello_handler.${HANDLER:-wat} -O2} $path, $conns connections, ${secs}s, $(nproc) CPUs, workers ${WORKERS:-one per CPU}"
echo "  requests/s        $rps"
echo "  latency p50 / p99 $p50 / $p99"
echo "  instances/s       $(( (inst1 - inst0) / secs ))  (one per request; live after: $live)"
echo "  server CPU/request $(awk -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v n=$((req1 - req0)) \
    'BEGIN {printf "%.1f us (%d requests, %.2f s CPU)", n ? t / hz * 1e6 / n : 0, n, t / hz}')"
echo "  server RSS        $rss0 before, $rss1 after"
echo "  load              $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min; $(nproc) CPUs)"
[ -n "$errs" ] && echo "  $errs"
if [ "${JCO_SERVE:-0}" = 1 ]; then
    kill "$srv"; wait "$srv" 2>/dev/null || true
    jport=$((20000 + RANDOM % 20000))
    "$jco" serve "$work/h.wasm" --host 127.0.0.1 --port "$jport" --isolate-requests instance >"$work/jco.log" 2>&1 &
    srv=$!
    for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$jport$path" && break; sleep 0.1; done
    wrk -t"${WRK_THREADS:-2}" -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$jport$path" >"$work/wrk2.txt"
    echo "jco serve --isolate-requests instance (node), same component and load:"
    echo "  requests/s        $(awk '/^Requests\/sec/ {print $2}' "$work/wrk2.txt")"
    echo "  latency p50 / p99 $(awk '$1 == "50%" {print $2}' "$work/wrk2.txt") / $(awk '$1 == "99%" {print $2}' "$work/wrk2.txt")"
    echo "  server RSS        $(awk '/VmRSS/ {print $2 " kB"}' "/proc/$srv/status" 2>/dev/null || echo ?) (node; jco's own process)"
fi
exit 0
