/* Compile-cost and artifact-size reports (see time_report.h). */
#define _GNU_SOURCE
#include "time_report.h"

#include <llvm-c/Support.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lower/lower_module.h"

#define TOP 12

bool time_report_begin(char *buf, size_t size) {
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    if (snprintf(buf, size, "%s/wasmc-passes-XXXXXX", tmp) >= (int)size) return false;
    int fd = mkstemp(buf);
    if (fd < 0) return false;
    close(fd);
    static char opt[4200];
    snprintf(opt, sizeof opt, "-info-output-file=%s", buf);
    const char *argv[] = {"wasmc", "-time-passes", opt};
    LLVMParseCommandLineOptions(3, argv, "wasmc");
    return true;
}

static uint64_t part_wasm_bytes(const Module *m, const CodegenPart *p) {
    uint64_t n = 0;
    for (uint32_t d = p->first; d < p->last; d++) {
        const Func *f = &m->funcs[m->num_imported_funcs + d];
        n += f->body_end - f->body_offset;
    }
    return n;
}

typedef struct Ranked {
    double key;
    uint32_t index;
} Ranked;

static int by_key_desc(const void *a, const void *b) {
    const Ranked *x = a, *y = b;
    if (x->key != y->key) return x->key > y->key ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void print_part(FILE *out, const Module *m, const CodegenPart *p, const CodegenPartStats *s) {
    char name[200];
    if (p->metadata && p->last == p->first) {
        snprintf(name, sizeof name, "(descriptor, trampolines, data)");
    } else {
        lower_func_symbol(m, m->num_imported_funcs + s->biggest_func, name, sizeof name);
    }
    fprintf(out, "wasmc:   %8.3f s opt %8.3f s codegen  %6u fn %8llu B wasm %8llu IR%s  %s", s->optimize,
            s->codegen, p->last - p->first, (unsigned long long)part_wasm_bytes(m, p),
            (unsigned long long)s->ir_insts, p->tier == CODEGEN_TIER_BUDGET ? " budget" : "", name);
    if (p->last - p->first > 1) fprintf(out, " (largest of %u)", p->last - p->first);
    fputc('\n', out);
}

static void top_parts(FILE *out, const char *title, const Module *m, const CodegenPart *parts,
                      const CodegenPartStats *stats, uint32_t n, int which) {
    Ranked *r = malloc((size_t)n * sizeof *r);
    if (!r) return;
    for (uint32_t i = 0; i < n; i++) {
        double k = which == 0 ? stats[i].optimize : which == 1 ? stats[i].codegen : (double)stats[i].biggest_ir_insts;
        r[i] = (Ranked){k, i};
    }
    qsort(r, n, sizeof *r, by_key_desc);
    fprintf(out, "wasmc: %s\n", title);
    for (uint32_t i = 0; i < n && i < TOP; i++) {
        if (r[i].key <= 0) break;
        if (which == 2) {
            char name[200];
            const CodegenPartStats *s = &stats[r[i].index];
            lower_func_symbol(m, m->num_imported_funcs + s->biggest_func, name, sizeof name);
            const Func *f = &m->funcs[m->num_imported_funcs + s->biggest_func];
            fprintf(out, "wasmc:   %9llu IR insts %8zu B wasm  %s\n", (unsigned long long)s->biggest_ir_insts,
                    f->body_end - f->body_offset, name);
        } else {
            print_part(out, m, &parts[r[i].index], &stats[r[i].index]);
        }
    }
    free(r);
}

typedef struct PassTime {
    char *name;
    double secs;
    uint32_t runs;
} PassTime;

static int by_secs_desc(const void *a, const void *b) {
    const PassTime *x = a, *y = b;
    if (x->secs != y->secs) return x->secs > y->secs ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* One timing line: "   0.01 ( 1.0%)   0.00 ( 0.1%)   0.01 ( 1.1%)   0.02 ( 2.0%)  Name".
 * The pair before last is user+system time whatever columns LLVM chose
 * to print (it drops the system column when it is all zero). */
static bool parse_timing_line(char *line, double *secs, char **name) {
    double vals[8];
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ') p++;
        char *end;
        double v = strtod(p, &end);
        if (end == p) break;
        char *q = end;
        while (*q == ' ') q++;
        if (*q != '(') break;
        char *close = strchr(q, ')');
        if (!close) return false;
        if (n < 8) vals[n++] = v;
        p = close + 1;
    }
    if (n == 0) return false;
    while (*p == ' ') p++;
    size_t len = strcspn(p, "\r\n");
    while (len && p[len - 1] == ' ') len--;
    if (len == 0) return false;
    p[len] = 0;
    *name = p;
    *secs = vals[n >= 2 ? n - 2 : 0];
    return true;
}

static void print_passes(FILE *out, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return;
    PassTime *t = NULL;
    size_t n = 0, cap = 0;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        double secs;
        char *name;
        if (!parse_timing_line(line, &secs, &name) || strcmp(name, "Total") == 0) continue;
        size_t i = 0;
        while (i < n && strcmp(t[i].name, name) != 0) i++;
        if (i == n) {
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 128;
                PassTime *nt = realloc(t, nc * sizeof *t);
                if (!nt) break;
                t = nt;
                cap = nc;
            }
            if (!(t[n].name = strdup(name))) break;
            t[n].secs = 0;
            t[n].runs = 0;
            n++;
        }
        t[i].secs += secs;
        t[i].runs++;
    }
    fclose(f);
    qsort(t, n, sizeof *t, by_secs_desc);
    double total = 0;
    for (size_t i = 0; i < n; i++) total += t[i].secs;
    fprintf(out,
            "wasmc: LLVM IR passes and analyses by user+system time, summed over parts (%.2f s in all; machine\n"
            "wasmc: code generation is the parts' codegen time above):\n",
            total);
    for (size_t i = 0; i < n && i < 2 * TOP; i++)
        fprintf(out, "wasmc:   %8.3f s %5.1f%%  %s\n", t[i].secs, total > 0 ? 100 * t[i].secs / total : 0, t[i].name);
    for (size_t i = 0; i < n; i++) free(t[i].name);
    free(t);
}

void time_report_print(FILE *out, const Module *m, const CodegenPart *parts, const CodegenPartStats *stats,
                       uint32_t num_parts, const char *passes_file) {
    top_parts(out, "costliest parts by optimise CPU time (a part of one function is that function):", m, parts, stats, num_parts, 0);
    top_parts(out, "costliest parts by codegen CPU time:", m, parts, stats, num_parts, 1);
    top_parts(out, "largest functions by IR instructions after lowering:", m, parts, stats, num_parts, 2);
    if (passes_file) {
        print_passes(out, passes_file);
        unlink(passes_file);
    }
}

/* ---- Artifact size ------------------------------------------------------ */

static uint64_t rd(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

void time_report_summary(FILE *out, const Module *m, const CodegenPart *parts, const CodegenPartStats *stats,
                         uint32_t num_parts, const uint8_t *so, size_t so_size) {
    uint32_t cached = 0, budget = 0;
    for (uint32_t i = 0; i < num_parts; i++) {
        cached += stats[i].cached;
        if (parts[i].tier == CODEGEN_TIER_BUDGET) {
            char name[200];
            lower_func_symbol(m, m->num_imported_funcs + parts[i].first, name, sizeof name);
            const Func *f = &m->funcs[m->num_imported_funcs + parts[i].first];
            fprintf(out, "wasmc: budget tier (cheaper pipeline): %s, %zu B wasm\n", name, f->body_end - f->body_offset);
            budget++;
        }
    }
    fprintf(out, "wasmc: %u parts, %u from the cache, %u in the budget tier\n", num_parts, cached, budget);

    uint64_t code_in = 0, data_in = 0;
    for (uint32_t i = m->num_imported_funcs; i < m->num_funcs; i++) code_in += m->funcs[i].body_end - m->funcs[i].body_offset;
    for (uint32_t i = 0; i < m->num_datas; i++) data_in += m->datas[i].size;
    if (!so || so_size < 64 || memcmp(so, "\x7f" "ELF", 4) != 0 || so[4] != 2) return;
    uint64_t shoff = rd(so + 0x28, 8), shentsize = rd(so + 0x3a, 2), shnum = rd(so + 0x3c, 2),
             shstrndx = rd(so + 0x3e, 2);
    if (shentsize < 64 || shoff > so_size || shnum > (so_size - shoff) / shentsize || shstrndx >= shnum) return;
    const uint8_t *strsh = so + shoff + shstrndx * shentsize;
    uint64_t stroff = rd(strsh + 0x18, 8), strsize = rd(strsh + 0x20, 8);
    if (stroff > so_size || strsize > so_size - stroff) return;
    uint64_t exec = 0;
    for (uint64_t i = 0; i < shnum; i++) {
        const uint8_t *sh = so + shoff + i * shentsize;
        uint64_t flags = rd(sh + 8, 8), size = rd(sh + 0x20, 8), type = rd(sh + 4, 4);
        if ((flags & 0x4 /* SHF_EXECINSTR */) != 0) exec += size;
        (void)type;
    }
    fprintf(out, "wasmc: input: %llu B code, %llu B data; artifact: %zu B, of which %llu B machine code (%.2fx the input code)\n",
            (unsigned long long)code_in, (unsigned long long)data_in, so_size, (unsigned long long)exec,
            code_in ? (double)exec / (double)code_in : 0.0);
    fprintf(out, "wasmc: artifact sections over 1%%:");
    for (uint64_t i = 0; i < shnum; i++) {
        const uint8_t *sh = so + shoff + i * shentsize;
        uint64_t name = rd(sh, 4), size = rd(sh + 0x20, 8), type = rd(sh + 4, 4);
        if (type == 8 /* SHT_NOBITS */ || size * 100 < so_size || name >= strsize) continue;
        fprintf(out, " %s %llu", (const char *)so + stroff + name, (unsigned long long)size);
    }
    fputc('\n', out);
}
