/* Name-section parsing and value-type names.
 *
 * The name section is debug information: per the spec a malformed one must
 * not make the module fail, so the parser reads each subsection inside its
 * declared bounds and quietly stops at the first thing it does not like.
 * Names that are not valid UTF-8 are skipped because Name promises UTF-8.
 * Only subsections 0 (module) and 1 (functions) are used; others are
 * skipped by size.
 */
#include "names.h"

#include "leb128.h"
#include "utf8.h"

const char *valtype_name(uint8_t t) {
    switch (t) {
    case VT_I32: return "i32";
    case VT_I64: return "i64";
    case VT_F32: return "f32";
    case VT_F64: return "f64";
    case VT_V128: return "v128";
    case VT_FUNCREF: return "funcref";
    case VT_EXTERNREF: return "externref";
    default: return "<bad type>";
    }
}

static bool rd_u32(const uint8_t *b, size_t *pos, size_t end, uint32_t *v) {
    uint64_t x = 0;
    if (leb_read(b, pos, end, 32, false, &x) != LEB_OK) return false;
    *v = (uint32_t)x;
    return true;
}

/* Reads a name: false on a structural error (stop parsing); true with
 * name->str NULL when the bytes are there but unusable (bad UTF-8, out of
 * memory), so the entry is skipped and parsing goes on. */
static bool rd_name(Module *m, size_t *pos, size_t end, Name *name) {
    uint32_t len = 0;
    if (!rd_u32(m->bytes, pos, end, &len) || len > end - *pos) return false;
    name->str = NULL;
    name->len = 0;
    if (utf8_valid(m->bytes + *pos, len)) {
        name->str = arena_strndup(&m->arena, (const char *)m->bytes + *pos, len);
        if (name->str) name->len = len;
    }
    *pos += len;
    return true;
}

void names_parse(Module *m, size_t offset, size_t size) {
    const uint8_t *b = m->bytes;
    size_t pos = offset, end = offset + size;
    while (pos < end) {
        uint8_t id = b[pos++];
        uint32_t sub_size = 0;
        if (!rd_u32(b, &pos, end, &sub_size) || sub_size > end - pos) return;
        size_t sub_end = pos + sub_size;
        if (id == 0) {
            Name n;
            if (!rd_name(m, &pos, sub_end, &n)) return;
            m->module_name = n;
        } else if (id == 1) {
            uint32_t count = 0;
            if (!rd_u32(b, &pos, sub_end, &count)) return;
            for (uint32_t i = 0; i < count; i++) {
                uint32_t idx = 0;
                Name n;
                if (!rd_u32(b, &pos, sub_end, &idx) || !rd_name(m, &pos, sub_end, &n)) return;
                if (idx < m->num_funcs && n.str) m->funcs[idx].name = n;
            }
        }
        pos = sub_end;
    }
}
