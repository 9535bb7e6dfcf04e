#!/bin/bash
# tools/bench/artifacts-identical.sh BASE [-- EXTRA WASMC FLAGS]
#
# Checks that a change meant to preserve behaviour (a refactor of lowering or
# of the pass pipeline) leaves every artifact byte for byte as it was: builds
# wasmc at git revision BASE (in a temporary worktree) and uses the working
# tree's build, compiles the benchmark programs (tools/bench/programs, hello.c)
# and a sample of the spec suite's modules at each level of $LEVELS (default
# -O2) in both memory modes (guard pages and --bounds-checks) with each, and
# reports "identical" or lists every input whose artifact (or error line)
# differs.  Exit status: 0 identical, 1 differences, 2 could not run.
#
# Artifacts are a pure function of (module, flags, wasmc) (see codegen.h), so
# any difference is a real change in generated code, never noise.
#
# Environment:
#   WASMC_BUILD   the working tree's build directory (default: ./build); its
#                 wasmc target is rebuilt first
#   LEVELS        optimisation levels to compare (default "2")
#   SPEC_ALL=1    every spec .wast, not the sample
#   KEEP=1        keep the scratch directory (printed) to look at differences
# The base build is cached by commit in ${XDG_CACHE_HOME:-~/.cache}/wasmc-artifacts-identical.
set -euo pipefail

if [ $# -lt 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
base_rev="$1"; shift
[ "${1:-}" = -- ] && shift
extra=("$@")

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
base_sha="$(git rev-parse --verify "$base_rev^{commit}")" || { echo "artifacts-identical: no such revision '$base_rev'" >&2; exit 2; }
build="${WASMC_BUILD:-$root/build}"
levels="${LEVELS:-2}"
clang="${CLANG:-clang-19}"
spec_dir="$root/../shared/spec-testsuite/wasm-2.0"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/artifacts-identical.XXXXXX")"
cleanup() {
    if [ "${KEEP:-0}" = 1 ]; then echo "artifacts-identical: kept $scratch" >&2; else rm -rf "$scratch"; fi
}
trap cleanup EXIT

# ---- the two compilers ------------------------------------------------------
cache="${XDG_CACHE_HOME:-$HOME/.cache}/wasmc-artifacts-identical/$base_sha"
base_wasmc="$cache/build/bin/wasmc"
if [ ! -x "$base_wasmc" ]; then
    echo "artifacts-identical: building wasmc at ${base_sha:0:12} (cached in $cache)" >&2
    rm -rf "$cache"
    mkdir -p "$cache"
    git worktree add --detach -q "$cache/src" "$base_sha"
    # The base build is Release-like as the working tree's is: the flags that
    # change code generation are wasmc's, not the C compiler's.
    if ! { nice -n 10 cmake -S "$cache/src" -B "$cache/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
               -DWASMC_BUILD_TESTS=OFF >"$cache/cmake.log" 2>&1 &&
           nice -n 10 cmake --build "$cache/build" --target wasmc -j2 >>"$cache/cmake.log" 2>&1; }; then
        echo "artifacts-identical: building BASE failed, see $cache/cmake.log" >&2
        git worktree remove --force "$cache/src" 2>/dev/null || true
        exit 2
    fi
    git worktree remove --force "$cache/src"
fi
echo "artifacts-identical: building the working tree's wasmc in $build" >&2
nice -n 10 cmake --build "$build" --target wasmc -j2 >"$scratch/build.log" 2>&1 ||
    { cat "$scratch/build.log" >&2; echo "artifacts-identical: building the working tree failed" >&2; exit 2; }
# Copies, so rebuilding either tree while this runs changes nothing here.
cp "$build/bin/wasmc" "$scratch/wasmc-work"
cp "$base_wasmc" "$scratch/wasmc-base"
work_wasmc="$scratch/wasmc-work"
base_wasmc="$scratch/wasmc-base"

# ---- inputs -----------------------------------------------------------------
mkdir -p "$scratch/in"
inputs=()
if command -v "$clang" >/dev/null; then
    for src in "$root"/tools/bench/programs/*.c "$root"/tools/bench/hello.c; do
        name="bench-$(basename "$src" .c)"
        if nice -n 10 "$clang" --target=wasm32-wasi -O2 -std=c17 -Wl,--strip-debug -o "$scratch/in/$name.wasm" \
               "$src" -lm 2>"$scratch/in/$name.clang.log"; then
            inputs+=("$scratch/in/$name.wasm")
        else
            echo "artifacts-identical: $name: wasm32-wasi build failed (skipped): $(head -1 "$scratch/in/$name.clang.log")" >&2
        fi
    done
else
    echo "artifacts-identical: $clang not found: benchmark programs skipped" >&2
fi

# A sample that exercises every memory access shape the passes look at
# (loads, stores, bulk memory, SIMD, loops, calls), plus numeric and control.
spec_sample="address block br_if br_table bulk call call_indirect conversions endianness fac
    float_memory i32 i64 f32 f64 left-to-right load local_tee loop memory memory_copy
    memory_fill memory_grow memory_init memory_redundancy memory_size memory_trap select store switch
    simd_address simd_load simd_load_splat simd_load_extend simd_load_zero simd_load8_lane
    simd_store simd_store16_lane simd_i8x16_arith simd_i32x4_arith2 simd_lane simd_bitwise"
if [ -d "$spec_dir" ] && command -v wast2json >/dev/null; then
    if [ "${SPEC_ALL:-0}" = 1 ]; then
        wasts=("$spec_dir"/*.wast)
    else
        wasts=()
        for n in $spec_sample; do [ -f "$spec_dir/$n.wast" ] && wasts+=("$spec_dir/$n.wast"); done
    fi
    for w in "${wasts[@]}"; do
        name="spec-$(basename "$w" .wast)"
        mkdir -p "$scratch/in/$name"
        if wast2json --enable-all -o "$scratch/in/$name/$name.json" "$w" >/dev/null 2>&1 ||
           wast2json -o "$scratch/in/$name/$name.json" "$w" >/dev/null 2>&1; then
            # Only the modules the script defines, not the malformed or
            # invalid ones (those fail in the front end, before any pass).
            grep -o '"type": "module", "line": [0-9]*, \("name": "[^"]*", \)\{0,1\}"filename": "[^"]*\.wasm"' \
                "$scratch/in/$name/$name.json" | sed 's/.*"filename": "\([^"]*\)"/\1/' |
                while read -r f; do echo "$scratch/in/$name/$f"; done >"$scratch/in/$name/list"
            while read -r f; do inputs+=("$f"); done <"$scratch/in/$name/list"
        else
            echo "artifacts-identical: wast2json failed on $(basename "$w") (skipped)" >&2
        fi
    done
else
    echo "artifacts-identical: spec suite or wast2json missing: spec modules skipped" >&2
fi
[ ${#inputs[@]} -gt 0 ] || { echo "artifacts-identical: no inputs" >&2; exit 2; }

# ---- compile and compare ----------------------------------------------------
mkdir -p "$scratch/base" "$scratch/work"
compared=0
differ=0
diffs=()
for f in "${inputs[@]}"; do
    rel="${f#"$scratch/in/"}"
    key="${rel//\//_}"
    for lvl in $levels; do
        for mode in guard bounds; do
            flags=("-O$lvl" -j1 "${extra[@]}")
            [ "$mode" = bounds ] && flags+=(--bounds-checks)
            tag="$key.O$lvl.$mode"
            rb=0; rw=0
            nice -n 10 "$base_wasmc" "${flags[@]}" "$f" -o "$scratch/base/$tag.so" 2>"$scratch/base/$tag.err" || rb=$?
            nice -n 10 "$work_wasmc" "${flags[@]}" "$f" -o "$scratch/work/$tag.so" 2>"$scratch/work/$tag.err" || rw=$?
            compared=$((compared + 1))
            why=""
            if [ $rb -ne $rw ]; then
                why="exit status $rb (base) vs $rw (working tree)"
            elif [ $rb -ne 0 ]; then
                cmp -s "$scratch/base/$tag.err" "$scratch/work/$tag.err" || why="different error lines"
            elif ! cmp -s "$scratch/base/$tag.so" "$scratch/work/$tag.so"; then
                why="artifacts differ ($(stat -c %s "$scratch/base/$tag.so") vs $(stat -c %s "$scratch/work/$tag.so") bytes)"
            fi
            if [ -n "$why" ]; then
                differ=$((differ + 1))
                diffs+=("$rel -O$lvl $mode: $why")
            fi
        done
    done
done

echo "artifacts-identical: base ${base_sha:0:12} vs working tree ($(git describe --always --dirty)), levels: $levels, flags: ${extra[*]:-(none)}"
echo "artifacts-identical: ${#inputs[@]} modules, $compared compiles per compiler"
if [ $differ -eq 0 ]; then
    echo "artifacts-identical: identical"
    exit 0
fi
printf '  %s\n' "${diffs[@]}"
echo "artifacts-identical: $differ of $compared differ"
exit 1
