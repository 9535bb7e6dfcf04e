#!/usr/bin/env python3
"""Cold start of WASI commands under wasmrt, whole processes, side by side:

  js component   wasmrt hello_js.so            (hello.js, componentize-js)
  c component    wasmrt hello.component.so     (hello.c + jco's preview1 adapter)
  c preview1     wasmrt hello.so               (hello.c, a core module)
  native         ./hello                       (hello.c, clang -O2)

and, where this user may set the immutable attribute (root, or
CAP_LINUX_IMMUTABLE), the JS component and the C preview1 module installed
immutable (chattr +i; copies made for the run and removed after it):
wasmrt then maps them in place instead of copying them into a sealed
memfd (rt/load.c).  Artifacts of 1 MiB or more are
hashed once and their verdict kept (rt/verified_cache.c, in wasmrt's
default cache directory); a warm-up run per probe, untimed, records it.

Each probe is spawned by the runone launcher (fork/exec/wait4, see runone.c),
spawn to exit, stdout to a file; the probes are interleaved (run i of every
probe, then run i+1) so drifting load on a shared machine spreads over all of
them; the statistic is the median, with min and p90 beside it.  wasmrt runs
with its defaults (seccomp and Landlock on).  Every run must exit 0 and print
"hello", or the probe is reported failed.

Artifacts are built once into OUT (default build/bench/cold) and reused while
their inputs are unchanged: componentize-js costs ~40 s of CPU and compiling
the 12 MB JavaScript component costs minutes at -O2, so --js-opt picks the
level (default -O1).  Prints a Markdown table; also writes OUT/cold_start.md
and OUT/cold_start.json.

usage: tools/bench/cold_start.py [--reps N] [--js-opt -O1] [--bin build/bin]
                                [--baseline-wasmrt OLD/wasmrt]
"""

import argparse
import atexit
import hashlib
import json
import os
import shutil
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, HERE)
from harness import CLANG, first_line, run_capture, timed_run  # noqa: E402

NPM = os.path.join(ROOT, 'tools', 'npm', 'node_modules')
WIT_DEPS = os.path.join(NPM, '@bytecodealliance', 'jco', 'lib', 'wit', 'builtin', '0.2.12')


def digest(*parts):
    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, str) and os.path.isfile(p):
            with open(p, 'rb') as f:
                h.update(f.read())
        else:
            h.update(str(p).encode())
    return h.hexdigest()[:16]


def cached(out, name, key, build):
    """OUT/name-key, made by build(tmp_path) unless it exists; older keys of
    name are removed.  Returns the path, or raises SystemExit with why."""
    path = os.path.join(out, f'{name}-{key}')
    if os.path.exists(path):
        return path
    for f in os.listdir(out):
        if f.startswith(name + '-'):
            os.unlink(os.path.join(out, f))
    tmp = path + '.tmp'
    build(tmp)
    os.replace(tmp, path)
    return path


PINNED = []


def unpin_all():
    """Immutable files cannot be removed, even by their owner: the copies
    exist only for the run, so `rm -rf build` keeps working."""
    for p in PINNED:
        run_capture(['chattr', '-i', p], 60)
        if os.path.exists(p):
            os.unlink(p)


def pinned(path):
    """A copy PATH.pinned with the immutable attribute for this run, or
    None when this user cannot set it."""
    p = path + '.pinned'
    if os.path.exists(p):
        run_capture(['chattr', '-i', p], 60)
        os.unlink(p)
    shutil.copyfile(path, p)
    if run_capture(['chattr', '+i', p], 60)[0] != 0:
        os.unlink(p)
        return None
    PINNED.append(p)
    return p


def must(argv, what, timeout=3600):
    r = run_capture(argv, timeout)
    if r[0] != 0:
        sys.exit(f'cold_start: {what} failed: {first_line(r[2] or r[1])}')
    return r


def build_all(args, out):
    wasmc = os.path.join(args.bin, 'wasmc')
    wasmc_key = digest(wasmc)
    hello_c = os.path.join(HERE, 'hello.c')
    arts = {}
    arts['runone'] = cached(out, 'runone', digest(os.path.join(HERE, 'runone.c')), lambda t: must(
        [CLANG, '-O2', '-o', t, os.path.join(HERE, 'runone.c')], 'building runone'))
    arts['native'] = cached(out, 'hello', digest(hello_c, 'native'), lambda t: must(
        [CLANG, '-O2', '-o', t, hello_c], 'clang (native hello)'))
    wasm = cached(out, 'hello.wasm', digest(hello_c, 'wasm'), lambda t: must(
        [CLANG, '--target=wasm32-wasi', '-O2', '-o', t, hello_c], 'clang --target=wasm32-wasi'))
    arts['c preview1'] = cached(out, 'hello.so', digest(wasm, wasmc_key, args.c_opt), lambda t: must(
        [wasmc, args.c_opt, wasm, '-o', t], 'wasmc (preview1 hello)'))
    jco = os.path.join(NPM, '.bin', 'jco')
    cjs = os.path.join(NPM, '.bin', 'componentize-js')
    if os.access(jco, os.X_OK):
        comp = cached(out, 'hello.component.wasm', digest(wasm, 'jco-new'), lambda t: must(
            [jco, 'new', wasm, '--wasi-command', '-o', t], 'jco new --wasi-command'))
        arts['c component'] = cached(out, 'hello.component.so', digest(comp, wasmc_key, args.c_opt),
                                     lambda t: must([wasmc, args.c_opt, comp, '-o', t],
                                                    'wasmc (C component)'))
    else:
        print(f'c component: n/a (jco not installed: {jco})', file=sys.stderr)
    if os.access(cjs, os.X_OK) and os.path.isdir(WIT_DEPS):
        js, wit = os.path.join(HERE, 'hello.js'), os.path.join(HERE, 'hello_js.wit')

        def componentize(t):
            wdir = os.path.join(out, 'hello_js_wit')
            shutil.rmtree(wdir, ignore_errors=True)
            os.makedirs(os.path.join(wdir, 'deps'))
            shutil.copy(wit, os.path.join(wdir, 'world.wit'))
            for p in ('cli', 'clocks', 'filesystem', 'io', 'random', 'sockets'):
                shutil.copytree(os.path.join(WIT_DEPS, 'wasi-' + p), os.path.join(wdir, 'deps', p))
            must([cjs, '--wit', wdir, '-n', 'hello', '-o', t, js], 'componentize-js')
        jsw = cached(out, 'hello_js.wasm', digest(js, wit, os.path.join(
            NPM, '@bytecodealliance', 'componentize-js', 'package.json')), componentize)
        arts['js component'] = cached(out, 'hello_js.so', digest(jsw, wasmc_key, args.js_opt),
                                      lambda t: must([wasmc, args.js_opt, jsw, '-o', t],
                                                     f'wasmc {args.js_opt} (JS component)'))
    else:
        print('js component: n/a (componentize-js or jco\'s WIT not installed)', file=sys.stderr)
    return arts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--bin', default=os.path.join(ROOT, 'build', 'bin'))
    ap.add_argument('--out', default=os.path.join(ROOT, 'build', 'bench', 'cold'))
    ap.add_argument('--reps', type=int, default=41)
    ap.add_argument('--js-opt', default='-O1', choices=['-O0', '-O1', '-O2', '-O3'])
    ap.add_argument('--c-opt', default='-O2', choices=['-O0', '-O1', '-O2', '-O3'])
    ap.add_argument('--baseline-wasmrt', metavar='PATH',
                    help='also run each wasmrt probe with this (older) wasmrt, interleaved, for before/after')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    arts = build_all(args, args.out)
    wasmrt = os.path.join(args.bin, 'wasmrt')
    probes = [('native', [arts['native']])]
    probes.append(('c preview1', [wasmrt, arts['c preview1']]))
    if 'c component' in arts:
        probes.append(('c component', [wasmrt, arts['c component']]))
    if 'js component' in arts:
        # componentize-js imports wasi:http, which a command never calls
        probes.append(('js component', [wasmrt, '--trap-unknown-imports', arts['js component']]))
    atexit.register(unpin_all)
    for n in ('c preview1', 'js component'):
        p = pinned(arts[n]) if n in arts else None
        if p:
            extra = ['--trap-unknown-imports'] if n == 'js component' else []
            probes.append((n + ' (chattr +i)', [wasmrt] + extra + [p]))

    if args.baseline_wasmrt:
        for n, argv in list(probes):
            if argv[0] == wasmrt and '(chattr' not in n:
                probes.append((n + ' [baseline]', [args.baseline_wasmrt] + argv[1:]))

    # Warm-up: page cache, and the verdicts of large artifacts (kept once a
    # file's ctime is 2 s old).
    newest = max(os.stat(argv[-1]).st_ctime for _, argv in probes)
    if time.time() - newest < 2.5:
        time.sleep(2.5 - (time.time() - newest))
    for n, argv in probes:
        timed_run(arts['runone'], argv, 120)

    load_before = os.getloadavg()
    samples = {n: [] for n, _ in probes}
    rss = {n: 0 for n, _ in probes}
    failed = {}
    for _ in range(args.reps):
        for n, argv in probes:
            if n in failed:
                continue
            rc, stdout, stderr, wall, cpu, mrss = timed_run(arts['runone'], argv, 120)
            if rc != 0 or stdout != 'hello\n':
                failed[n] = f'exit {rc}: {first_line(stderr or stdout)}'
                continue
            samples[n].append((wall, cpu))
            rss[n] = max(rss[n], mrss)
    load_after = os.getloadavg()

    res = {}
    for n, _ in probes:
        if n in failed:
            res[n] = {'failed': failed[n]}
            continue
        w = sorted(s[0] for s in samples[n])
        c = [s[1] for s in samples[n]]
        res[n] = {'median_ms': statistics.median(w) * 1e3, 'min_ms': w[0] * 1e3,
                  'p90_ms': w[min(len(w) - 1, int(0.9 * len(w)))] * 1e3,
                  'cpu_median_ms': statistics.median(c) * 1e3, 'runs': len(w), 'rss_kb': rss[n]}
    sizes = {n: os.path.getsize(argv[-1]) for n, argv in probes}
    base = res.get('c preview1', {}).get('median_ms')

    L = ['# Cold start: wasmrt on WASI commands (spawn to exit)', '',
         f'{args.reps} interleaved runs each; load average {load_before[0]:.2f} before, '
         f'{load_after[0]:.2f} after (2 cores, shared). wasmrt defaults: seccomp and Landlock on. '
         f'C at wasmc {args.c_opt}, the JavaScript component at wasmc {args.js_opt}.', '',
         '| probe | median ms | min ms | p90 ms | CPU median ms | vs C preview1 | peak RSS MiB | artifact MiB |',
         '|---|---|---|---|---|---|---|---|']
    for n, _ in probes:
        r = res[n]
        if 'failed' in r:
            L.append(f'| {n} | FAILED: {r["failed"]} | | | | | | |')
            continue
        ratio = f'{r["median_ms"] / base:.2f}x' if base else 'n/a'
        L.append(f'| {n} | {r["median_ms"]:.2f} | {r["min_ms"]:.2f} | {r["p90_ms"]:.2f} | '
                 f'{r["cpu_median_ms"]:.2f} | {ratio} | {r["rss_kb"] / 1024:.1f} | {sizes[n] / 2**20:.2f} |')
    text = '\n'.join(L) + '\n'
    print(text, end='')
    with open(os.path.join(args.out, 'cold_start.md'), 'w') as f:
        f.write(text)
    with open(os.path.join(args.out, 'cold_start.json'), 'w') as f:
        json.dump({'reps': args.reps, 'load_before': load_before, 'load_after': load_after,
                   'js_opt': args.js_opt, 'c_opt': args.c_opt, 'results': res, 'sizes': sizes}, f, indent=1)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
