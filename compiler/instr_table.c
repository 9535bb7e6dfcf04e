/* op_info: the opcode table of opcodes.def as data. */
#include "instr.h"

const OpInfo op_info[OP_COUNT_] = {
#define OP(code, name, text, imm, sig) [OP_##name] = {text, imm, sig, 0x00, code},
#define OP_FC(code, name, text, imm, sig) [OP_##name] = {text, imm, sig, 0xFC, code},
#define OP_FD(code, name, text, imm, sig) [OP_##name] = {text, imm, sig, 0xFD, code},
#include "opcodes.def"
#undef OP
#undef OP_FC
#undef OP_FD
};
