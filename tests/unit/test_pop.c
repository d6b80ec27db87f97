/* Population store: columns, growth and stable compaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pop.h"

static void test_core_columns_and_row_bytes(void **state)
{
    (void)state;
    os_pop p;
    os_pop_init(&p);
    assert_int_equal(p.ncols, OS_COL_NCORE);
    assert_int_equal(os_pop_find_column(&p, "weight"), OS_COL_WEIGHT);
    assert_int_equal(os_pop_row_bytes(&p), 4 + 1 + 4 + 4 + 1);
    os_err err = {0};
    int c = os_pop_add_column(&p, "bmd", OS_COL_F32, "g/cm2", "BMD", OS_COL_SNAPSHOT, &err);
    assert_int_equal(c, OS_COL_NCORE);
    assert_int_equal(os_pop_add_column(&p, "bmd", OS_COL_U8, "1", "dup", 0, &err), -1);
    assert_non_null(strstr(err.msg, "bmd"));
    assert_int_equal(os_pop_row_bytes(&p), 14 + 4);
    os_pop_free(&p);
}

static void test_append_compact_keeps_order(void **state)
{
    (void)state;
    os_pop p;
    os_pop_init(&p);
    os_err err = {0};
    int tag = os_pop_add_column(&p, "tag", OS_COL_U16, "1", "", 0, &err);
    size_t first;
    assert_int_equal(os_pop_append(&p, 1000, &first, &err), 0);
    assert_int_equal(first, 0);
    /* A column added after rows exist starts zero-filled. */
    int late = os_pop_add_column(&p, "late", OS_COL_F32, "1", "", 0, &err);
    float *lv = os_pop_data(&p, late);
    for (size_t i = 0; i < 1000; i++) assert_true(lv[i] == 0.0f);
    assert_int_equal(os_pop_append(&p, 500, &first, &err), 0);
    assert_int_equal(first, 1000);
    uint32_t *id = os_pop_data(&p, OS_COL_ID);
    uint8_t *alive = os_pop_data(&p, OS_COL_ALIVE);
    uint16_t *t = os_pop_data(&p, tag);
    lv = os_pop_data(&p, late);
    for (size_t i = 0; i < p.n; i++) {
        id[i] = (uint32_t)i;
        t[i] = (uint16_t)(i * 3);
        lv[i] = (float)i;
        alive[i] = (i % 3) != 1;
    }
    os_pop_compact(&p);
    assert_int_equal(p.n, 1000);
    id = os_pop_data(&p, OS_COL_ID);
    t = os_pop_data(&p, tag);
    lv = os_pop_data(&p, late);
    alive = os_pop_data(&p, OS_COL_ALIVE);
    for (size_t k = 1; k < p.n; k++) assert_true(id[k] > id[k - 1]);
    for (size_t k = 0; k < p.n; k++) {
        assert_true(id[k] % 3 != 1);
        assert_int_equal(t[k], (uint16_t)(id[k] * 3));
        assert_true(lv[k] == (float)id[k]);
        assert_int_equal(alive[k], 1);
    }
    os_pop_free(&p);
}

/* Runs of dead rows of every length, at the first and the last row too:
 * each column keeps exactly its living rows, in order. */
static void test_compact_dead_runs(void **state)
{
    (void)state;
    os_pop p;
    os_pop_init(&p);
    os_err err = {0};
    int tag = os_pop_add_column(&p, "tag", OS_COL_U16, "1", "", 0, &err);
    size_t first, n = 2000;
    assert_int_equal(os_pop_append(&p, n, &first, &err), 0);
    uint32_t *id = os_pop_data(&p, OS_COL_ID);
    uint8_t *sex = os_pop_data(&p, OS_COL_SEX), *alive = os_pop_data(&p, OS_COL_ALIVE);
    uint16_t *t = os_pop_data(&p, tag);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        id[i] = (uint32_t)i;
        sex[i] = (uint8_t)(i * 7);
        t[i] = (uint16_t)(i * 5);
        /* dead: the first 3 rows, the last 2, and runs of 1..4 rows */
        alive[i] = !(i < 3 || i >= n - 2 || (i % 37) < (i / 37) % 5);
        kept += alive[i];
    }
    os_pop_compact(&p);
    assert_int_equal(p.n, kept);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i < 3 || i >= n - 2 || (i % 37) < (i / 37) % 5) continue;
        assert_int_equal(id[k], (uint32_t)i);
        assert_int_equal(sex[k], (uint8_t)(i * 7));
        assert_int_equal(t[k], (uint16_t)(i * 5));
        assert_int_equal(alive[k], 1);
        k++;
    }
    assert_int_equal(k, kept);
    os_pop_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_columns_and_row_bytes),
        cmocka_unit_test(test_append_compact_keeps_order),
        cmocka_unit_test(test_compact_dead_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
