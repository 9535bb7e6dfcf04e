#!/bin/sh
# wast-run's component path on two small scripts: pass.wast must pass
# whole, fail.wast must count each of its broken assertions as failed
# (a runner that passed or skipped them would hide real failures).
#   run.sh WAST-RUN NODE CONVERTER
set -u
here=$(cd "$(dirname "$0")" && pwd)
run() { "$1" --wast2json="$2" --wast2json-arg="$3" "$4" 2>&1 | tail -1; }
status=0
got=$(run "$1" "$2" "$3" "$here/pass.wast")
case "$got" in
    *" passed, 0 failed, 0 skipped") echo "pass.wast gave [$got]" ;;
    *"0 passed, 0 failed, "*" skipped") echo "pass.wast: nothing ran ($got)"; echo "0 passed, 0 failed, 1 skipped"; exit 77 ;;
    *) echo "pass.wast: expected every assertion to pass, got: $got"; status=1 ;;
esac
got=$(run "$1" "$2" "$3" "$here/fail.wast")
if [ "$got" = "0 passed, 6 failed, 0 skipped" ]; then
    echo "fail.wast gave [$got], as it must"
else
    echo "fail.wast: expected 0 passed, 6 failed, 0 skipped, got: $got"
    status=1
fi
exit $status
