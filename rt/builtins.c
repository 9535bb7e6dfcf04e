/* The builtins compiled code calls (wasmc_builtins): traps, memory.grow and
 * the bulk memory/table operations.  Each bulk operation checks its whole
 * range before touching anything, as the spec requires (a trapping
 * memory.fill writes nothing).  Ranges are computed in 64 bits so
 * offset + length cannot wrap.  A trap records the caller's return address,
 * which lies in the guest function that called the builtin, for naming it.
 */
#define _GNU_SOURCE
#include <string.h>

#include "internal.h"

/* One byte before the return address: a trap call is often the last
 * instruction of its function, so the return address itself may already
 * belong to the next function. */
#define CALLER_PC() ((uintptr_t)__builtin_return_address(0) - 1)

static void b_trap(struct wasmc_vmctx *vm, uint32_t code) {
    if (code == WASMC_TRAP_NONE || code >= WASMC_TRAP_COUNT_) code = WASMC_TRAP_UNREACHABLE;
    rt_trap_raise((wasmc_trap_code)code, CALLER_PC());
}

static uint32_t b_memory_grow(struct wasmc_vmctx *vm, uint32_t mem, uint32_t delta) {
    return wasmrt_memory_grow(rt_vm_instance(vm)->memories[mem], delta);
}

static void b_memory_fill(struct wasmc_vmctx *vm, uint32_t mem, uint32_t dst, uint32_t val, uint32_t n) {
    wasmrt_memory *m = rt_vm_instance(vm)->memories[mem];
    if ((uint64_t)dst + n > m->pub.size) rt_trap_raise(WASMC_TRAP_MEMORY_OOB, CALLER_PC());
    memset(m->pub.base + dst, (int)(val & 0xff), n);
}

static void b_memory_copy(struct wasmc_vmctx *vm, uint32_t dmem, uint32_t smem, uint32_t dst,
                          uint32_t src, uint32_t n) {
    wasmrt_instance *inst = rt_vm_instance(vm);
    wasmrt_memory *d = inst->memories[dmem], *s = inst->memories[smem];
    if ((uint64_t)dst + n > d->pub.size || (uint64_t)src + n > s->pub.size)
        rt_trap_raise(WASMC_TRAP_MEMORY_OOB, CALLER_PC());
    memmove(d->pub.base + dst, s->pub.base + src, n);
}

static void b_memory_init(struct wasmc_vmctx *vm, uint32_t mem, uint32_t seg, uint32_t dst,
                          uint32_t src, uint32_t n) {
    wasmrt_instance *inst = rt_vm_instance(vm);
    wasmrt_memory *m = inst->memories[mem];
    const wasmc_data_desc *ds = &inst->module->desc->datas[seg];
    uint64_t len = inst->data_dropped[seg] ? 0 : ds->size;
    if ((uint64_t)src + n > len || (uint64_t)dst + n > m->pub.size)
        rt_trap_raise(WASMC_TRAP_MEMORY_OOB, CALLER_PC());
    if (n) memcpy(m->pub.base + dst, ds->bytes + src, n);
}

static void b_data_drop(struct wasmc_vmctx *vm, uint32_t seg) { rt_vm_instance(vm)->data_dropped[seg] = 1; }

static uint32_t b_table_grow(struct wasmc_vmctx *vm, uint32_t table, void *init, uint32_t delta) {
    return rt_table_grow(rt_vm_instance(vm)->tables[table], init, delta);
}

static void b_table_fill(struct wasmc_vmctx *vm, uint32_t table, uint32_t dst, void *val, uint32_t n) {
    wasmrt_table *t = rt_vm_instance(vm)->tables[table];
    if ((uint64_t)dst + n > t->pub.size) rt_trap_raise(WASMC_TRAP_TABLE_OOB, CALLER_PC());
    for (uint32_t i = 0; i < n; i++) t->pub.elems[dst + i] = val;
}

static void b_table_copy(struct wasmc_vmctx *vm, uint32_t dtab, uint32_t stab, uint32_t dst, uint32_t src,
                         uint32_t n) {
    wasmrt_instance *inst = rt_vm_instance(vm);
    wasmrt_table *d = inst->tables[dtab], *s = inst->tables[stab];
    if ((uint64_t)dst + n > d->pub.size || (uint64_t)src + n > s->pub.size)
        rt_trap_raise(WASMC_TRAP_TABLE_OOB, CALLER_PC());
    if (n) memmove(d->pub.elems + dst, s->pub.elems + src, (size_t)n * sizeof(void *));
}

static void b_table_init(struct wasmc_vmctx *vm, uint32_t table, uint32_t seg, uint32_t dst, uint32_t src,
                         uint32_t n) {
    wasmrt_instance *inst = rt_vm_instance(vm);
    wasmrt_table *t = inst->tables[table];
    const wasmc_elem_desc *es = &inst->module->desc->elems[seg];
    uint64_t len = inst->elem_dropped[seg] ? 0 : es->num_items;
    if ((uint64_t)src + n > len || (uint64_t)dst + n > t->pub.size)
        rt_trap_raise(WASMC_TRAP_TABLE_OOB, CALLER_PC());
    for (uint32_t i = 0; i < n; i++) t->pub.elems[dst + i] = rt_const_eval(inst, &es->items[src + i]).ref;
}

static void b_elem_drop(struct wasmc_vmctx *vm, uint32_t seg) { rt_vm_instance(vm)->elem_dropped[seg] = 1; }

static void b_interrupted(struct wasmc_vmctx *vm) {
    /* Consume the request: it stops this call, not every later one. */
    if (__atomic_exchange_n(&vm->limits->interrupt, 0, __ATOMIC_ACQ_REL))
        rt_trap_raise(WASMC_TRAP_INTERRUPTED, CALLER_PC());
}

/* builtins.def names each builtin b_NAME here: a missing one, or one whose
 * signature differs from the table's, does not compile. */
const wasmc_builtins rt_builtins = {
#define BUILTIN(NAME, RESULT, TRAPS, PARAMS) .NAME = b_##NAME,
#include "wasmc/builtins.def"
#undef BUILTIN
};
