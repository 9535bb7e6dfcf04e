#!/bin/sh
# Entry point of the benchmark suite: tools/bench/run.sh [--quick] [--reps N]
# (see harness.py --help for the rest).  Runs at lower priority so a full run
# does not starve teammates' builds on a shared machine; pass BENCH_NICE=0 to
# measure at normal priority on a dedicated box.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
exec nice -n "${BENCH_NICE:-5}" python3 "$here/harness.py" "$@"
