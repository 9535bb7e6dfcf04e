/* stub: to be written (front end) */
#include "module.h"
#include "instr.h"
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
