#!/usr/bin/env python3
"""wasmrt serve with a JavaScript handler beside a C-like one: hello.js is
made a wasi:http/proxy component by componentize-js (StarlingMonkey,
~13 MB), compiled by wasmc at -O0 (the engine is large: the lowest level
keeps CI time down), and served with the WAT hello handler on another route
of the same server; each answers several requests, each in a fresh
instance (StarlingMonkey needs one per request).  The component and its
artifact are cached in WORK_DIR/../serve-js-cache by content (the source,
and the wasmc binary), so a rebuild that changed neither skips ~90 s of CPU.

usage: run_serve_js_test.py BIN_DIR SRC_DIR WORK_DIR    (exit 77: skipped)
"""
import atexit
import hashlib
import http.client
import os
import shutil
import signal
import subprocess
import sys
import time

bin_dir, src_dir, work = sys.argv[1:4]
npm = os.path.abspath(os.path.join(src_dir, "../../tools/npm/node_modules"))
jco = os.environ.get("JCO", os.path.join(npm, ".bin/jco"))
# jco ships the wasi 0.2.12 WIT; StarlingMonkey in componentize-js 0.23
# exports wasi:http/incoming-handler@0.2.10, so the copy is relabelled.
wit_deps = os.path.join(npm, "@bytecodealliance/jco/lib/wit/builtin/0.2.12")
shim = os.path.join(npm, "@bytecodealliance/preview2-shim")
wasmc, wasmrt = os.path.join(bin_dir, "wasmc"), os.path.join(bin_dir, "wasmrt")
# componentize-js imports preview2-shim at run time (a lock without it as a
# direct dependency leaves it out)
for need in (jco, os.path.join(npm, "@bytecodealliance/componentize-js"), wit_deps, shim):
    if not os.path.exists(need):
        print(f"SKIP: {need} not installed (tools/install-deps.sh)")
        sys.exit(77)
if subprocess.run([wasmrt, "serve", "--help"], capture_output=True).returncode != 0:
    print("SKIP: wasmrt built without libmicrohttpd (no serve)")
    sys.exit(77)

shutil.rmtree(work, ignore_errors=True)
os.makedirs(os.path.join(work, "wit"))
os.symlink(npm, os.path.join(work, "node_modules"))
shutil.copytree(wit_deps, os.path.join(work, "wit/deps"))
for root, _, files in os.walk(os.path.join(work, "wit/deps")):
    for name in files:
        p = os.path.join(root, name)
        with open(p) as f:
            text = f.read()
        with open(p, "w") as f:
            f.write(text.replace("@0.2.12", "@0.2.10"))
with open(os.path.join(work, "wit/world.wit"), "w") as f:
    f.write("package local:hello;\n\nworld hello {\n  include wasi:http/proxy@0.2.10;\n}\n")


def digest(*paths):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]


cache = os.path.join(os.path.dirname(os.path.abspath(work)), "serve-js-cache")
os.makedirs(cache, exist_ok=True)
key = digest(os.path.join(src_dir, "hello.js"), os.path.join(src_dir, "componentize.mjs"),
             os.path.join(npm, "@bytecodealliance/componentize-js/package.json"))
js_wasm = os.path.join(cache, f"hello_js-{key}.wasm")
js_so = os.path.join(cache, f"hello_js-{key}-{digest(wasmc)}.so")
t0 = time.time()
if not os.path.exists(js_wasm):
    # ES modules resolve packages from the importing file's folder: run a
    # copy beside the node_modules link
    shutil.copy(os.path.join(src_dir, "componentize.mjs"), work)
    subprocess.run(["node", "componentize.mjs", os.path.join(src_dir, "hello.js"), "wit", "hello", js_wasm + ".tmp"],
                   cwd=work, check=True)
    os.replace(js_wasm + ".tmp", js_wasm)
t1 = time.time()
if not os.path.exists(js_so):
    subprocess.run([wasmc, "-O0", js_wasm, "-o", js_so + ".tmp"], check=True)
    os.replace(js_so + ".tmp", js_so)
t2 = time.time()
subprocess.run([jco, "parse", os.path.join(src_dir, "hello_handler.wat"), "-o", os.path.join(work, "c.wasm")], check=True)
subprocess.run([wasmc, "-O1", os.path.join(work, "c.wasm"), "-o", os.path.join(work, "c.so")], check=True)
print(f"componentize {t1 - t0:.0f}s, wasmc -O0 {t2 - t1:.0f}s")

port_file, err_path = os.path.join(work, "port"), os.path.join(work, "stderr")
err = open(err_path, "w")
srv = subprocess.Popen([wasmrt, "serve", "--addr", "127.0.0.1:0", "--port-file", port_file, "--timeout", "30",
                        "--route", "/js=" + js_so,
                        "--route", "/c=" + os.path.join(work, "c.so")], stdout=subprocess.DEVNULL, stderr=err)
atexit.register(lambda: srv.poll() is None and (srv.kill(), srv.wait()))
for _ in range(600):
    if srv.poll() is not None or (os.path.exists(port_file) and open(port_file).read().strip()):
        break
    time.sleep(0.05)
if srv.poll() is not None:
    print("FAIL: server did not start:", open(err_path).read())
    sys.exit(1)
port = int(open(port_file).read())

failures = []
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
for i in range(4):
    for prefix, want in (("/js", b"hello from js: /js/%d\n"), ("/c", b"hello from wasmc: /c/%d\n")):
        conn.request("GET", f"{prefix}/{i}")
        r = conn.getresponse()
        body = r.read()
        if r.status != 200 or body != want % i or r.getheader("content-type") != "text/plain":
            failures.append(f"{prefix}/{i}: {r.status} {body!r} {r.getheaders()}")
conn.request("GET", "/elsewhere")
r = conn.getresponse()
r.read()
if r.status != 404:
    failures.append(f"a path no route claims: {r.status}, expected 404")
srv.send_signal(signal.SIGTERM)
code = srv.wait(timeout=30)
err.close()
if code != 0:
    failures.append(f"SIGTERM: exit status {code}")
for f in failures:
    print("FAIL:", f)
if failures:
    print(open(err_path).read())
    sys.exit(1)
print("PASS serve_js (8 requests, JS and C side by side, 404 outside the routes)")
