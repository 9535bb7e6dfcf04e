#!/usr/bin/env python3
"""Benchmark harness for wasmc: builds the C programs in programs/ natively
and for wasm32-wasi, runs them under every available engine and reports
time ratios to native, compile time, output size, cold start, instantiation
and peak RSS.

Design notes:
- Engines are probed, never assumed: a missing tool or a failed compile makes
  that engine (or that engine for that program) "n/a" with the reason, and the
  rest of the run goes on.  The last line of output is always
  `geomean wasmc/native = X.XX` or `geomean wasmc/native = n/a (reason)`.
- Runs are interleaved (rep 1 of every program on every engine, then rep 2,
  ...) so slow drift in machine load spreads over all engines instead of
  biasing whichever ran last; the statistic is the median.  The machine is
  shared, so user+sys CPU time (from wait4) is recorded next to wall time and
  the load average is written into the report.
- A run only counts if it exited 0 and printed the same checksum line as the
  native build: a fast wrong answer is a failure, not a data point.
- Children are started with os.posix_spawn and reaped with os.wait4, which
  gives per-child rusage (CPU time, peak RSS) without a wrapper process.
"""

import argparse
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
PROG_DIR = os.path.join(HERE, 'programs')

# Tiny argv[1] sizes for --quick (CI smoke test); each program carries a
# reference checksum for this size and for its built-in full size.
QUICK_SIZES = {
    'crc32b64': 2, 'fannkuch': 7, 'jacobi': 64, 'json': 500, 'lzss': 100000,
    'mandelbrot': 200, 'matmul': 64, 'nbody': 10000, 'sha256': 2,
    'sieve': 1000000, 'sort': 20000, 'spectralnorm': 100, 'strsearch': 100000,
}

CLANG = 'clang-19'
WASI_SYSROOT_FLAGS = []  # Debian's clang finds /usr/lib/wasm32-wasi itself
WABT_RT_DIRS = ['/usr/share/wabt/wasm2c', '/usr/src/wasm2c']


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def first_line(text, limit=160):
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:limit]
    return '(no message)'


def run_capture(argv, timeout):
    """Runs argv, returns (rc, stdout, stderr, wall_s, cpu_s, maxrss_kb).

    rc is None on timeout (a timer thread kills the child's process group).
    The parent blocks in wait4, so the wall time has no polling slack, and
    output goes to temporary files so a chatty child can never block."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        try:
            pid = os.posix_spawnp(argv[0], argv, os.environ,
                                  file_actions=[(os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                                                (os.POSIX_SPAWN_DUP2, err.fileno(), 2)],
                                  setpgroup=0)
        except OSError as e:
            return (127, '', f'{argv[0]}: {e}', 0.0, 0.0, 0)
        expired = threading.Event()

        def kill():
            expired.set()
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, rusage = os.wait4(pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors='replace')
        stderr = err.read().decode(errors='replace')
        if expired.is_set():
            return (None, stdout, stderr, wall, 0.0, 0)
        rc = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
        return (rc, stdout, stderr, wall, rusage.ru_utime + rusage.ru_stime, rusage.ru_maxrss)


def timed_run(runone, argv, timeout):
    """Runs argv under the runone launcher; returns the same tuple as
    run_capture but with wall/CPU/RSS measured by runone around the child
    only (see runone.c for why)."""
    fd, resfile = tempfile.mkstemp(prefix='bench-', suffix='.res')
    os.close(fd)
    try:
        rc, stdout, stderr, wall, cpu, rss = run_capture([runone, resfile] + argv, timeout)
        if rc is None:
            return (None, stdout, stderr, wall, 0.0, 0)
        try:
            with open(resfile) as f:
                code, wall_ns, cpu_us, rss_kb = (int(x) for x in f.read().split())
        except (OSError, ValueError):
            return (rc if rc else 125, stdout, stderr + '\nrunone left no measurement', wall, cpu, 0)
        return (code, stdout, stderr, wall_ns / 1e9, cpu_us / 1e6, rss_kb)
    finally:
        os.unlink(resfile)


def checksum_line(stdout):
    """The program's verdict line ('<name> n=<size> checksum=... ok')."""
    for line in reversed(stdout.splitlines()):
        if re.match(r'^\S+ n=\d+ (checksum|result)=', line):
            return line
    return None


def verdict_key(line):
    # Compare engines on the value only; ok/unverified wording is the same
    # for all engines at a given size.
    m = re.match(r'^(\S+ n=\d+ (?:checksum|result)=\S+)', line or '')
    return m.group(1) if m else None


def median(xs):
    return statistics.median(xs) if xs else None


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def file_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def text_size(path):
    """Bytes of code+data the loader maps (Berkeley `size` text+data)."""
    if not shutil.which('size'):
        return None
    try:
        out = subprocess.run(['size', path], capture_output=True, text=True, timeout=30).stdout
        fields = out.splitlines()[1].split()
        return int(fields[0]) + int(fields[1])
    except (OSError, IndexError, ValueError, subprocess.SubprocessError):
        return None


class Engine:
    def __init__(self, name, label):
        self.name = name
        self.label = label
        self.unavailable = None     # reason the engine cannot run at all
        self.prog_error = {}        # program -> reason it cannot run there
        self.cmd = {}               # program -> argv prefix
        self.compile = {}           # program -> dict(wall, cpu, size, text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--quick', action='store_true', help='tiny sizes, 1 rep (smoke test)')
    ap.add_argument('--reps', type=int, default=None, help='repetitions per engine (default 5, --quick 1)')
    ap.add_argument('--only', default='', help='comma-separated program names to run')
    ap.add_argument('--engines', default='', help='comma-separated subset of: native,wasmc,wasmc-bc,wasm2c,node')
    ap.add_argument('--bin', default=os.path.join(ROOT, 'build', 'bin'), help='directory with wasmc and wasmrt')
    ap.add_argument('--base-bin', default='', help='directory with another wasmc and wasmrt (e.g. main\'s), '
                    'run side by side as engines base and base-bc')
    ap.add_argument('--out', default=os.path.join(ROOT, 'build', 'bench'), help='work and results directory')
    ap.add_argument('--cold-runs', type=int, default=None, help='runs per cold-start probe (default 200, --quick 20)')
    args = ap.parse_args()
    reps = args.reps if args.reps is not None else (1 if args.quick else 5)
    if reps < 1:
        ap.error('--reps must be at least 1')
    cold_runs = args.cold_runs if args.cold_runs is not None else (20 if args.quick else 200)
    timeout = 120 if args.quick else 600

    out = os.path.abspath(args.out)
    for sub in ('native', 'wasm', 'wasmc', 'wasm2c'):
        os.makedirs(os.path.join(out, sub), exist_ok=True)

    progs = sorted(f[:-2] for f in os.listdir(PROG_DIR) if f.endswith('.c'))
    if args.only:
        want = set(args.only.split(','))
        unknown = want - set(progs)
        if unknown:
            ap.error('unknown program(s): ' + ', '.join(sorted(unknown)))
        progs = [p for p in progs if p in want]
    all_engines = ['native', 'wasmc', 'wasmc-bc', 'base', 'base-bc', 'wasm2c', 'node']
    sel = args.engines.split(',') if args.engines else \
        [e for e in all_engines if args.base_bin or not e.startswith('base')]
    if any(e.startswith('base') for e in sel) and not args.base_bin:
        ap.error('engines base and base-bc need --base-bin')
    for e in sel:
        if e not in all_engines:
            ap.error('unknown engine: ' + e)
    if 'native' not in sel:
        sel = ['native'] + sel  # ratios need it

    labels = {'native': 'native (clang -O2)', 'wasmc': 'wasmc -O2 (guard pages)',
              'wasmc-bc': 'wasmc -O2 --bounds-checks', 'wasm2c': 'wasm2c + clang -O2',
              'base': f'{args.base_bin}/wasmc -O2 (guard pages)',
              'base-bc': f'{args.base_bin}/wasmc -O2 --bounds-checks',
              'node': 'node --no-liftoff --single-threaded'}
    engines = {e: Engine(e, labels[e]) for e in sel}
    machine = platform.machine()
    march = ['-march=x86-64-v2'] if machine == 'x86_64' else []
    size_args = {p: ([str(QUICK_SIZES[p])] if args.quick and p in QUICK_SIZES else []) for p in progs}

    if not shutil.which(CLANG):
        print(f'{CLANG} not found: cannot build the benchmarks')
        print('geomean wasmc/native = n/a (clang-19 not installed)')
        return 1

    runone = os.path.join(out, 'runone')
    r = run_capture([CLANG, '-O2', '-Wall', '-Wextra', '-o', runone, os.path.join(HERE, 'runone.c')], timeout)
    if r[0] != 0:
        print('cannot build the runone launcher: ' + first_line(r[2]))
        print('geomean wasmc/native = n/a (harness launcher failed to build)')
        return 1

    # ---- build: native and wasm32-wasi -------------------------------------
    wasm_ok = {}
    build_err = {}
    for p in progs + ['hello']:
        src = os.path.join(HERE, 'hello.c') if p == 'hello' else os.path.join(PROG_DIR, p + '.c')
        nat = os.path.join(out, 'native', p)
        r = run_capture([CLANG, '-O2', *march, '-std=c17', '-o', nat, src, '-lm'], timeout)
        if r[0] != 0:
            build_err[p] = 'native build failed: ' + first_line(r[2])
            continue
        wasm = os.path.join(out, 'wasm', p + '.wasm')
        r = run_capture([CLANG, '--target=wasm32-wasi', '-O2', *WASI_SYSROOT_FLAGS, '-std=c17', '-Wl,--strip-debug',
                         '-o', wasm, src, '-lm'], timeout)
        if r[0] != 0:
            build_err[p] = 'wasm32-wasi build failed: ' + first_line(r[2])
            continue
        wasm_ok[p] = wasm
        if p != 'hello':
            engines['native'].cmd[p] = [nat]
    for p, why in build_err.items():
        log(f'{p}: {why}')
    progs = [p for p in progs if p in wasm_ok]
    if not progs:
        print('no benchmark could be built')
        print('geomean wasmc/native = n/a (benchmarks failed to build)')
        return 1

    # ---- wasmc (guard pages and bounds checks) -----------------------------
    # The engines base and base-bc are the same with the compiler and
    # runtime of --base-bin: two builds measured side by side, interleaved.
    for e, extra, suffix, bindir in (('wasmc', [], '.so', args.bin),
                                     ('wasmc-bc', ['--bounds-checks'], '.bc.so', args.bin),
                                     ('base', [], '.base.so', args.base_bin),
                                     ('base-bc', ['--bounds-checks'], '.base.bc.so', args.base_bin)):
        if e not in engines:
            continue
        wasmc = os.path.join(bindir, 'wasmc')
        wasmrt = os.path.join(bindir, 'wasmrt')
        # Compile time is measured cold: a compile cache would answer from an
        # earlier run (older wasmc builds have no cache and no flag).
        no_cache = []
        if os.access(wasmc, os.X_OK):
            h = run_capture([wasmc, '--help'], timeout)
            if h[0] == 0 and '--no-cache' in (h[1] or ''):
                no_cache = ['--no-cache']
        eng = engines[e]
        if not (os.access(wasmc, os.X_OK) and os.access(wasmrt, os.X_OK)):
            eng.unavailable = f'not built ({wasmc} / {wasmrt} missing)'
            continue
        for p in progs + ['hello']:
            so = os.path.join(out, 'wasmc', p + suffix)
            r = run_capture([wasmc, '-O2', *no_cache, *extra, wasm_ok[p], '-o', so], timeout)
            if r[0] != 0:
                reason = 'timed out' if r[0] is None else first_line(r[2] or r[1])
                eng.prog_error[p] = f'compile failed: {reason}'
                continue
            eng.compile[p] = {'wall': r[3], 'cpu': r[4], 'size': file_size(so), 'text': text_size(so)}
            eng.cmd[p] = [wasmrt, so, '--']
        if all(p in eng.prog_error for p in progs):
            eng.unavailable = 'every compile failed, e.g. ' + eng.prog_error[progs[0]]

    # ---- wasm2c ------------------------------------------------------------
    if 'wasm2c' in engines:
        eng = engines['wasm2c']
        rtdir = next((d for d in WABT_RT_DIRS if os.path.exists(os.path.join(d, 'wasm-rt-impl.c'))), None)
        if not shutil.which('wasm2c'):
            eng.unavailable = 'wasm2c not installed (Debian package wabt)'
        elif rtdir is None:
            eng.unavailable = 'wabt runtime wasm-rt-impl.c not found in ' + ', '.join(WABT_RT_DIRS)
        else:
            # The runtime and WASI shim are shared by every program; only the
            # per-program translation + clang is charged as compile time.
            # The shim's #include "prog.h" is satisfied by a stub translation
            # of hello so that the shim object compiles once.
            wdir = os.path.join(out, 'wasm2c')
            rt_obj = os.path.join(wdir, 'wasm-rt-impl.o')
            r = run_capture([CLANG, '-O2', *march, '-w', '-I', rtdir, '-c',
                             os.path.join(rtdir, 'wasm-rt-impl.c'), '-o', rt_obj], timeout)
            if r[0] != 0:
                eng.unavailable = 'building wasm-rt-impl.c failed: ' + first_line(r[2])
            for p in ([] if eng.unavailable else progs + ['hello']):
                pdir = os.path.join(wdir, p)
                os.makedirs(pdir, exist_ok=True)
                csrc = os.path.join(pdir, 'prog.c')
                obj = os.path.join(pdir, 'prog.o')
                exe = os.path.join(pdir, p)
                r1 = run_capture(['wasm2c', wasm_ok[p], '-n', 'prog', '-o', csrc], timeout)
                if r1[0] != 0:
                    eng.prog_error[p] = 'wasm2c failed: ' + first_line(r1[2])
                    continue
                r2 = run_capture([CLANG, '-O2', *march, '-w', '-I', rtdir, '-c', csrc, '-o', obj], timeout)
                if r2[0] != 0:
                    eng.prog_error[p] = 'clang on wasm2c output failed: ' + first_line(r2[2])
                    continue
                shim_obj = os.path.join(pdir, 'wasi.o')
                r3 = run_capture([CLANG, '-O2', *march, '-Wall', '-Wextra', '-I', rtdir, '-I', pdir, '-c',
                                  os.path.join(HERE, 'wasm2c_wasi.c'), '-o', shim_obj], timeout)
                if r3[0] != 0:
                    eng.prog_error[p] = 'WASI shim failed to build: ' + first_line(r3[2])
                    continue
                r4 = run_capture([CLANG, '-o', exe, obj, shim_obj, rt_obj, '-lm'], timeout)
                if r4[0] != 0:
                    eng.prog_error[p] = 'link failed: ' + first_line(r4[2])
                    continue
                eng.compile[p] = {'wall': r1[3] + r2[3], 'cpu': r1[4] + r2[4],
                                  'size': file_size(obj), 'text': text_size(obj),
                                  'exe_size': file_size(exe)}
                eng.cmd[p] = [exe]
            if not eng.unavailable and all(p in eng.prog_error for p in progs):
                eng.unavailable = 'every build failed, e.g. ' + eng.prog_error[progs[0]]

    # ---- node --------------------------------------------------------------
    if 'node' in engines:
        eng = engines['node']
        node = shutil.which('node')
        if not node:
            eng.unavailable = 'node not installed'
        else:
            r = run_capture([node, '--version'], 30)
            ver = r[1].strip()
            m = re.match(r'v(\d+)', ver)
            if not m or int(m.group(1)) < 20:
                eng.unavailable = f'node {ver or "?"} lacks node:wasi preview1 (need >= 20)'
            else:
                # --single-threaded: node 20's V8 intermittently segfaults at
                # exit after large-memory Wasm runs when its background
                # threads are on (seen on sort/lzss/jacobi, ~50% of runs).
                # It also keeps node on one core like the other engines.
                eng.label = f'node {ver} --no-liftoff --single-threaded'
                for p in progs + ['hello']:
                    eng.cmd[p] = [node, '--no-warnings', '--no-liftoff', '--single-threaded',
                                  os.path.join(HERE, 'node_wasi.mjs'), wasm_ok[p]]

    for e in engines.values():
        if e.unavailable:
            log(f'{e.name}: not available ({e.unavailable})')
        for p, why in sorted(e.prog_error.items()):
            if not e.unavailable and p in progs:
                log(f'{e.name}: {p}: {why}')

    # ---- interleaved timed runs ---------------------------------------------
    load_before = os.getloadavg()
    runs = {(e, p): [] for e in engines for p in progs}   # list of (wall, cpu, rss)
    failure = {}                                            # (e, p) -> reason
    reference = {}                                          # p -> native verdict line
    runnable = [e for e in engines.values() if not e.unavailable]
    for rep in range(reps):
        log(f'rep {rep + 1}/{reps}')
        for p in progs:
            for e in runnable:
                if p not in e.cmd or (e.name, p) in failure:
                    continue
                if e.name != 'native' and p not in reference:
                    continue  # native itself failed: nothing to compare with
                r = timed_run(runone, e.cmd[p] + size_args[p], timeout)
                rc, stdout, stderr, wall, cpu, rss = r
                line = checksum_line(stdout)
                if rc is None:
                    failure[(e.name, p)] = f'timed out after {timeout} s'
                elif rc != 0:
                    failure[(e.name, p)] = f'exit {rc}: ' + first_line(stderr or stdout)
                elif line is None:
                    failure[(e.name, p)] = 'no checksum line in output'
                elif e.name == 'native':
                    reference.setdefault(p, line)
                elif line.endswith(' ok') and reference[p].endswith(' ok'):
                    pass  # both matched the program's own hard-coded reference
                elif verdict_key(line) != verdict_key(reference[p]):
                    failure[(e.name, p)] = f'WRONG ANSWER: {line!r} vs native {reference[p]!r}'
                if (e.name, p) in failure:
                    log(f'{e.name}: {p}: {failure[(e.name, p)]}')
                    runs[(e.name, p)] = []
                    continue
                runs[(e.name, p)].append((wall, cpu, rss))
    load_after = os.getloadavg()

    # ---- cold start ----------------------------------------------------------
    cold = {}
    if 'hello' in wasm_ok:
        probes = [('native', [os.path.join(out, 'native', 'hello')])]
        for name in ('wasmc', 'wasm2c', 'node'):
            e = engines.get(name)
            if e and not e.unavailable and 'hello' in e.cmd:
                probes.append((name, e.cmd['hello']))
            if name == 'wasmc' and e and not e.unavailable and 'hello' in e.cmd:
                # Same artifact without the sandbox's syscall filter and
                # Landlock, to show what the confinement costs at start-up
                # (only if this wasmrt has both switches).
                bare = [e.cmd['hello'][0], '--no-seccomp', '--no-landlock'] + e.cmd['hello'][1:]
                if run_capture(bare, 30)[0] == 0:
                    probes.append(('wasmc (--no-seccomp --no-landlock)', bare))
        samples = {n: [] for n, _ in probes}
        rss = {n: 0 for n, _ in probes}
        bad = set()
        # node is ~100x slower to start; fewer runs keep the probe short.
        for i in range(cold_runs):
            for n, argv in probes:
                if n in bad or (n == 'node' and i >= max(5, cold_runs // 10)):
                    continue
                rc, _, _, wall, _, mrss = timed_run(runone, argv, 60)
                if rc != 0:
                    bad.add(n)
                    continue
                samples[n].append(wall)
                rss[n] = max(rss[n], mrss)
        for n, _ in probes:
            if n in bad:
                cold[n] = None
            elif samples[n]:
                cold[n] = {'median_us': median(samples[n]) * 1e6, 'min_us': min(samples[n]) * 1e6,
                           'runs': len(samples[n]), 'rss_kb': rss[n]}

    # ---- instantiation --------------------------------------------------------
    # libwasmrt's per-request cost: wasmrt-bench-instantiate (built with the
    # project) times instantiate+free pairs of a small module in-process.
    inst = None
    inst_bin = os.path.join(args.bin, 'wasmrt-bench-instantiate')
    if os.path.exists(inst_bin):
        r = run_capture([inst_bin, '2000' if args.quick else '20000'], 120)
        m = re.search(r'median ([0-9.]+) us, min ([0-9.]+) us \((\d+) pairs\)', r[1]) if r[0] == 0 else None
        inst = {'median_us': float(m.group(1)), 'min_us': float(m.group(2)), 'pairs': int(m.group(3))} if m else \
            {'error': first_line(r[2] or r[1])}

    # ---- report --------------------------------------------------------------
    eng_names = [e for e in all_engines if e in engines]
    med = {}
    for (e, p), rs in runs.items():
        if rs:
            med[(e, p)] = {'wall': median([x[0] for x in rs]), 'cpu': median([x[1] for x in rs]),
                           'rss': max(x[2] for x in rs), 'n': len(rs)}

    def ratio(e, p, key='wall'):
        if (e, p) in med and ('native', p) in med and med[('native', p)][key] > 0:
            return med[(e, p)][key] / med[('native', p)][key]
        return None

    def cell(e, p):
        if engines[e].unavailable:
            return 'n/a'
        if (e, p) in failure:
            return 'WRONG' if failure[(e, p)].startswith('WRONG') else 'FAIL'
        if p in engines[e].prog_error:
            return 'FAIL'
        r = ratio(e, p)
        return f'{r:.2f}' if r is not None else 'n/a'

    L = []
    L.append('# wasmc benchmark results')
    L.append('')
    L.append(f'- date: {time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}')
    cpu_model = ''
    try:
        with open('/proc/cpuinfo') as f:
            cpu_model = next((l.split(':', 1)[1].strip() for l in f if l.startswith('model name')), '')
    except OSError:
        pass
    L.append(f'- machine: {platform.machine()}, {os.cpu_count()} CPUs, {cpu_model or "unknown CPU"}')
    L.append(f'- mode: {"quick (tiny sizes)" if args.quick else "full"}, {reps} rep(s), interleaved, median; '
             f'load average {load_before[0]:.1f} before, {load_after[0]:.1f} after')
    L.append(f'- native: `{CLANG} -O2 {" ".join(march)}`; wasm: `{CLANG} --target=wasm32-wasi -O2`')
    for e in eng_names:
        st = f'not available ({engines[e].unavailable})' if engines[e].unavailable else 'ok'
        L.append(f'- {e}: {engines[e].label}: {st}')
    L.append('')
    L.append('## Run time (wall-clock median; ratio to native, lower is better)')
    L.append('')
    hdr = ['program', 'check', 'native s'] + [e for e in eng_names if e != 'native']
    L.append('| ' + ' | '.join(hdr) + ' |')
    L.append('|' + '---|' * len(hdr))
    for p in progs:
        nat = med.get(('native', p))
        ref = reference.get(p, '')
        check = 'ok' if ref.endswith(' ok') else ('unverified' if 'unverified' in ref else 'n/a')
        row = [p + (f' ({size_args[p][0]})' if size_args[p] else ''), check,
               f'{nat["wall"]:.3f}' if nat else ('FAIL' if ('native', p) in failure else 'n/a')]
        row += [cell(e, p) for e in eng_names if e != 'native']
        L.append('| ' + ' | '.join(row) + ' |')
    gm = {}
    for key in ('wall', 'cpu'):
        row = [f'**geomean ({key})**', '', '']
        for e in eng_names:
            if e == 'native':
                continue
            rs = [ratio(e, p, key) for p in progs]
            ok = [r for r in rs if r is not None]
            g = geomean(ok)
            if key == 'wall':
                gm[e] = (g, len(ok))
            row.append('n/a' if g is None else (f'{g:.2f}' + ('' if len(ok) == len(progs) else f' ({len(ok)}/{len(progs)})')))
        L.append('| ' + ' | '.join(row) + ' |')
    L.append('')
    L.append('"check": the native run matched the checksum hard-coded in the program (every other engine must '
             'print the same verdict line or it is marked WRONG). ')
    L.append('Ratios use wall time; the CPU-time geomean (user+sys of the child) is less sensitive to other '
             'load on a shared machine. node times include V8 start-up and TurboFan compilation of the module.')
    fails = [(e, p, why) for (e, p), why in sorted(failure.items())]
    fails += [(e.name, p, why) for e in engines.values() if not e.unavailable
              for p, why in sorted(e.prog_error.items()) if p in progs]
    if fails:
        L.append('')
        L.append('Failures:')
        for e, p, why in fails:
            L.append(f'- {e} / {p}: {why}')

    L.append('')
    L.append('## Compile time and output size (per program)')
    L.append('')
    L.append('wasmc: `wasmc -O2` wall (CPU, all threads) and the .so size; wasm2c: `wasm2c` + `clang -O2 -c` '
             'of its output (wall, CPU) and the object size (the shared wasm-rt runtime and WASI shim are '
             'excluded). "code" is text+data as reported by `size`.')
    L.append('')
    L.append('| program | .wasm bytes | wasmc s (cpu) | wasmc .so bytes (code) | wasm2c+clang s (cpu) | wasm2c .o bytes (code) |')
    L.append('|---|---|---|---|---|---|')
    tot = {'wc': 0.0, 'w2': 0.0, 'wcs': 0, 'w2s': 0, 'nwc': 0, 'nw2': 0}
    for p in progs:
        c1 = engines['wasmc'].compile.get(p) if 'wasmc' in engines else None
        c2 = engines['wasm2c'].compile.get(p) if 'wasm2c' in engines else None
        a = f'{c1["wall"]:.2f} ({c1["cpu"]:.2f})' if c1 else 'n/a'
        b = f'{c1["size"]} ({c1["text"]})' if c1 else 'n/a'
        c = f'{c2["wall"]:.2f} ({c2["cpu"]:.2f})' if c2 else 'n/a'
        d = f'{c2["size"]} ({c2["text"]})' if c2 else 'n/a'
        if c1:
            tot['wc'] += c1['wall']; tot['wcs'] += c1['size']; tot['nwc'] += 1
        if c2:
            tot['w2'] += c2['wall']; tot['w2s'] += c2['size']; tot['nw2'] += 1
        L.append(f'| {p} | {file_size(wasm_ok[p])} | {a} | {b} | {c} | {d} |')
    L.append(f'| **total** | | {tot["wc"]:.2f} ({tot["nwc"]} progs) | {tot["wcs"]} | '
             f'{tot["w2"]:.2f} ({tot["nw2"]} progs) | {tot["w2s"]} |')

    L.append('')
    L.append('## Cold start (hello world, spawn to exit, median)')
    L.append('')
    if cold:
        L.append('| engine | median us | min us | runs | peak RSS KB |')
        L.append('|---|---|---|---|---|')
        for n, c in cold.items():
            if c is None:
                L.append(f'| {n} | FAIL | | | |')
            else:
                L.append(f'| {n} | {c["median_us"]:.0f} | {c["min_us"]:.0f} | {c["runs"]} | {c["rss_kb"]} |')
        if cold.get('wasmc') and cold.get('native'):
            L.append('')
            L.append(f'wasmrt hello.so costs {cold["wasmc"]["median_us"] - cold["native"]["median_us"]:.0f} us '
                     f'more than a native hello process ({cold["wasmc"]["median_us"] / cold["native"]["median_us"]:.2f}x).')
    else:
        L.append('n/a (hello did not build)')

    L.append('')
    L.append('## Instantiation (small module through libwasmrt, in-process)')
    L.append('')
    if inst is None:
        L.append('n/a (wasmrt-bench-instantiate is not built)')
    elif 'error' in inst:
        L.append(f'FAIL: {inst["error"]}')
    else:
        L.append(f'instantiate + free: median {inst["median_us"]:.2f} us, min {inst["min_us"]:.2f} us '
                 f'({inst["pairs"]} pairs; a memory with a data segment, a table with an element segment, '
                 f'a global, an import).')

    L.append('')
    L.append('## Peak RSS (MiB, max over reps)')
    L.append('')
    L.append('| ' + ' | '.join(['program'] + eng_names) + ' |')
    L.append('|' + '---|' * (len(eng_names) + 1))
    for p in progs:
        row = [p] + [f'{med[(e, p)]["rss"] / 1024:.1f}' if (e, p) in med else 'n/a' for e in eng_names]
        L.append('| ' + ' | '.join(row) + ' |')

    report = '\n'.join(L) + '\n'
    with open(os.path.join(out, 'results.md'), 'w') as f:
        f.write(report)
    with open(os.path.join(out, 'results.json'), 'w') as f:
        json.dump({'quick': args.quick, 'reps': reps, 'programs': progs,
                   'engines': {e: {'label': engines[e].label, 'unavailable': engines[e].unavailable,
                                   'prog_error': engines[e].prog_error, 'compile': engines[e].compile}
                               for e in eng_names},
                   'runs': {f'{e}/{p}': rs for (e, p), rs in runs.items()},
                   'failures': {f'{e}/{p}': why for (e, p), why in failure.items()},
                   'cold_start': cold, 'instantiation': inst, 'load': [load_before, load_after]}, f, indent=1)
    print(report)
    print(f'(written to {os.path.join(out, "results.md")})')

    # The contract: the very last line.
    w = engines.get('wasmc')
    if w is None:
        print('geomean wasmc/native = n/a (wasmc engine not selected)')
    elif w.unavailable:
        print(f'geomean wasmc/native = n/a (wasmc: {w.unavailable})')
    else:
        g, n = gm.get('wasmc', (None, 0))
        if g is None:
            print('geomean wasmc/native = n/a (no program ran correctly under wasmc)')
        elif n == len(progs):
            print(f'geomean wasmc/native = {g:.2f}')
        else:
            bad = [p for p in progs if ratio('wasmc', p) is None]
            print(f'geomean wasmc/native = {g:.2f} (over {n}/{len(progs)} programs; failed: {", ".join(bad)})')
    correct = all(not why.startswith('WRONG') for why in failure.values())
    return 0 if correct else 1


if __name__ == '__main__':
    sys.exit(main())
