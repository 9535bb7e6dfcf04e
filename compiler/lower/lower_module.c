/* Lowering a module (or one part of it) to an LLVM module.
 *
 * Sets up what every function shares: the target triple and data layout,
 * the common LLVM types, one function type per Wasm type, the TBAA tags
 * and branch-weight metadata, and one hidden declaration per defined
 * function, named by lower_func_symbol.  The functions of this part are
 * then defined (in section "wasmc_text", whose bounds the linker exposes
 * as __start_/__stop_wasmc_text for the descriptor); part 0 also gets the
 * per-type trampolines and the descriptor.  The result is checked with
 * LLVM's verifier so a lowering bug surfaces as an internal error instead
 * of a crash in codegen.
 *
 * Symbols are deterministic: the name section's name, sanitised to
 * [A-Za-z0-9_], or "func<N>" for unnamed functions; any base name that
 * occurs more than once gets ".<index>" appended (the '.' cannot come from
 * sanitising, so the results are unique).  Everything is prefixed "wasm$"
 * so no symbol can clash with libc.
 */
#include "lower_module.h"

#include <llvm-c/Analysis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower.h"

#define SYMBOL_MAX 160

/* The base name (before uniquing) of function i, into buf. */
static void base_name(const Module *m, uint32_t i, char *buf, size_t size) {
    const Name *n = i < m->num_funcs ? &m->funcs[i].name : NULL;
    if (!n || !n->str || n->len == 0) {
        snprintf(buf, size, "func%u", i);
        return;
    }
    size_t len = n->len < size - 1 ? n->len : size - 1;
    if (len > 100)
        len = 100;
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)n->str[k];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        buf[k] = ok ? (char)c : '_';
    }
    buf[len] = 0;
}

void lower_func_symbol(const Module *m, uint32_t func_index, char *buf, size_t size) {
    char mine[SYMBOL_MAX], other[SYMBOL_MAX];
    base_name(m, func_index, mine, sizeof mine);
    bool dup = false;
    for (uint32_t j = 0; j < m->num_funcs && !dup; j++) {
        if (j == func_index)
            continue;
        base_name(m, j, other, sizeof other);
        dup = strcmp(mine, other) == 0;
    }
    if (dup)
        snprintf(buf, size, "wasm$%s.%u", mine, func_index);
    else
        snprintf(buf, size, "wasm$%s", mine);
}

typedef struct SymEntry {
    char *name;
    uint32_t index;
} SymEntry;

static int sym_cmp(const void *a, const void *b) {
    const SymEntry *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* All symbols at once, O(n log n): the same names lower_func_symbol gives. */
char **lower_func_symbols_create(const Module *m, const char *prefix, WasmError *err) {
    if (!prefix)
        prefix = "";
    uint32_t n = m->num_funcs;
    char **syms = calloc(n ? n : 1, sizeof *syms);
    SymEntry *e = calloc(n ? n : 1, sizeof *e);
    if (!syms || !e) {
        free(e);
        free(syms);
        wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory (symbols)");
        return NULL;
    }
    bool ok = true;
    for (uint32_t i = 0; i < n && ok; i++) {
        char buf[SYMBOL_MAX];
        base_name(m, i, buf, sizeof buf);
        e[i].name = strdup(buf);
        e[i].index = i;
        ok = e[i].name != NULL;
    }
    if (ok)
        qsort(e, n, sizeof *e, sym_cmp);
    for (uint32_t k = 0; k < n && ok; k++) {
        bool dup = (k > 0 && strcmp(e[k].name, e[k - 1].name) == 0) ||
                   (k + 1 < n && strcmp(e[k].name, e[k + 1].name) == 0);
        char buf[SYMBOL_MAX + 16 + LOWER_PREFIX_MAX];
        if (dup)
            snprintf(buf, sizeof buf, "%swasm$%s.%u", prefix, e[k].name, e[k].index);
        else
            snprintf(buf, sizeof buf, "%swasm$%s", prefix, e[k].name);
        syms[e[k].index] = strdup(buf);
        ok = syms[e[k].index] != NULL;
    }
    for (uint32_t i = 0; i < n; i++)
        free(e[i].name);
    free(e);
    if (!ok) {
        lower_func_symbols_free(m, syms);
        wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory (symbols)");
        return NULL;
    }
    return syms;
}

void lower_func_symbols_free(const Module *m, char **syms) {
    if (!syms)
        return;
    for (uint32_t i = 0; i < m->num_funcs; i++)
        free(syms[i]);
    free(syms);
}

static void add_fn_attr(LowerModule *lm, LLVMValueRef fn, const char *name);

/* The declaration of defined function i, added on first use: a part
 * declares only the functions it defines or names, so its cost does not
 * grow with the module's function count. */
LLVMValueRef lm_func(LowerModule *lm, uint32_t i) {
    if (!lm->funcs[i]) {
        const Module *m = lm->m;
        LLVMValueRef fn = LLVMAddFunction(lm->mod, lm->func_symbols[i], lm->wasm_fn_types[m->funcs[i].type_index]);
        LLVMSetVisibility(fn, LLVMHiddenVisibility);
        lm_set_wasm_call_conv(fn);
        add_fn_attr(lm, fn, "nounwind");
        lm->funcs[i] = fn;
    }
    return lm->funcs[i];
}

static LLVMValueRef md_value(LowerModule *lm, LLVMMetadataRef *ops, size_t n) {
    return LLVMMetadataAsValue(lm->ctx, LLVMMDNodeInContext2(lm->ctx, ops, n));
}

static LLVMMetadataRef md_string(LowerModule *lm, const char *s) {
    return LLVMMDStringInContext2(lm->ctx, s, strlen(s));
}

static LLVMMetadataRef md_int(LowerModule *lm, LLVMTypeRef t, uint64_t v) {
    return LLVMValueAsMetadata(LLVMConstInt(t, v, false));
}

/* A TBAA access tag for a scalar type node `name` under `root`. */
static LLVMValueRef tbaa_tag(LowerModule *lm, LLVMMetadataRef root, const char *name) {
    LLVMMetadataRef type_ops[3] = {md_string(lm, name), root, md_int(lm, lm->t_i64, 0)};
    LLVMMetadataRef type = LLVMMDNodeInContext2(lm->ctx, type_ops, 3);
    LLVMMetadataRef tag_ops[3] = {type, type, md_int(lm, lm->t_i64, 0)};
    return md_value(lm, tag_ops, 3);
}

static void init_types_and_metadata(LowerModule *lm) {
    LLVMContextRef c = lm->ctx;
    lm->t_void = LLVMVoidTypeInContext(c);
    lm->t_i1 = LLVMInt1TypeInContext(c);
    lm->t_i8 = LLVMInt8TypeInContext(c);
    lm->t_i16 = LLVMInt16TypeInContext(c);
    lm->t_i32 = LLVMInt32TypeInContext(c);
    lm->t_i64 = LLVMInt64TypeInContext(c);
    lm->t_f32 = LLVMFloatTypeInContext(c);
    lm->t_f64 = LLVMDoubleTypeInContext(c);
    lm->t_v128 = LLVMVectorType(lm->t_i8, 16);
    lm->t_ptr = LLVMPointerTypeInContext(c, 0);
    lm->t_intptr = lm->t_i64;

    lm->md_tbaa = LLVMGetMDKindIDInContext(c, "tbaa", 4);
    lm->md_invariant = LLVMGetMDKindIDInContext(c, "invariant.load", 14);
    lm->md_prof = LLVMGetMDKindIDInContext(c, "prof", 4);
    lm->md_empty = md_value(lm, NULL, 0);

    LLVMMetadataRef root_op = md_string(lm, "wasmc tbaa");
    LLVMMetadataRef root = LLVMMDNodeInContext2(c, &root_op, 1);
    lm->tbaa_memory = tbaa_tag(lm, root, "wasm memory");
    lm->tbaa_vmctx = tbaa_tag(lm, root, "wasmc vmctx");
    lm->tbaa_global = tbaa_tag(lm, root, "wasm global");
    lm->tbaa_table = tbaa_tag(lm, root, "wasm table");

    LLVMMetadataRef cold[3] = {md_string(lm, "branch_weights"), md_int(lm, lm->t_i32, 1),
                               md_int(lm, lm->t_i32, 1u << 20)};
    lm->prof_unlikely = md_value(lm, cold, 3);
    LLVMMetadataRef hot[3] = {md_string(lm, "branch_weights"), md_int(lm, lm->t_i32, 1u << 20),
                              md_int(lm, lm->t_i32, 1)};
    lm->prof_likely = md_value(lm, hot, 3);
}

static void add_fn_attr(LowerModule *lm, LLVMValueRef fn, const char *name) {
    unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(lm->ctx, kind, 0));
}

static void add_fn_str_attr(LowerModule *lm, LLVMValueRef fn, const char *k, const char *v) {
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateStringAttribute(lm->ctx, k, (unsigned)strlen(k), v, (unsigned)strlen(v)));
}

/* Attributes of every function wasmc defines (Wasm functions and
 * trampolines): traps unwind by longjmp, never by C++ exceptions; huge
 * frames probe the stack guard page in order.  Frame pointers are only
 * for profilers' frame-pointer stack walks (the runtime never walks the
 * stack), so they are opt-in, as in a native -O2 build: they cost an
 * extra register and 3-7% of instructions in call-heavy code (lzss,
 * fannkuch, json in tools/bench). */
void lm_set_code_attributes(LowerModule *lm, LLVMValueRef fn) {
    add_fn_attr(lm, fn, "nounwind");
    add_fn_str_attr(lm, fn, "frame-pointer", lm->cc->frame_pointers ? "non-leaf" : "none");
    add_fn_str_attr(lm, fn, "probe-stack", "inline-asm");
    LLVMSetSection(fn, lm->text_section);
    LLVMSetVisibility(fn, LLVMHiddenVisibility);
}

static void free_lower_module(LowerModule *lm, bool own_symbols) {
    if (own_symbols)
        lower_func_symbols_free(lm->m, lm->func_symbols);
    free(lm->wasm_fn_types);
    free(lm->funcs);
    if (lm->data_layout)
        LLVMDisposeTargetData(lm->data_layout);
}

static bool verify(LowerModule *lm, bool verbose, WasmError *err) {
    char *msg = NULL;
    if (!LLVMVerifyModule(lm->mod, LLVMReturnStatusAction, &msg)) {
        LLVMDisposeMessage(msg);
        return true;
    }
    const char *text = msg ? msg : "(no message)";
    size_t len = strcspn(text, "\n");
    wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "LLVM verifier rejected lowered IR: %.*s",
               (int)(len > 200 ? 200 : len), text);
    if (verbose) /* wasmc -v: the whole report, not its first line */
        fprintf(stderr, "%s\n", text);
    LLVMDisposeMessage(msg);
    return false;
}

bool lower_module_part(const LowerConfig *cfg, LLVMContextRef ctx,
                       uint32_t first, uint32_t last, bool with_metadata,
                       LLVMModuleRef *out, WasmError *err) {
    const Module *m = cfg->m;
    *out = NULL;
    LowerModule lms;
    memset(&lms, 0, sizeof lms);
    LowerModule *lm = &lms;
    lm->cc = cfg->cc;
    lm->m = m;
    lm->ctx = ctx;
    lm->exact_trap_state = lm_exact_trap_state(cfg->m, cfg->cc->exact_traps);
    lm->symbol_prefix = cfg->symbol_prefix ? cfg->symbol_prefix : "";
    lm->text_section = cfg->text_section ? cfg->text_section : "wasmc_text";
    if (strlen(lm->symbol_prefix) > LOWER_PREFIX_MAX || strlen(lm->text_section) > LOWER_PREFIX_MAX)
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "symbol prefix or section name too long");

    uint32_t num_defined = m->num_funcs - m->num_imported_funcs;
    if (first > last || last > num_defined)
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "bad function range [%u, %u) of %u",
                          first, last, num_defined);

    wasmc_vmctx_counts counts = {
        .num_types = m->num_types,
        .num_imported_funcs = m->num_imported_funcs,
        .num_funcs = m->num_funcs,
        .num_tables = m->num_tables,
        .num_memories = m->num_memories,
        .num_globals = m->num_globals,
        .num_imported_globals = m->num_imported_globals,
    };
    wasmc_vmctx_layout_compute(&counts, &lm->layout);

    char name[64 + LOWER_PREFIX_MAX];
    snprintf(name, sizeof name, "%swasm.part%u", lm->symbol_prefix, first);
    lm->mod = LLVMModuleCreateWithNameInContext(name, ctx);
    if (cfg->tm) {
        char *triple = LLVMGetTargetMachineTriple(cfg->tm);
        LLVMSetTarget(lm->mod, triple);
        LLVMDisposeMessage(triple);
        lm->data_layout = LLVMCreateTargetDataLayout(cfg->tm);
        LLVMSetModuleDataLayout(lm->mod, lm->data_layout);
    } else {
        LLVMSetTarget(lm->mod, cfg->cc->target->triple);
    }
    init_types_and_metadata(lm);

    bool own_symbols = cfg->func_symbols == NULL;
    lm->func_symbols = own_symbols ? lower_func_symbols_create(m, lm->symbol_prefix, err) : cfg->func_symbols;
    bool ok = lm->func_symbols != NULL;
    if (ok) {
        lm->wasm_fn_types = calloc(m->num_types ? m->num_types : 1, sizeof *lm->wasm_fn_types);
        lm->funcs = calloc(m->num_funcs ? m->num_funcs : 1, sizeof *lm->funcs);
        if (!lm->wasm_fn_types || !lm->funcs)
            ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
    }
    for (uint32_t t = 0; ok && t < m->num_types; t++) {
        lm->wasm_fn_types[t] = lm_wasm_fn_type(lm, &m->types[t]);
        if (!lm->wasm_fn_types[t])
            ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory (types)");
    }
    for (uint32_t d = first; ok && d < last; d++) {
        uint32_t i = m->num_imported_funcs + d;
        lm_set_code_attributes(lm, lm_func(lm, i));
        ok = lower_function(lm, i, err);
    }
    if (ok && with_metadata) {
        LLVMValueRef *entry = calloc(m->num_types ? m->num_types : 1, sizeof *entry);
        LLVMValueRef *host = calloc(m->num_types ? m->num_types : 1, sizeof *host);
        if (!entry || !host)
            ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
        ok = ok && lower_trampolines(lm, entry, host, err);
        ok = ok && lower_descriptor(lm, cfg->module_sha256, entry, host, err);
        free(entry);
        free(host);
    }
    ok = ok && verify(lm, cfg->cc->verbose, err);

    free_lower_module(lm, own_symbols);
    if (!ok) {
        LLVMDisposeModule(lm->mod);
        return false;
    }
    *out = lm->mod;
    return true;
}
