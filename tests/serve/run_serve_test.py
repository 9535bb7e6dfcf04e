#!/usr/bin/env python3
"""wasmrt serve end to end: a wasi:http handler written in component WAT
(hello_handler.wat) is turned into a binary (jco parse), compiled (wasmc),
and served on a free loopback port, beside the C one (hello_handler.c);
requests check status, headers and bodies, trailers both ways, traps and
timeouts (500, logged, the server stays up), malformed and oversized
requests (4xx, no instance), slow clients (--read-timeout: closed, no
instance), the metrics page, the access log, routes, --stream (the response
leaves as written, the body reaches the guest as it arrives), and shutdown
on SIGTERM.

usage: run_serve_test.py BIN_DIR SRC_DIR WORK_DIR    (exit 77: skipped)
"""
import atexit
import concurrent.futures
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

bin_dir, src_dir, work = sys.argv[1:4]
jco = os.environ.get("JCO", os.path.join(src_dir, "../../tools/npm/node_modules/.bin/jco"))
wasmc, wasmrt = os.path.join(bin_dir, "wasmc"), os.path.join(bin_dir, "wasmrt")
if not os.access(jco, os.X_OK):
    print(f"SKIP: jco not installed ({jco})")
    sys.exit(77)
if subprocess.run([wasmrt, "serve", "--help"], capture_output=True).returncode != 0:
    print("SKIP: wasmrt built without libmicrohttpd (no serve)")
    sys.exit(77)

shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def build(name, wat):
    wasm, so = os.path.join(work, name + ".wasm"), os.path.join(work, name + ".so")
    subprocess.run([jco, "parse", wat, "-o", wasm], check=True)
    subprocess.run([wasmc, "-O1", wasm, "-o", so], check=True)
    return so


hello = build("hello", os.path.join(src_dir, "hello_handler.wat"))


# The C handler (hello_handler.c): clang --target=wasm32, no libc, made a
# component by c_component.mjs.  Without clang's wasm32 target it is left
# out (said so), the rest still runs.
def build_c():
    core, wasm, so = (os.path.join(work, n) for n in ("hello_c.core.wasm", "hello_c.wasm", "hello_c.so"))
    r = subprocess.run(["clang", "--target=wasm32", "-O2", "-nostdlib", "-Wl,--no-entry", "-o", core,
                        os.path.join(src_dir, "hello_handler.c")], capture_output=True, text=True)
    if r.returncode != 0:
        print("SKIP the C handler: clang cannot target wasm32:", r.stderr.strip()[:200])
        return None
    npm = os.path.abspath(os.path.join(src_dir, "../../tools/npm/node_modules"))
    subprocess.run(["node", os.path.join(src_dir, "c_component.mjs"), npm, core, wasm], check=True)
    subprocess.run([wasmc, "-O1", wasm, "-o", so], check=True)
    return so


try:
    hello_c = build_c()
except FileNotFoundError:
    print("SKIP the C handler: no clang")
    hello_c = None
command = build("command", os.path.join(src_dir, "../wasi/components/tcp_create.wat"))

# A component that is no wasi:http/proxy is refused at start, with a reason.
r = subprocess.run([wasmrt, "serve", "--addr", "127.0.0.1:0", command], capture_output=True, text=True, timeout=30)
check(r.returncode == 1 and "exports no wasi:http/incoming-handler" in r.stderr,
      f"non-proxy component refused (status {r.returncode}, stderr {r.stderr!r})")

# --trusted-keys: an unsigned artifact is refused before it is mapped; a
# signed one serves.
keys = os.path.join(work, "keys")
os.makedirs(keys)
subprocess.run([wasmc, "--keygen", os.path.join(keys, "k")], check=True, capture_output=True)
r = subprocess.run([wasmrt, "serve", "--addr", "127.0.0.1:0", "--trusted-keys", keys, hello], capture_output=True,
                   text=True, timeout=30)
check(r.returncode == 1 and "artifact is not signed" in r.stderr, f"unsigned refused: {r.returncode} {r.stderr!r}")
signed = os.path.join(work, "signed.so")
subprocess.run([wasmc, "-O1", "--sign", os.path.join(keys, "k.key"), os.path.join(work, "hello.wasm"), "-o", signed],
               check=True)
sp = os.path.join(work, "signed.port")
p = subprocess.Popen([wasmrt, "serve", "--addr", "127.0.0.1:0", "--port-file", sp, "--trusted-keys", keys, signed],
                     stderr=subprocess.PIPE, text=True)
for _ in range(300):
    if p.poll() is not None or (os.path.exists(sp) and open(sp).read().strip()):
        break
    time.sleep(0.05)
if p.poll() is None:
    c = http.client.HTTPConnection("127.0.0.1", int(open(sp).read()), timeout=10)
    c.request("GET", "/s")
    resp = c.getresponse()
    check(resp.status == 200 and resp.read() == b"hello from wasmc: /s\n", "signed artifact serves")
    p.send_signal(signal.SIGTERM)
check(p.wait(timeout=15) == 0, f"signed server: {p.stderr.read()}")

port_file, log_file = os.path.join(work, "port"), os.path.join(work, "access.log")
err_path = os.path.join(work, "stderr")
err = open(err_path, "w")
srv = None


def stop_server():
    if srv and srv.poll() is None:
        srv.kill()
        srv.wait()


atexit.register(stop_server)
srv = subprocess.Popen([wasmrt, "serve", "--addr", "127.0.0.1:0", "--port-file", port_file, "--workers", "2",
                        "--timeout", "1", "--read-timeout", "1", "--metrics", "/metrics", "--access-log", log_file,
                        "--max-body-bytes", "65536", "--max-header-bytes", "8192",
                        "--route", "/r=" + hello] + (["--route", "/c=" + hello_c] if hello_c else []) + [hello],
                       stdout=subprocess.DEVNULL, stderr=err)
for _ in range(300):
    if os.path.exists(port_file) and open(port_file).read().strip():
        break
    if srv.poll() is not None:
        break
    time.sleep(0.05)
if srv.poll() is not None or not os.path.exists(port_file):
    print("FAIL: server did not start:", open(err_path).read())
    sys.exit(1)
port = int(open(port_file).read())


def request(method, path, body=None, headers=None, conn=None, chunked=False):
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
    r = c.getresponse()
    data = r.read()
    if not conn:
        c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def raw(data):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(data)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out:
                break
    except socket.timeout:
        pass
    s.close()
    return out.split(b"\r\n", 1)[0]


# The server runs sandboxed as `wasmrt run` does: a seccomp filter on every
# thread (status "Seccomp: 2", filter mode) and, where the kernel has
# Landlock, a ruleset (reported on the start line; it is not visible in /proc).
def proc_status(pid):
    out = {}
    for ln in open(f"/proc/{pid}/status"):
        k, _, v = ln.partition(":")
        out[k] = v.strip()
    return out


def kernel_has_landlock():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    nr = 444  # landlock_create_ruleset, the same number on x86-64 and aarch64
    return libc.syscall(nr, None, ctypes.c_size_t(0), ctypes.c_uint32(1)) >= 2


status = proc_status(srv.pid)
check(status.get("Seccomp") == "2", f"served process has a seccomp filter: {status.get('Seccomp')}")
check(status.get("NoNewPrivs") == "1", "served process has no_new_privs")
for task in os.listdir(f"/proc/{srv.pid}/task"):
    ts = proc_status(f"{srv.pid}/task/{task}")
    check(ts.get("Seccomp") == "2", f"thread {task} ({ts.get('Name')}) filtered too: {ts.get('Seccomp')}")
start_line = open(err_path).read()
expect_sandbox = "sandbox: seccomp + landlock" if kernel_has_landlock() else "sandbox: seccomp only"
check(expect_sandbox in start_line, f"start line reports '{expect_sandbox}': {start_line!r}")

# hello, twice on one keep-alive connection
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
for _ in range(2):
    st, hd, body = request("GET", "/hi?x=1", conn=conn)
    check(st == 200 and body == b"hello from wasmc: /hi?x=1\n", f"hello: {st} {body!r}")
    check(hd.get("content-type") == "text/plain", f"content-type header: {hd}")
    check(hd.get("x-forbidden") == "connection", f"fields.append refuses 'connection' as forbidden: {hd}")
conn.close()

st, _, body = request("POST", "/echo", body=b"ping \x00\xff body" * 100)
check(st == 200 and body == b"ping \x00\xff body" * 100, f"echo: {st} {len(body)} bytes")
st, _, body = request("GET", "/headers", headers={"X-Test": "one"})
check(st == 200 and body == b"one\n", f"request headers reach the guest: {st} {body!r}")
st, _, body = request("POST", "/echo", body=iter([b"x" * 500, b"y" * 500]), chunked=True)
check(st == 200 and body == b"x" * 500 + b"y" * 500, f"chunked body echoed: {st} {len(body)} bytes")


def raw_all(data):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(data)
    out = b""
    while not out.endswith(b"\r\n\r\n") or b"\r\n0\r\n" not in out:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    return out


# trailers both ways: a chunked request body's trailers reach the guest
# (future-trailers), which sends them back after its chunked response body
out = raw_all(b"POST /trailers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTE: trailers\r\n\r\n"
              b"5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\nX-Other: z\r\n\r\n")
head, _, rest = out.partition(b"\r\n\r\n")
check(head.startswith(b"HTTP/1.1 200") and b"Transfer-Encoding: chunked" in head,
      f"a response with trailers goes chunked: {head!r}")


def dechunk(data):
    body = b""
    while True:
        size, _, data = data.partition(b"\r\n")
        n = int(size, 16)
        if n == 0:
            return body, data
        body, data = body + data[:n], data[n + 2:]


body, trailers = dechunk(rest)
check(body == b"hello world" and trailers == b"x-sum: 42\r\nx-other: z\r\n\r\n",
      f"request trailers come back as response trailers: {rest!r}")
st, hd, body = request("POST", "/trailers", body=b"abc")
check(st == 200 and body == b"abc" and "transfer-encoding" not in hd, f"no trailers, no chunking: {st} {hd} {body!r}")
st, _, _ = request("GET", "/teapot")
check(st == 418, f"set-status-code 418: {st}")
st, _, body = request("GET", "/r/sub")
check(st == 200 and body == b"hello from wasmc: /r/sub\n", f"--route /r: {st} {body!r}")
if hello_c:
    st, hd, body = request("GET", "/c/x?y=1")
    check(st == 200 and body == b"hello from C: /c/x?y=1\n" and hd.get("content-type") == "text/plain",
          f"the C handler on --route /c: {st} {hd} {body!r}")

# traps, timeouts and no response: 500, logged, the server stays up
st, _, _ = request("GET", "/trap")
check(st == 500, f"trap -> 500: {st}")
t0 = time.time()
st, _, _ = request("GET", "/loop")
check(st == 500 and time.time() - t0 < 8, f"--timeout 1 -> 500 in {time.time() - t0:.1f}s: {st}")
st, _, _ = request("GET", "/noresp")
check(st == 500, f"no response set -> 500: {st}")
st, _, body = request("GET", "/")
check(st == 200 and body == b"hello from wasmc: /\n", f"server up after traps: {st}")

# malformed and oversized requests: 4xx from the server, no instance
before = request("GET", "/metrics")[2].decode()
line = raw(b"GARBAGE\r\n\r\n")
check(line == b"" or line.startswith(b"HTTP/1.1 400"), f"garbage request line -> 400 or closed: {line!r}")
check(raw(b"GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n").startswith(b"HTTP/1.1 400"),
      "header line without a colon -> 400")
line = raw(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
check(line.startswith(b"HTTP/1.1 431") or line.startswith(b"HTTP/1.1 414"), f"oversized header -> {line!r}")
st, _, _ = request("POST", "/echo", body=b"x" * 100000)
check(st == 413, f"body over --max-body-bytes (Content-Length) -> {st}")
st, _, _ = request("POST", "/echo", body=iter([b"x" * 50000, b"y" * 50000]), chunked=True)
check(st == 413, f"chunked body over --max-body-bytes -> {st}")
after = request("GET", "/metrics")[2].decode()


def metric(page, name):
    for ln in page.splitlines():
        if ln.startswith(name + " "):
            return float(ln.split()[1])
    return None


check(metric(after, "wasmrt_serve_instances_total") == metric(before, "wasmrt_serve_instances_total"),
      "malformed and oversized requests cost no instance")


# Slow clients (slowloris): headers, or a body, dribbled a few bytes at a
# time, each well within --idle-timeout, never completing: --read-timeout 1
# closes the connection after about a second, and no instance is made.
def dribble(first, more):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(first)
    t0 = time.time()
    try:
        while time.time() - t0 < 6:
            s.sendall(more)
            s.settimeout(0.25)
            try:
                if s.recv(4096) == b"":
                    break   # closed by the server
            except socket.timeout:
                pass
    except (BrokenPipeError, ConnectionResetError):
        pass
    s.close()
    return time.time() - t0


slow_before = request("GET", "/metrics")[2].decode()
took = dribble(b"GET /slow HTTP/1.1\r\nHost: x\r\n", b"X-A: b\r\n")
check(0.9 < took < 3, f"--read-timeout 1: a client dribbling headers is closed after {took:.1f}s")
took = dribble(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", b"x")
check(0.9 < took < 3, f"--read-timeout 1: a client dribbling a body is closed after {took:.1f}s")
slow_after = request("GET", "/metrics")[2].decode()
check(metric(slow_after, "wasmrt_serve_instances_total") == metric(slow_before, "wasmrt_serve_instances_total"),
      "slow clients cost no instance")
check(metric(slow_after, "wasmrt_serve_read_timeouts_total") == 2,
      f"read_timeouts_total 2: {metric(slow_after, 'wasmrt_serve_read_timeouts_total')}")
# a keep-alive connection's next request gets its own second: the clock
# restarts when a response ends, and does not run while the guest runs
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
for path in ("/a", "/b"):
    st, _, body = request("GET", path, conn=conn)
    check(st == 200 and body == f"hello from wasmc: {path}\n".encode(), f"keep-alive after a pause: {st} {body!r}")
    time.sleep(0.6)
conn.close()

# under concurrency, every tenth request traps: every other answer is right
def one(i):
    path = "/trap" if i % 10 == 0 else f"/n{i}"
    st, _, body = request("GET", path)
    return i, st, body


with concurrent.futures.ThreadPoolExecutor(8) as ex:
    results = list(ex.map(one, range(200)))
bad = [(i, st, b) for i, st, b in results
       if (i % 10 == 0 and st != 500) or (i % 10 and (st != 200 or b != f"hello from wasmc: /n{i}\n".encode()))]
check(not bad, f"200 concurrent requests, every tenth trapping: {len(bad)} wrong, e.g. {bad[:3]}")

page = request("GET", "/metrics")[2].decode()
check(metric(page, "wasmrt_serve_traps_total") == 22, f"traps_total 22 (1 + timeout + 20): {metric(page, 'wasmrt_serve_traps_total')}")
check(metric(page, "wasmrt_serve_timeouts_total") == 1, "timeouts_total 1")
check(metric(page, "wasmrt_serve_live_instances") == 0, "no live instance between requests")
check(metric(page, "wasmrt_serve_read_timeouts_total") == 2,
      f"only the two slow clients were cut off: {metric(page, 'wasmrt_serve_read_timeouts_total')}")
check('wasmrt_serve_latency_seconds_bucket{le="+Inf"}' in page, "latency histogram")

srv.send_signal(signal.SIGTERM)
try:
    code = srv.wait(timeout=15)
except subprocess.TimeoutExpired:
    srv.kill()
    code = None
err.close()
stderr = open(err_path).read()
check(code == 0, f"SIGTERM: exit status {code}")
check("stopped after" in stderr, "SIGTERM: drained and stopped")
check("500 GET /trap: trap: unreachable" in stderr, "trap log line names the trap")
check("500 GET /loop: trap: interrupted" in stderr, "timeout log line")
check("without setting a response" in stderr, "no-response log line")
log = open(log_file).read()
check('"GET /hi?x=1 HTTP/1.1" 200 26' in log, "access log line")

# --stream: the guest runs on a thread of its own from the moment the
# headers are in.  Its response goes out as it writes it: /stream writes
# "first", sleeps a second, writes "second".  Its request body reaches it as
# it arrives: the instance is live while the body is still coming.
sp_file = os.path.join(work, "stream.port")
sp_err = open(os.path.join(work, "stream.stderr"), "w")
ss = subprocess.Popen([wasmrt, "serve", "--stream", "--addr", "127.0.0.1:0", "--port-file", sp_file, "--timeout", "5",
                       "--read-timeout", "2", "--max-body-bytes", "65536",
                       "--metrics", "/metrics", hello], stderr=sp_err)
for _ in range(300):
    if ss.poll() is not None or (os.path.exists(sp_file) and open(sp_file).read().strip()):
        break
    time.sleep(0.05)
if ss.poll() is None:
    sport = int(open(sp_file).read())
    s = socket.create_connection(("127.0.0.1", sport), timeout=10)
    t0 = time.time()
    s.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    out, first = b"", None
    while not out.endswith(b"\r\n0\r\n\r\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
        if first is None and b"first" in out:
            first = time.time() - t0
    total = time.time() - t0
    s.close()
    check(first is not None and first < 0.6 and total >= 0.9,
          f"--stream: the first write arrives before the guest's 1 s sleep ends: {first} s, all {total:.2f} s")
    check(dechunk(out.partition(b"\r\n\r\n")[2])[0] == b"first\nsecond\n", f"--stream body: {out!r}")

    def smetric(name):
        c = http.client.HTTPConnection("127.0.0.1", sport, timeout=10)
        c.request("GET", "/metrics")
        v = metric(c.getresponse().read().decode(), name)
        c.close()
        return v

    s = socket.create_connection(("127.0.0.1", sport), timeout=10)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
    live = 0
    for _ in range(100):
        live = smetric("wasmrt_serve_live_instances")
        if live == 1:
            break
        time.sleep(0.05)
    check(live == 1, f"--stream: the guest runs while its request body is still arriving (live {live})")
    s.sendall(b"6\r\n world\r\n0\r\n\r\n")
    out = b""
    while not out.endswith(b"\r\n0\r\n\r\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    check(dechunk(out.partition(b"\r\n\r\n")[2])[0] == b"hello world", f"--stream echo: {out!r}")
    port_saved, port = port, sport
    out = raw_all(b"POST /trailers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTE: trailers\r\n\r\n"
                  b"5\r\nhello\r\n0\r\nX-Sum: 42\r\n\r\n")
    body, trailers = dechunk(out.partition(b"\r\n\r\n")[2])
    check(body == b"hello" and trailers == b"x-sum: 42\r\n\r\n", f"--stream trailers both ways, once: {out!r}")
    st, _, _ = request("POST", "/echo", body=iter([b"x" * 50000, b"y" * 50000]), chunked=True)
    check(st == 413, f"--stream: chunked body over --max-body-bytes -> {st}")
    port = port_saved
    for path, want in (("/hi", 200), ("/trap", 500), ("/noresp", 500)):
        c = http.client.HTTPConnection("127.0.0.1", sport, timeout=10)
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        check(r.status == want, f"--stream {path}: {r.status}, expected {want}")
        c.close()
    # a body that stalls: --read-timeout still cuts it off, and the guest
    # waiting for it sees its reads fail and ends
    port_saved, port = port, sport
    took = dribble(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", b"x")
    port = port_saved
    check(1.9 < took < 4, f"--stream --read-timeout 2: a dribbled body is cut off after {took:.1f}s")
    live = None
    for _ in range(100):
        live = smetric("wasmrt_serve_live_instances")
        if live == 0:
            break
        time.sleep(0.05)
    check(live == 0, f"--stream: no live instance afterwards ({live})")
    ss.send_signal(signal.SIGTERM)
check(ss.wait(timeout=15) == 0, "--stream server: started, and stopped on SIGTERM")
sp_err.close()

# --no-seccomp and --no-landlock, as in wasmrt run
np = os.path.join(work, "nosandbox.port")
p = subprocess.Popen([wasmrt, "serve", "--addr", "127.0.0.1:0", "--port-file", np, "--no-seccomp", "--no-landlock",
                      hello], stderr=subprocess.PIPE, text=True)
for _ in range(300):
    if p.poll() is not None or (os.path.exists(np) and open(np).read().strip()):
        break
    time.sleep(0.05)
if p.poll() is None:
    time.sleep(0.2)
    check(proc_status(p.pid).get("Seccomp") == "0", "--no-seccomp: no filter")
    p.send_signal(signal.SIGTERM)
p_code = p.wait(timeout=15)
p_err = p.stderr.read()
check(p_code == 0 and "sandbox: none" in p_err, f"--no-seccomp --no-landlock server: {p_code} {p_err!r}")

if failures:
    print(stderr)
    sys.exit(1)
print(f"PASS serve ({len(results) + 20} requests)")
