/* WASI 0.2 wasi:filesystem over the preview1 sandbox's confinement:
 * descriptors, streams over files, directory streams across many calls,
 * flags as rights, and escapes (.., absolute paths, symlinks out) refused
 * with not-permitted — through openat2 and through the component walk. */
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi2_harness.h"

static void setup(void) { h_setup(0, 1, 2, NULL); }
static void teardown(void) {
    wasi_path_force_walk = false;
    h_teardown();
}

enum { OF_CREATE = 1, OF_DIRECTORY = 2, OF_EXCLUSIVE = 4, OF_TRUNCATE = 8 };

static cval open_at(uint32_t dir, const char *path, uint32_t pflags, uint32_t of, uint32_t df) {
    return CALL(FS, "[method]descriptor.open-at", B(dir), F(pflags), S(path), F(of), F(df));
}
static uint32_t open_ok(uint32_t dir, const char *path, uint32_t of, uint32_t df) {
    cval r = open_at(dir, path, 1, of, df);
    return OK(&r)->of.handle;
}
static uint32_t open_err(uint32_t dir, const char *path, uint32_t pflags, uint32_t of, uint32_t df) {
    cval r = open_at(dir, path, pflags, of, df);
    return ERRC(&r);
}

static void host(const char *fmt, const char *arg) {
    char cmd[1200], p[1000];
    snprintf(p, sizeof p, fmt, arg);
    snprintf(cmd, sizeof cmd, "cd %s && %s", h_root, p);
    cr_assert(system(cmd) == 0, "%s", cmd);
}

Test(wasi2_fs, files_through_descriptors_and_streams, .init = setup, .fini = teardown) {
    uint32_t box = preopen();
    cval t = CALL(FS, "[method]descriptor.get-type", B(box));
    cr_expect_eq(OK(&t)->of.variant.case_, DT2_DIR);
    uint32_t f = open_ok(box, "file", 0, DF_READ);
    cval rd = CALL(FS, "[method]descriptor.read", B(f), U64(100), U64(1));
    cval *tup = OK(&rd);
    cr_expect_str_eq(bytes_str(&tup->of.list.items[0]), "ello");
    cr_expect(tup->of.list.items[1].of.b);  /* end of file */
    /* no write flag: writes are refused */
    cval w0 = CALL(FS, "[method]descriptor.write", B(f), BYTES("x", 1), U64(0));
    cr_expect_eq(ERRC(&w0), FS_BAD_DESCRIPTOR);
    /* a new file, written through a stream, read back through another */
    uint32_t g = open_ok(box, "new.txt", OF_CREATE | OF_EXCLUSIVE, DF_READ | DF_WRITE);
    cval ws = CALL(FS, "[method]descriptor.write-via-stream", B(g), U64(0));
    uint32_t out = OK(&ws)->of.handle;
    cval cw = CALL(IO, "[method]output-stream.check-write", B(out));
    cr_assert_geq(OK(&cw)->of.u, 5);
    cval wr = CALL(IO, "[method]output-stream.write", B(out), BYTES("world", 5));
    cr_assert(is_ok(&wr));
    cval as = CALL(FS, "[method]descriptor.append-via-stream", B(g));
    uint32_t app = OK(&as)->of.handle;
    cval wa = CALL(IO, "[method]output-stream.blocking-write-and-flush", B(app), BYTES("!!", 2));
    cr_assert(is_ok(&wa));
    cval rs = CALL(FS, "[method]descriptor.read-via-stream", B(g), U64(1));
    uint32_t in = OK(&rs)->of.handle;
    cval r1 = CALL(IO, "[method]input-stream.blocking-read", B(in), U64(100));
    cr_expect_str_eq(bytes_str(OK(&r1)), "orld!!");
    cval r2 = CALL(IO, "[method]input-stream.read", B(in), U64(100));
    cr_expect_eq(STREAM_ERR(&r2), 1);
    cval st = CALL(FS, "[method]descriptor.stat", B(g));
    cval *s = OK(&st);
    cr_expect_eq(s->of.list.items[0].of.variant.case_, DT2_FILE);
    cr_expect_eq(s->of.list.items[2].of.u, 7);
    cval sz = CALL(FS, "[method]descriptor.set-size", B(g), U64(2));
    cr_expect(is_ok(&sz));
    cval sa = CALL(FS, "[method]descriptor.stat-at", B(box), F(0), S("new.txt"));
    cr_expect_eq(OK(&sa)->of.list.items[2].of.u, 2);
    /* is-same-object and metadata hashes agree for two descriptors of a file */
    uint32_t g2 = open_ok(box, "new.txt", 0, DF_READ);
    cval same = CALL(FS, "[method]descriptor.is-same-object", B(g), B(g2));
    cr_expect(same.of.b);
    cval other = CALL(FS, "[method]descriptor.is-same-object", B(g), B(f));
    cr_expect(!other.of.b);
    cval h1 = CALL(FS, "[method]descriptor.metadata-hash", B(g));
    cval h2 = CALL(FS, "[method]descriptor.metadata-hash-at", B(box), F(0), S("new.txt"));
    cr_expect_eq(OK(&h1)->of.list.items[0].of.u, OK(&h2)->of.list.items[0].of.u);
    cr_expect_eq(OK(&h1)->of.list.items[1].of.u, OK(&h2)->of.list.items[1].of.u);
    cval h3 = CALL(FS, "[method]descriptor.metadata-hash", B(f));
    cr_expect_neq(OK(&h1)->of.list.items[0].of.u, OK(&h3)->of.list.items[0].of.u);
}

Test(wasi2_fs, directory_stream_across_many_calls, .init = setup, .fini = teardown) {
    host("cd box && for i in $(seq 1 300); do : > f$i; done; ln -s file lnk", "");
    uint32_t box = preopen();
    cval rd = CALL(FS, "[method]descriptor.read-directory", B(box));
    uint32_t ds = OK(&rd)->of.handle;
    /* a second stream interleaved with the first does not disturb it */
    cval rd2 = CALL(FS, "[method]descriptor.read-directory", B(box));
    uint32_t ds2 = OK(&rd2)->of.handle;
    static bool seen[301];
    int files = 0, dirs = 0, links = 0, other = 0, calls = 0;
    for (;; calls++) {
        cr_assert_lt(calls, 1000);
        cval e = CALL(FS, "[method]directory-entry-stream.read-directory-entry", B(ds));
        cval *o = OK(&e);
        if (calls % 7 == 0) {
            cval e2 = CALL(FS, "[method]directory-entry-stream.read-directory-entry", B(ds2));
            cr_assert(is_ok(&e2));
        }
        if (o->of.variant.case_ == 0) break;
        cval *ent = o->of.variant.payload;
        const char *name = ent->of.list.items[1].of.str.ptr;
        uint32_t type = ent->of.list.items[0].of.variant.case_;
        cr_expect(strcmp(name, ".") && strcmp(name, ".."), "%s", name);
        int i;
        if (sscanf(name, "f%d", &i) == 1 && i >= 1 && i <= 300) {
            cr_expect(!seen[i], "f%d twice", i);
            seen[i] = true;
            cr_expect_eq(type, DT2_FILE);
            files++;
        } else if (!strcmp(name, "sub")) {
            cr_expect_eq(type, DT2_DIR);
            dirs++;
        } else if (!strcmp(name, "lnk")) {
            cr_expect_eq(type, DT2_SYMLINK);
            links++;
        } else {
            other++;
        }
    }
    cr_expect_eq(files, 300);
    cr_expect_eq(dirs, 1);
    cr_expect_eq(links, 1);
    cr_expect_eq(other, 1);  /* "file" */
    cr_expect_eq(calls, 303);
    /* the end stays the end */
    cval e = CALL(FS, "[method]directory-entry-stream.read-directory-entry", B(ds));
    cr_expect_eq(OK(&e)->of.variant.case_, 0);
    /* files are no directories */
    uint32_t f = open_ok(box, "file", 0, DF_READ);
    cval nd = CALL(FS, "[method]descriptor.read-directory", B(f));
    cr_expect_eq(ERRC(&nd), FS_NOT_DIRECTORY);
}

static void escapes(void) {
    host("ln -s ../outside/secret box/out && ln -s /etc/passwd box/abs && "
         "ln -s ../outside box/outdir && ln -s sub/../file box/fine", "");
    uint32_t box = preopen();
    cr_expect_eq(open_err(box, "../outside/secret", 1, 0, DF_READ), FS_NOT_PERMITTED);
    cr_expect_eq(open_err(box, "sub/../../outside/secret", 1, 0, DF_READ), FS_NOT_PERMITTED);
    cr_expect_eq(open_err(box, "/etc/passwd", 1, 0, DF_READ), FS_NOT_PERMITTED);
    cr_expect_eq(open_err(box, "out", 1, 0, DF_READ), FS_NOT_PERMITTED);
    cr_expect_eq(open_err(box, "abs", 1, 0, DF_READ), FS_NOT_PERMITTED);
    cr_expect_eq(open_err(box, "outdir/secret", 1, 0, DF_READ), FS_NOT_PERMITTED);
    /* creating through a link that points out is refused too */
    cr_expect_eq(open_err(box, "outdir/planted", 1, OF_CREATE, DF_WRITE), FS_NOT_PERMITTED);
    struct stat st;
    char p[200];
    snprintf(p, sizeof p, "%s/outside/planted", h_root);
    cr_expect(stat(p, &st) != 0);
    /* links that stay inside work */
    uint32_t f = open_ok(box, "fine", 0, DF_READ);
    cval rd = CALL(FS, "[method]descriptor.read", B(f), U64(5), U64(0));
    cr_expect_str_eq(bytes_str(&OK(&rd)->of.list.items[0]), "hello");
    /* stat-at, path calls and symlink targets */
    cval s = CALL(FS, "[method]descriptor.stat-at", B(box), F(1), S("out"));
    cr_expect_eq(ERRC(&s), FS_NOT_PERMITTED);
    cval s2 = CALL(FS, "[method]descriptor.stat-at", B(box), F(0), S("out"));
    cr_expect_eq(OK(&s2)->of.list.items[0].of.variant.case_, DT2_SYMLINK);
    cval u = CALL(FS, "[method]descriptor.unlink-file-at", B(box), S("../outside/secret"));
    cr_expect_eq(ERRC(&u), FS_NOT_PERMITTED);
    cval m = CALL(FS, "[method]descriptor.create-directory-at", B(box), S("/tmp/x"));
    cr_expect_eq(ERRC(&m), FS_NOT_PERMITTED);
    cval rn = CALL(FS, "[method]descriptor.rename-at", B(box), S("file"), B(box), S("../stolen"));
    cr_expect_eq(ERRC(&rn), FS_NOT_PERMITTED);
    cval sl = CALL(FS, "[method]descriptor.symlink-at", B(box), S("/etc/passwd"), S("mine"));
    cr_expect_eq(ERRC(&sl), FS_NOT_PERMITTED);
    cval rl = CALL(FS, "[method]descriptor.readlink-at", B(box), S("abs"));
    cr_expect_eq(ERRC(&rl), FS_NOT_PERMITTED);
    cval rl2 = CALL(FS, "[method]descriptor.readlink-at", B(box), S("out"));
    cr_expect_str_eq(OK(&rl2)->of.str.ptr, "../outside/secret");
    cval ln = CALL(FS, "[method]descriptor.link-at", B(box), F(1), S("file"), B(box), S("hard"));
    cr_expect_eq(ERRC(&ln), FS_INVALID);
    cval nul = CALL(FS, "[method]descriptor.open-at", B(box), F(0), w2_string("fi\0le", 5), F(0), F(DF_READ));
    cr_expect_eq(ERRC(&nul), FS_ILLEGAL_BYTE_SEQUENCE);
    snprintf(p, sizeof p, "%s/outside/secret", h_root);
    cr_expect_eq(stat(p, &st), 0);
}

Test(wasi2_fs, escapes_refused_openat2, .init = setup, .fini = teardown) { escapes(); }
Test(wasi2_fs, escapes_refused_walk, .init = setup, .fini = teardown) {
    wasi_path_force_walk = true;
    escapes();
}

Test(wasi2_fs, flags_are_the_rights, .init = setup, .fini = teardown) {
    uint32_t box = preopen();
    cval fl = CALL(FS, "[method]descriptor.get-flags", B(box));
    cr_expect_eq(OK(&fl)->of.flags, DF_READ | DF_MUTATE);
    /* a directory opened without mutate-directory cannot change its children */
    uint32_t sub = open_ok(box, "sub", OF_DIRECTORY, DF_READ);
    cval mk = CALL(FS, "[method]descriptor.create-directory-at", B(sub), S("d"));
    cr_expect_eq(ERRC(&mk), FS_READ_ONLY);
    cr_expect_eq(open_err(sub, "x", 0, OF_CREATE, DF_WRITE), FS_READ_ONLY);
    cr_expect_eq(open_err(sub, "x", 0, 0, DF_MUTATE), FS_READ_ONLY);
    /* ... with it, it can */
    uint32_t subm = open_ok(box, "sub", OF_DIRECTORY, DF_READ | DF_MUTATE);
    cval mk2 = CALL(FS, "[method]descriptor.create-directory-at", B(subm), S("d"));
    cr_expect(is_ok(&mk2));
    cval mk3 = CALL(FS, "[method]descriptor.create-directory-at", B(subm), S("d"));
    cr_expect_eq(ERRC(&mk3), FS_EXIST);
    /* directories are not written */
    cr_expect_eq(open_err(box, "sub", 0, OF_DIRECTORY, DF_READ | DF_WRITE), FS_IS_DIRECTORY);
    cr_expect_eq(open_err(box, "sub", 0, 0, DF_WRITE), FS_IS_DIRECTORY);
    cr_expect_eq(open_err(box, "file", 0, OF_DIRECTORY, DF_READ), FS_NOT_DIRECTORY);
    cr_expect_eq(open_err(box, "missing", 0, 0, DF_READ), FS_NO_ENTRY);
    cr_expect_eq(open_err(box, "file", 0, OF_CREATE | OF_EXCLUSIVE, DF_WRITE), FS_EXIST);
    /* remove, rename, unlink */
    cval rmd = CALL(FS, "[method]descriptor.remove-directory-at", B(box), S("sub"));
    cr_expect_eq(ERRC(&rmd), FS_NOT_EMPTY);
    cval rmd2 = CALL(FS, "[method]descriptor.remove-directory-at", B(box), S("sub/d"));
    cr_expect(is_ok(&rmd2));
    cval rn = CALL(FS, "[method]descriptor.rename-at", B(box), S("file"), B(subm), S("moved"));
    cr_expect(is_ok(&rn));
    cval ul = CALL(FS, "[method]descriptor.unlink-file-at", B(box), S("sub"));
    cr_expect_eq(ERRC(&ul), FS_IS_DIRECTORY);
    cval ul2 = CALL(FS, "[method]descriptor.unlink-file-at", B(box), S("sub/moved"));
    cr_expect(is_ok(&ul2));
    /* set-times with a timestamp */
    uint32_t n = open_ok(box, "t", OF_CREATE, DF_WRITE);
    cval dt = w2_record(2, U64(1000000), w2_u32(5));
    cval ts = w2_variant(2, &dt), keep = w2_variant(0, NULL);
    cval st = CALL(FS, "[method]descriptor.set-times", B(n), keep, ts);
    cr_expect(is_ok(&st));
    cval s = CALL(FS, "[method]descriptor.stat", B(n));
    cval *mt = &OK(&s)->of.list.items[4];
    cr_assert_eq(mt->of.variant.case_, 1);
    cr_expect_eq(mt->of.variant.payload->of.list.items[0].of.u, 1000000);
    cr_expect_eq(mt->of.variant.payload->of.list.items[1].of.u, 5);
}

Test(wasi2_fs, descriptors_count_against_the_sandbox_limit, .init = setup, .fini = teardown) {
    uint32_t box = preopen();
    h_sb->max_fds = 16;
    int opened = 0;
    for (int i = 0; i < 64; i++) {
        cval r = open_at(box, "file", 0, 0, DF_READ);
        if (!is_ok(&r)) {
            cr_expect_eq(ERRC(&r), FS_INSUFFICIENT_MEMORY);
            break;
        }
        opened++;
    }
    cr_expect_lt(opened, 16);
}

/* A FIFO in the sandbox has no offsets: its streams read and write the fd
 * (pread/pwrite would fail with ESPIPE) and push back when it is full. */
Test(wasi2_fs, fifo_streams_read_write_and_push_back, .init = setup, .fini = teardown) {
    host("mkfifo box/fifo", "");
    char path[200];
    snprintf(path, sizeof path, "%s/box/fifo", h_root);
    /* the host holds both ends, so the guest's opens do not wait for a peer */
    int peer = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    cr_assert_geq(peer, 0);
    uint32_t box = preopen();
    uint32_t wfd = open_ok(box, "fifo", 0, DF_WRITE);
    cval t = CALL(FS, "[method]descriptor.get-type", B(wfd));
    cr_expect_eq(OK(&t)->of.variant.case_, DT2_FIFO);
    cval ws = CALL(FS, "[method]descriptor.write-via-stream", B(wfd), U64(0));
    uint32_t out = OK(&ws)->of.handle;
    cval w1 = CALL(IO, "[method]output-stream.blocking-write-and-flush", B(out), BYTES("hello", 5));
    cr_assert(is_ok(&w1));
    char buf[65536];
    cr_expect_eq(read(peer, buf, sizeof buf), 5);
    cr_expect(!memcmp(buf, "hello", 5));
    /* nobody reads: check-write falls to 0 (bounded), and the pollable waits */
    static uint8_t chunk[65536];
    uint64_t total = 0;
    int rounds = 0;
    for (; rounds < 64; rounds++) {
        cval cw = CALL(IO, "[method]output-stream.check-write", B(out));
        uint64_t n = OK(&cw)->of.u;
        if (n == 0) break;
        cval w = CALL(IO, "[method]output-stream.write", B(out), BYTES(chunk, n));
        cr_assert(is_ok(&w));
        total += n;
    }
    cr_assert_lt(rounds, 64, "check-write never pushed back on a full FIFO");
    cval p = CALL(IO, "[method]output-stream.subscribe", B(out));
    cval rdy = CALL(POLL, "[method]pollable.ready", B(p.of.handle));
    cr_expect(!rdy.of.b);
    uint64_t got = 0;
    for (int i = 0; i < 100000; i++) {
        cval f = CALL(IO, "[method]output-stream.flush", B(out));
        cr_assert(is_ok(&f));
        ssize_t n = read(peer, buf, sizeof buf);
        if (n > 0) got += (uint64_t)n;
        else if (CALL(POLL, "[method]pollable.ready", B(p.of.handle)).of.b) break;
    }
    cr_expect_eq(got, total, "every byte arrives once the reader drains the FIFO");
    /* reading: the bytes the peer writes, through read-via-stream */
    uint32_t rfd = open_ok(box, "fifo", 0, DF_READ);
    cval rs = CALL(FS, "[method]descriptor.read-via-stream", B(rfd), U64(0));
    uint32_t in = OK(&rs)->of.handle;
    cval r0 = CALL(IO, "[method]input-stream.read", B(in), U64(16));
    cr_expect_eq(OK(&r0)->of.list.len, 0, "nothing written yet: an empty read, not a wait");
    cr_assert_eq(write(peer, "back", 4), 4);
    cval r1 = CALL(IO, "[method]input-stream.blocking-read", B(in), U64(16));
    cr_expect_str_eq(bytes_str(OK(&r1)), "back");
    close(peer);
}
