/* Plan decoding (rt/component/cplan.c): a malformed plan is refused with
 * one line naming the byte offset and the broken rule, never a fault. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../rt/component/internal_component.h"
#include "plan_builder.h"

static bool decode(pb *p, char *msg) {
    ct_plan plan;
    wasmrt_error err;
    bool ok = ct_plan_decode(&plan, NULL, p->b, p->n, NULL, 0, &err);
    if (ok) ct_plan_free(&plan);
    else strcpy(msg, err.message);
    return ok;
}

static void empty_tail(pb *p, int vectors) {
    for (int i = 0; i < vectors; i++) pb_u32(p, 0);
}

Test(component_plan, a_minimal_plan_decodes) {
    pb p = {0};
    pb_header(&p);
    empty_tail(&p, 7);
    char msg[512];
    cr_assert(decode(&p, msg), "%s", msg);
    free(p.b);
}

Test(component_plan, bad_magic_and_version_are_refused) {
    char msg[512];
    pb p = {0};
    pb_name(&p, "XXXX");
    cr_assert_not(decode(&p, msg));
    cr_assert(strstr(msg, "bad magic"), "%s", msg);
    free(p.b);
    p = (pb){0};
    for (int i = 0; i < 4; i++) pb_byte(&p, (uint8_t)WASMC_PLAN_MAGIC[i]);
    pb_u32(&p, 99);
    empty_tail(&p, 7);
    cr_assert_not(decode(&p, msg));
    cr_assert_str_eq(msg, "component plan: byte 0x5: plan version 99, this runtime reads 1");
    free(p.b);
}

Test(component_plan, every_truncation_of_a_plan_is_refused) {
    pb p = {0};
    pb_header(&p);
    pb_u32(&p, 3);
    pb_prim(&p, WASMC_CVAL_STRING);
    pb_list(&p, 0);
    pb_record(&p, 2, (const char *[]){"name", "tags"}, (uint32_t[]){0, 1});
    pb_u32(&p, 1);                  /* functype (record) -> string */
    pb_u32(&p, 1); pb_name(&p, "r"); pb_u32(&p, 2); pb_byte(&p, 1); pb_u32(&p, 0);
    pb_u32(&p, 1); pb_u32(&p, 0);   /* one cinstance */
    pb_u32(&p, 0);                  /* resources */
    pb_u32(&p, 1);                  /* import wasi:x/y@0.2.0#f */
    pb_name(&p, "wasi:x/y@0.2.0"); pb_name(&p, "f"); pb_byte(&p, WASMC_PLAN_FUNC); pb_u32(&p, 0);
    pb_u32(&p, 0);                  /* steps */
    pb_u32(&p, 0);                  /* exports */
    char msg[512];
    cr_assert(decode(&p, msg), "%s", msg);
    for (size_t n = 0; n < p.n; n++) {
        pb cut = {p.b, n, p.n};
        cr_assert_not(decode(&cut, msg), "prefix of %zu bytes accepted", n);
    }
    /* one byte more is trailing garbage */
    pb_byte(&p, 0);
    cr_assert_not(decode(&p, msg));
    cr_assert(strstr(msg, "after the exports"), "%s", msg);
    free(p.b);
}

Test(component_plan, types_refer_only_backwards) {
    pb p = {0};
    pb_header(&p);
    pb_u32(&p, 2);
    pb_list(&p, 1);
    pb_prim(&p, WASMC_CVAL_U8);
    empty_tail(&p, 6);
    char msg[512];
    cr_assert_not(decode(&p, msg));
    cr_assert(strstr(msg, "value type index 1 out of range (0 defined)"), "%s", msg);
    free(p.b);
}

Test(component_plan, flags_beyond_32_and_empty_records_are_refused) {
    const char *names[33];
    char buf[33][4];
    for (int i = 0; i < 33; i++) { snprintf(buf[i], 4, "f%d", i); names[i] = buf[i]; }
    pb p = {0};
    pb_header(&p);
    pb_u32(&p, 1);
    pb_names(&p, WASMC_CVAL_FLAGS, 33, names);
    empty_tail(&p, 6);
    char msg[512];
    cr_assert_not(decode(&p, msg));
    cr_assert(strstr(msg, "flags with 33 names"), "%s", msg);
    free(p.b);
    p = (pb){0};
    pb_header(&p);
    pb_u32(&p, 1);
    pb_record(&p, 0, NULL, NULL);
    empty_tail(&p, 6);
    cr_assert_not(decode(&p, msg));
    cr_assert(strstr(msg, "at least one"), "%s", msg);
    free(p.b);
}

Test(component_plan, overlong_leb_and_forged_counts_are_refused) {
    pb p = {0};
    pb_header(&p);
    for (int i = 0; i < 5; i++) pb_byte(&p, 0x80);
    pb_byte(&p, 0);
    char msg[512];
    cr_assert_not(decode(&p, msg));
    cr_assert(strstr(msg, "longer than 5 bytes"), "%s", msg);
    free(p.b);
    p = (pb){0};
    pb_header(&p);
    pb_u32(&p, 900000);   /* far more types than bytes */
    cr_assert_not(decode(&p, msg));
    cr_assert(strstr(msg, "bytes left"), "%s", msg);
    free(p.b);
}

Test(component_plan, resource_types_and_steps_check_their_indices) {
    pb p = {0};
    pb_header(&p);
    pb_u32(&p, 1);
    pb_own(&p, 3);        /* no such resource */
    empty_tail(&p, 6);
    char msg[512];
    cr_assert_not(decode(&p, msg));
    cr_assert(strstr(msg, "names resource 3"), "%s", msg);
    free(p.b);
    p = (pb){0};
    pb_header(&p);
    empty_tail(&p, 5);
    pb_u32(&p, 1);        /* one step: instantiate module 0 of none */
    pb_byte(&p, WASMC_PLAN_INSTANTIATE);
    pb_u32(&p, 0);
    pb_u32(&p, 0);
    pb_u32(&p, 0);
    cr_assert_not(decode(&p, msg));
    cr_assert(strstr(msg, "core module index 0 out of range"), "%s", msg);
    free(p.b);
    p = (pb){0};
    pb_header(&p);
    empty_tail(&p, 6);
    pb_u32(&p, 1);        /* export of lifted function 0 of none */
    pb_name(&p, ""); pb_name(&p, "run"); pb_byte(&p, WASMC_PLAN_FUNC); pb_u32(&p, 0);
    cr_assert_not(decode(&p, msg));
    cr_assert(strstr(msg, "lifted function index 0 out of range"), "%s", msg);
    free(p.b);
}
