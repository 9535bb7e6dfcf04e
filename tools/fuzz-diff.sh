#!/usr/bin/env bash
# Differential fuzzing campaign: wasmc against binaryen's interpreter.
#
#   tools/fuzz-diff.sh [N] [SEED0]        N modules from seeds SEED0..SEED0+N-1
#
# For each seed: deterministic random bytes -> `wasm-opt -ttf` (a random
# valid module) -> `wasm-opt --fuzz-exec-before` (the reference transcript)
# -> wasmc-fuzz-diff at -O0 and -O2, in guard-page and --bounds-checks mode
# (4 runs against the one reference).  A mismatch, crash, hang or compiler
# error is saved with its seed under $OUT/failures/seed-S/ and, where the
# failure is a mismatch or a compiler error, reduced with wasm-reduce.
# Ends with
#   fuzz-diff: N modules, M mismatches, C crashes, E compiler errors
# and exits non-zero if any of those is non-zero (77, "skipped", when
# binaryen, wabt or openssl is not installed).
#
# Environment:
#   WASMC_BUILD        build dir holding bin/wasmc-fuzz-diff (default: build)
#   FUZZ_DIFF_OUT      output dir (default: $WASMC_BUILD/fuzz-diff)
#   FUZZ_DIFF_JOBS     parallel jobs (default 2)
#   FUZZ_DIFF_FEATURES wasm-opt feature flags for the generator
#   FUZZ_DIFF_WABT_FEATURES  wasm-validate's flags for the same features
#                      (default: --enable-tail-call when FUZZ_DIFF_FEATURES
#                      has it)
#   FUZZ_DIFF_REDUCE   1 (default) to reduce failures with wasm-reduce
#   FUZZ_DIFF_REDUCE_TIMEOUT  seconds per reduction (default 300)
#   FUZZ_DIFF_TIMEOUT  seconds per run of either side (default 60)
#   FUZZ_DIFF_CONFIGS  runs per module (default "-O0 -O2 -O0,--bounds-checks -O2,--bounds-checks")
#
# Tail calls (3.0) are on: binaryen's interpreter runs them and wabt
# validates them with --enable-tail-call.  Reference-types are off by default: binaryen 108's generator treats
# externref as a supertype of funcref and emits typed function references,
# so nearly all of its reference-types modules are invalid Wasm 2.0 (wabt's
# wasm-validate rejects them).  With them on, modules that wasm-validate
# rejects are skipped and counted as such.
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WASMC_BUILD:-$here/build}
OUT=${FUZZ_DIFF_OUT:-$BUILD/fuzz-diff}
JOBS=${FUZZ_DIFF_JOBS:-2}
FEAT=${FUZZ_DIFF_FEATURES:-"--mvp-features --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int --enable-bulk-memory --enable-multivalue --enable-tail-call"}
case " $FEAT " in
*" --enable-tail-call "*) WABT_FEAT=${FUZZ_DIFF_WABT_FEATURES:---enable-tail-call} ;;
*) WABT_FEAT=${FUZZ_DIFF_WABT_FEATURES:-} ;;
esac
REDUCE=${FUZZ_DIFF_REDUCE:-1}
TMO=${FUZZ_DIFF_TIMEOUT:-60}
CONFIGS=${FUZZ_DIFF_CONFIGS:-"-O0 -O2 -O0,--bounds-checks -O2,--bounds-checks"}
DRIVER=$BUILD/bin/wasmc-fuzz-diff
export BUILD OUT FEAT WABT_FEAT REDUCE TMO CONFIGS DRIVER

# Deterministic bytes for a seed: 1 KiB .. 33 KiB, so modules vary in size.
gen_bytes() {
    local seed=$1 size=$((1024 + ($1 * 7919) % 32768))
    openssl enc -aes-128-ctr -nosalt -pass "pass:wasmc-fuzz-diff-$seed" -pbkdf2 </dev/zero 2>/dev/null | head -c "$size"
}

# The check wasm-reduce runs on each candidate: prints what happens to the
# candidate ($1: test file, $2: driver flags), nothing else, so wasm-reduce
# keeps candidates whose failure is of the same kind.
reduce_check() {
    local t=$1 flags=$2 d
    d=$(mktemp -d)
    # shellcheck disable=SC2086
    if ! wasm-validate $WABT_FEAT "$t" >/dev/null 2>&1; then echo invalid; rm -rf "$d"; return 0; fi
    timeout 10 wasm-opt "$t" $FEAT --fuzz-exec-before >"$d/ref" 2>&1 || { echo ref-failed; rm -rf "$d"; return 0; }
    # shellcheck disable=SC2086
    timeout 20 "$DRIVER" "$t" ${flags//,/ } --expect "$d/ref" >/dev/null 2>&1
    echo "rc=$?"
    rm -rf "$d"
}

reduce_failure() {
    local dir=$1 flags=$2 check
    check="$dir/reduce-check.sh"
    {
        echo '#!/usr/bin/env bash'
        declare -p FEAT DRIVER
        declare -f reduce_check
        echo "reduce_check \"$dir/reduce-test.wasm\" \"$flags\""
    } >"$check"
    chmod +x "$check"
    (cd "$dir" && timeout "${FUZZ_DIFF_REDUCE_TIMEOUT:-300}" wasm-reduce module.wasm "--command=bash $check" -t "$dir/reduce-test.wasm" \
        -w "$dir/reduced.wasm" -b /usr/bin --timeout 30 -ef "$FEAT" >"$dir/reduce.log" 2>&1)
    if [ -s "$dir/reduced.wasm" ]; then
        wasm2wat "$dir/reduced.wasm" -o "$dir/reduced.wat" 2>/dev/null ||
            wasm-opt "$dir/reduced.wasm" $FEAT --print >"$dir/reduced.wat" 2>/dev/null
    fi
    rm -f "$dir/reduce-test.wasm"
}

# One seed: prints "SEED STATUS [detail]" where STATUS is ok, skip,
# mismatch, nan (NaN-bits only), crash, hang, error or infra (driver not
# runnable).
one_seed() {
    local seed=$1 w status=ok detail="" cfg flags rc fdir
    w=$(mktemp -d)
    gen_bytes "$seed" >"$w/bytes"
    # shellcheck disable=SC2086
    if ! wasm-opt -ttf "$w/bytes" $FEAT -o "$w/module.wasm" >/dev/null 2>&1; then
        echo "$seed skip generator-failed"; rm -rf "$w"; return
    fi
    # shellcheck disable=SC2086
    if ! wasm-validate $WABT_FEAT "$w/module.wasm" >/dev/null 2>&1; then
        echo "$seed skip invalid-per-wabt"; rm -rf "$w"; return
    fi
    # shellcheck disable=SC2086
    timeout "$TMO" wasm-opt "$w/module.wasm" $FEAT --fuzz-exec-before >"$w/ref.txt" 2>&1
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "$seed skip reference-rc-$rc"; rm -rf "$w"; return
    fi
    local first_flags=""
    for cfg in $CONFIGS; do
        flags=${cfg//,/ }
        # shellcheck disable=SC2086
        timeout -k 5 "$TMO" "$DRIVER" "$w/module.wasm" $flags --expect "$w/ref.txt" \
            >"$w/ours${cfg//[, ]/_}.txt" 2>"$w/err${cfg//[, ]/_}.txt"
        rc=$?
        local s=ok
        case $rc in
            0) ;;
            1) s=mismatch ;;
            2|3) s=error ;;
            4|124|137) s=hang ;;
            126|127) s=infra ;;   # the driver could not be started (e.g. being rebuilt)
            *) s=crash ;;
        esac
        if [ $s != ok ]; then
            detail="$detail $cfg:$s"
            # Precedence for the module's one status: crash > hang > error > mismatch.
            case "$status:$s" in
                ok:*|mismatch:*|error:hang|error:crash|hang:crash|*:infra) status=$s ;;
            esac
            if [ -z "$first_flags" ] && { [ $s = mismatch ] || [ $s = error ]; }; then first_flags=$cfg; fi
        fi
    done
    # A mismatch may only be NaN non-determinism the spec allows (an
    # arithmetic NaN's payload and sign, observed through reinterpret, a
    # store, copysign...).  Re-run the mismatching configurations on the
    # module instrumented by `wasm-opt --denan` (every NaN a float op makes
    # becomes 0): if all agree there, the seed is "nan", reported and kept
    # under failures/nan-seed-S but not counted as a mismatch.  binaryen
    # 108's --denan leaves v128 values alone, so with --enable-simd a NaN
    # payload made by a SIMD float op still counts as a mismatch and needs
    # a look by hand (seed 300613: f32x4.div of a signalling NaN from a
    # v128.const; x86 returns the quieted input, binaryen the canonical NaN,
    # and the spec allows both).
    if [ $status = mismatch ]; then
        local nan_only=1
        # shellcheck disable=SC2086
        if wasm-opt "$w/module.wasm" $FEAT --denan -o "$w/denan.wasm" >/dev/null 2>&1 &&
            timeout "$TMO" wasm-opt "$w/denan.wasm" $FEAT --fuzz-exec-before >"$w/denan-ref.txt" 2>&1; then
            for cfg in $detail; do
                case $cfg in *:mismatch) ;; *) continue ;; esac
                cfg=${cfg%:mismatch}
                # shellcheck disable=SC2086
                timeout -k 5 "$TMO" "$DRIVER" "$w/denan.wasm" ${cfg//,/ } --expect "$w/denan-ref.txt" \
                    >/dev/null 2>&1 || nan_only=0
            done
        else
            nan_only=0
        fi
        if [ $nan_only = 1 ]; then status=nan; fi
    fi
    if [ $status = nan ]; then
        fdir="$OUT/failures/nan-seed-$seed"
        rm -rf "$fdir"; mkdir -p "$fdir"
        cp "$w"/* "$fdir/"
        echo "nan-only$detail" >"$fdir/summary.txt"
    elif [ $status != ok ]; then
        fdir="$OUT/failures/seed-$seed"
        rm -rf "$fdir"; mkdir -p "$fdir"
        cp "$w"/* "$fdir/"
        echo "$status$detail" >"$fdir/summary.txt"
        head -c 2000 "$fdir"/err*.txt >>"$fdir/summary.txt" 2>/dev/null
        if [ "$REDUCE" = 1 ] && [ -n "$first_flags" ]; then reduce_failure "$fdir" "$first_flags"; fi
    fi
    rm -rf "$w"
    echo "$seed $status$detail"
}
export -f gen_bytes reduce_check reduce_failure one_seed

if [ "${1:-}" = "--one" ]; then one_seed "$2"; exit 0; fi

N=${1:-200}
SEED0=${2:-1}
if [ ! -x "$DRIVER" ]; then
    echo "fuzz-diff: $DRIVER not built (cmake --build $BUILD --target wasmc-fuzz-diff)" >&2
    exit 2
fi
for tool in wasm-opt wasm-validate wasm-reduce openssl; do
    command -v $tool >/dev/null || { echo "fuzz-diff: $tool not found: skipped" >&2; exit 77; }
done
mkdir -p "$OUT"
log="$OUT/results-$SEED0-$N.txt"
seq "$SEED0" $((SEED0 + N - 1)) | xargs -P "$JOBS" -I{} bash -c 'one_seed {}' >"$log"

count() { awk -v s="$1" '$2 == s' "$log" | wc -l; }
mism=$(count mismatch); crash=$(count crash); hang=$(count hang); err=$(count error); infra=$(count infra)
skip=$(count skip); ran=$((N - skip))
awk '$2 != "ok" && $2 != "skip" && $2 != "nan"' "$log" | sort -n | while read -r seed rest; do
    echo "FAIL seed $seed: $rest  ($OUT/failures/seed-$seed)"
    [ -f "$OUT/failures/seed-$seed/reduced.wat" ] && echo "  reduced: $OUT/failures/seed-$seed/reduced.wat"
done
[ "$skip" -gt 0 ] && echo "fuzz-diff: $skip seeds skipped ($(awk '$2 == "skip" {print $3}' "$log" | sort | uniq -c | tr -s ' ' | paste -sd, -))"
nan=$(count nan)
[ "$nan" -gt 0 ] && echo "fuzz-diff: $nan modules differ only in NaN bits the spec leaves open (agree after --denan; $OUT/failures/nan-seed-*)"
[ "$hang" -gt 0 ] && echo "fuzz-diff: $hang of the crashes are hangs (timeouts)"
[ "$infra" -gt 0 ] && echo "fuzz-diff: $infra modules not tested: $DRIVER could not be started (counted as errors)"
echo "fuzz-diff: $ran modules, $mism mismatches, $((crash + hang)) crashes, $((err + infra)) compiler errors"
[ $((mism + crash + hang + err + infra)) -eq 0 ]
