/* wasmrt inspect: what an artifact is, before anyone runs it.
 *
 * The metadata comes from the trailer and signature block, read from the
 * file's bytes without mapping anything, so it is shown even for an
 * artifact this host cannot run (another architecture, missing CPU
 * features); the imports and exports come from the descriptor, which needs
 * the artifact loaded, i.e. every check of wasmrt_module_load passed.  A
 * component artifact (crt's wasmrt_artifact_is_component, when linked in)
 * is described by its WIT world instead.  Names come from the guest: text
 * output replaces control characters with '?', JSON escapes them.
 */
#define _GNU_SOURCE
#include "inspect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../target/host.h"
#include "../internal.h"
#include "wasmc/sha256.h"
#include "wasmrt_component.h"

/* Components are another engineer's (branch crt): use them when linked. */
#pragma weak wasmrt_artifact_is_component
#pragma weak wasmrt_component_load
#pragma weak wasmrt_component_wit
#pragma weak wasmrt_component_release

#define MAX_ARTIFACT_BYTES (1ull << 31)

static bool json;

static const char *val_name(uint8_t t) {
    switch (t) {
    case RT_TYPE_I32: return "i32";
    case RT_TYPE_I64: return "i64";
    case RT_TYPE_F32: return "f32";
    case RT_TYPE_F64: return "f64";
    case RT_TYPE_V128: return "v128";
    case RT_TYPE_FUNCREF: return "funcref";
    case RT_TYPE_EXTERNREF: return "externref";
    default: return "unknown";
    }
}

static const char *kind_name(uint32_t k) {
    switch (k) {
    case WASMC_EXTERN_FUNC: return "func";
    case WASMC_EXTERN_TABLE: return "table";
    case WASMC_EXTERN_MEMORY: return "memory";
    case WASMC_EXTERN_GLOBAL: return "global";
    default: return "unknown";
    }
}

/* A guest-supplied name of n bytes, as a JSON string or sanitised text. */
static void put_name(const char *s, size_t n) {
    if (json) putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (json) {
            if (c == '"' || c == '\\') printf("\\%c", c);
            else if (c < 0x20 || c == 0x7f) printf("\\u%04x", c);
            else putchar(c);
        } else {
            putchar(c < 0x20 || c == 0x7f ? '?' : c);
        }
    }
    if (json) putchar('"');
}

static void put_str(const char *s) { put_name(s, strlen(s)); }

static void put_limits(const wasmc_limits_desc *l) {
    if (json) {
        printf("\"min\": %llu", (unsigned long long)l->min);
        if (l->has_max) printf(", \"max\": %llu", (unsigned long long)l->max);
    } else {
        printf("{min %llu", (unsigned long long)l->min);
        if (l->has_max) printf(", max %llu", (unsigned long long)l->max);
        printf("}");
    }
}

/* The type of item `index` of `kind` in d. */
static void put_type(const wasmc_descriptor *d, uint32_t kind, uint32_t index) {
    switch (kind) {
    case WASMC_EXTERN_FUNC: {
        const wasmc_functype *t = &d->types[d->func_types[index]];
        printf(json ? "\"params\": [" : "(");
        for (uint32_t i = 0; i < t->num_params; i++)
            printf(json ? "%s\"%s\"" : "%s%s", i ? ", " : "", val_name(t->types[i]));
        printf(json ? "], \"results\": [" : ") -> (");
        for (uint32_t i = 0; i < t->num_results; i++)
            printf(json ? "%s\"%s\"" : "%s%s", i ? ", " : "", val_name(t->types[t->num_params + i]));
        printf(json ? "]" : ")");
        break;
    }
    case WASMC_EXTERN_GLOBAL: {
        const wasmc_global_desc *g = &d->globals[index];
        if (json) printf("\"type\": \"%s\", \"mutable\": %s", val_name(g->type), g->mutable_ ? "true" : "false");
        else printf("%s%s", g->mutable_ ? "mut " : "", val_name(g->type));
        break;
    }
    case WASMC_EXTERN_TABLE:
        printf(json ? "\"element\": \"%s\", " : "%s ", val_name(d->tables[index].elem_type));
        put_limits(&d->tables[index].limits);
        break;
    case WASMC_EXTERN_MEMORY:
        if (!json) printf("pages ");
        put_limits(&d->memories[index].limits);
        break;
    }
}

static void put_items(const wasmc_descriptor *d, bool imports) {
    uint32_t n = imports ? d->num_imports : d->num_exports;
    if (json) printf(",\n  \"%s\": [", imports ? "imports" : "exports");
    else printf("%s (%u)\n", imports ? "imports" : "exports", n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t kind, index;
        if (json) printf("%s\n    {", i ? "," : "");
        if (imports) {
            const wasmc_import_desc *im = &d->imports[i];
            kind = im->kind, index = im->index;
            if (json) {
                printf("\"module\": ");
                put_name(im->module, im->module_len);
                printf(", \"name\": ");
                put_name(im->name, im->name_len);
            } else {
                printf("  %-7s ", kind_name(kind));
                put_name(im->module, im->module_len);
                putchar('.');
                put_name(im->name, im->name_len);
            }
        } else {
            const wasmc_export_desc *x = &d->exports[i];
            kind = x->kind, index = x->index;
            if (json) {
                printf("\"name\": ");
                put_name(x->name, x->name_len);
            } else {
                printf("  %-7s ", kind_name(kind));
                put_name(x->name, x->name_len);
            }
        }
        if (json) printf(", \"kind\": \"%s\", ", kind_name(kind));
        else printf(": ");
        put_type(d, kind, index);
        printf(json ? "}" : "\n");
    }
    if (json) printf("%s]", n ? "\n  " : "");
}

static void field(const char *key, const char *text_value, bool quote) {
    if (json) {
        printf(",\n  \"%s\": ", key);
        if (quote) put_str(text_value);
        else printf("%s", text_value);
    } else {
        printf("%-18s%s\n", key, text_value);
    }
}

static uint8_t *read_artifact(const char *path, uint64_t *size, wasmrt_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        rt_err(err, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    uint8_t *p = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0) n = ftell(f);
    if (n < 0 || (uint64_t)n > MAX_ARTIFACT_BYTES || fseek(f, 0, SEEK_SET) != 0) {
        rt_err(err, "%s: not a readable artifact file", path);
    } else if (!(p = malloc((size_t)n + 1)) || fread(p, 1, (size_t)n, f) != (size_t)n) {
        rt_err(err, "%s: read failed", path);
        free(p);
        p = NULL;
    }
    fclose(f);
    *size = (uint64_t)n;
    return p;
}

static int usage(void) {
    fprintf(stderr, "usage: wasmrt inspect APP.so [--json] [--trusted-keys DIR]\n");
    return 2;
}

int wasmrt_cli_inspect(int argc, char **argv) {
    const char *path = NULL, *keys = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = true;
        else if (!strcmp(argv[i], "--trusted-keys") && i + 1 < argc) keys = argv[++i];
        else if (!strncmp(argv[i], "--trusted-keys=", 15)) keys = argv[i] + 15;
        else if (argv[i][0] == '-' || path) return usage();
        else path = argv[i];
    }
    if (!path) return usage();
    wasmrt_error err = {""};
    uint64_t size = 0, body = 0;
    const wasmc_signature *sig = NULL;
    uint8_t *p = read_artifact(path, &size, &err);
    if (p && !rt_signature_split(path, p, size, &body, &sig, &err)) {
        free(p);
        p = NULL;
    }
    wasmc_trailer t;
    if (p && (body < sizeof t || memcmp(p + body - sizeof t, WASMC_TRAILER_MAGIC, 8) != 0)) {
        /* The loader tells a truncated artifact from something else; it
         * fails without mapping anything. */
        wasmrt_module_release(wasmrt_module_load(path, &err));
        if (!err.message[0]) rt_err(&err, "%s: not a wasmc artifact (no wasmc trailer)", path);
        free(p);
        p = NULL;
    }
    if (!p) {
        fprintf(stderr, "wasmrt: error: %s\n", err.message);
        return 1;
    }
    memcpy(&t, p + body - sizeof t, sizeof t);

    /* Metadata. */
    char buf[512], hex[65];
    if (json) {
        printf("{\n  \"file\": ");
        put_str(path);
        printf(",\n  \"size\": %llu", (unsigned long long)size);
    } else {
        snprintf(buf, sizeof buf, "%s (%llu bytes)", path, (unsigned long long)size);
        field("file", buf, true);
    }
    wasmrt_error cerr;
    bool component = wasmrt_artifact_is_component && wasmrt_component_load && wasmrt_component_wit &&
                     wasmrt_artifact_is_component(path, &cerr);
    field("kind", component ? "component" : "core module", true);
    snprintf(buf, sizeof buf, "%u", t.format_version);
    field("format_version", buf, false);
    const char *arch = host_arch_name(t.arch);
    snprintf(buf, sizeof buf, "%s", arch ? arch : "unknown");
    field("arch", buf, true);
    if (json) {
        printf(",\n  \"cpu_features\": [");
        rt_cpu_feature_list(t.cpu_features, buf, sizeof buf);
        for (char *s = buf, *e; *s; s = e + (*e ? 2 : 0)) {
            e = strstr(s, ", ");
            if (!e) e = s + strlen(s);
            printf("%s\"%.*s\"", s == buf ? "" : ", ", (int)(e - s), s);
        }
        printf("]");
    } else {
        rt_cpu_feature_list(t.cpu_features, buf, sizeof buf);
        field("cpu_features", buf[0] ? buf : "(none)", true);
    }
    field("memory_mode", t.memory_mode == WASMC_MEMORY_GUARD_PAGES ? "guard-pages"
                         : t.memory_mode == WASMC_MEMORY_BOUNDS_CHECKS ? "bounds-checks" : "unknown", true);
    snprintf(buf, sizeof buf, "%.*s", (int)strnlen(t.compiler_version, sizeof t.compiler_version), t.compiler_version);
    field("compiler_version", buf, true);
    rt_hex(t.module_sha256, 32, hex);
    field("module_sha256", hex, true);
    rt_hex(t.payload_sha256, 32, hex);
    field("payload_sha256", hex, true);
    uint8_t sum[32];
    bool payload_ok = t.payload_size == body - sizeof t;
    if (payload_ok) {
        wasmc_sha256(p, t.payload_size, sum);
        payload_ok = !memcmp(sum, t.payload_sha256, 32);
    }
    field("payload_hash_ok", payload_ok ? "true" : "false", false);

    /* Signature: present or not, and verified when keys are given. */
    const char *status = "unsigned";
    char detail[600] = "";
    if (keys) {
        wasmrt_trust *trust = wasmrt_trust_load_dir(keys, &err);
        if (!trust) {
            fprintf(stderr, "wasmrt: error: %s\n", err.message);
            free(p);
            return 1;
        }
        bool ok = rt_signature_verify(path, p, body, sig, trust, &err);
        wasmrt_trust_free(trust);
        status = ok ? "verified" : sig ? "rejected" : "unsigned";
        if (!ok) snprintf(detail, sizeof detail, "%s", err.message + strlen(path) + 2);
    } else if (sig) {
        status = "signed (not verified: no --trusted-keys)";
    }
    if (sig) rt_hex(sig->public_key, 32, hex);
    if (json) {
        printf(",\n  \"signature\": {\"status\": \"%s\"",
               !strncmp(status, "signed", 6) ? "signed" : status);
        if (sig) printf(", \"algorithm\": \"ed25519\", \"public_key\": \"%s\"", hex);
        if (detail[0]) {
            printf(", \"error\": ");
            put_str(detail);
        }
        printf("}");
    } else {
        if (sig) snprintf(buf, sizeof buf, "%s, Ed25519 key %s%s%s", status, hex, detail[0] ? ": " : "", detail);
        else snprintf(buf, sizeof buf, "%s%s%s", status, detail[0] ? ": " : "", detail);
        field("signature", buf, true);
    }

    /* Imports and exports (needs every load check to pass). */
    int rc = 0;
    if (component) {
        wasmrt_component *c = wasmrt_component_load(path, &err);
        char *wit = c ? wasmrt_component_wit(c) : NULL;
        if (wit) {
            if (json) {
                printf(",\n  \"wit\": ");
                put_str(wit);
            } else {
                printf("wit world\n%s", wit);
            }
            free(wit);
        } else {
            rc = 1;
        }
        if (c && wasmrt_component_release) wasmrt_component_release(c);
    } else {
        wasmrt_module *m = wasmrt_module_load(path, &err);
        if (m) {
            put_items(wasmrt_module_descriptor(m), true);
            put_items(wasmrt_module_descriptor(m), false);
            wasmrt_module_release(m);
        } else {
            rc = 1;
        }
    }
    if (rc) {
        /* Everything readable was shown; say why the rest is not. */
        if (json) {
            printf(",\n  \"error\": ");
            put_str(err.message);
        } else {
            printf("%-18s%s\n", "error", err.message);
        }
    }
    if (json) printf("\n}\n");
    free(p);
    return rc;
}
