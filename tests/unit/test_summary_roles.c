/* test_summary_roles.c - summary columns declared with a role are found by
 * role (sim/model_roles.c), and the comparison of arms (sim/res_cea.c) counts
 * a new module's event column of an existing kind without naming it. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "res_cea.h"
#include "model_roles.h"

static os_model model;

#define EVENT(flags, kind, site) ((os_sum_role){OS_ROLE_EVENT, (flags), (kind), (site), NULL})

/* Columns as modules would register them; "rib" is a new module's site. */
static void register_all(os_model *m, int with_rib)
{
    os_err err = {0};
    memset(m, 0, sizeof *m);
    assert_int_equal(os_summary_column_as(m, "persons", "persons", "", (os_sum_role){.role = OS_ROLE_POPULATION}, &err), 0);
    assert_int_equal(os_summary_column(m, "plain", "1", "old signature: role other", &err), 1);
    os_summary_column_as(m, "trips", "trips", "", EVENT(OS_SUM_REPORT, "trips", NULL), &err);
    os_summary_column_as(m, "breaks_a", "breaks", "", EVENT(OS_SUM_ARMS, "breaks", "a"), &err);
    os_summary_column_as(m, "breaks_b", "breaks", "", EVENT(0, "breaks", "b"), &err);
    os_summary_column_as(m, "money", "EUR", "", (os_sum_role){.role = OS_ROLE_COST, .flags = 0, .label = "money"}, &err);
    os_summary_column_as(m, "money_d", "EUR", "", (os_sum_role){.role = OS_ROLE_COST, .flags = OS_SUM_DISCOUNTED, .label = "money"}, &err);
    os_summary_column_as(m, "part_d", "EUR", "",
                         (os_sum_role){.role = OS_ROLE_COST, .flags = OS_SUM_DISCOUNTED | OS_SUM_PART, .label = "part"}, &err);
    os_summary_column_as(m, "health_d", "HU", "", (os_sum_role){.role = OS_ROLE_UTILITY, .flags = OS_SUM_DISCOUNTED, .label = "hu"}, &err);
    if (with_rib) os_summary_column_as(m, "breaks_rib", "breaks", "", EVENT(0, "breaks", "rib"), &err);
    assert_int_equal(err.code, 0);
    const double mult[2] = {1, 2};
    assert_int_equal(os_model_set_wtp(m, 100, mult, 2, "base.key", "mult.key", &err), 0);
}

static void test_find_by_role(void **state)
{
    (void)state;
    register_all(&model, 0);
    const os_summary_col *c = model.summary;
    int n = model.nsummary, idx[OS_MAX_SUMMARY_COLS];
    assert_int_equal(c[1].role, OS_ROLE_OTHER);
    assert_int_equal(os_roles_find(c, n, OS_ROLE_EVENT, 0, 0, idx), 3);
    assert_int_equal(os_roles_find(c, n, OS_ROLE_COST, OS_SUM_DISCOUNTED, OS_SUM_DISCOUNTED, idx), 2);
    assert_string_equal(os_roles_main(c, n, OS_ROLE_COST)->name, "money_d");
    assert_string_equal(os_roles_units(c, n, OS_ROLE_COST), "EUR");
    assert_string_equal(os_roles_main(c, n, OS_ROLE_UTILITY)->label, "hu");
    assert_null(os_roles_main(c, n, OS_ROLE_LIFE_YEARS));
    double tot[OS_MAX_SUMMARY_COLS] = {0};
    tot[6] = 5;   /* money_d */
    tot[7] = 2;   /* part_d: part of money_d, not added */
    assert_float_equal(os_roles_measure(c, n, tot, OS_ROLE_COST), 5, 0);
    /* totals: main cost, utility, events, parts; not the population or "plain" */
    static const char *const order[] = {"money", "money_d", "health_d", "trips", "breaks_a", "breaks_b", "part_d"};
    assert_int_equal(os_roles_totals(c, n, idx), 7);
    for (int i = 0; i < 7; i++) assert_string_equal(c[idx[i]].name, order[i]);
    int first[OS_MAX_SUMMARY_COLS], sites;
    assert_int_equal(os_roles_kinds(c, n, first), 2);
    assert_int_equal(os_roles_kind_cols(c, n, first[1], idx, &sites), 2);
    assert_int_equal(sites, 1);
    assert_float_equal(model.wtp.value[1], 200, 0);
}

/* A summary of two arms, one year, one row each: column k of arm a holds
 * (a + 1) * (k + 1). */
static void summary_of(os_summary *s, const os_model *m, double *v, int32_t *year, int32_t *arm)
{
    memset(s, 0, sizeof *s);
    s->ncols = m->nsummary;
    memcpy(s->cols, m->summary, sizeof m->summary);
    s->wtp = m->wtp;
    s->nrows = 2;
    s->year = year;
    s->arm = arm;
    s->values = v;
    for (int a = 0; a < 2; a++)
        for (int k = 0; k < s->ncols; k++) v[a * s->ncols + k] = (a + 1) * (k + 1);
}

static double read_first(hid_t f, const char *path, int row)
{
    double v[OS_MAX_ARMS] = {0};
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    assert_true(d >= 0);
    H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(d);
    return v[row];
}

/* breaks_total sums every column of the kind "breaks", a new module's too. */
static void test_new_site_counted(void **state)
{
    (void)state;
    static os_summary s;
    double v[2 * OS_MAX_SUMMARY_COLS];
    int32_t year[2] = {2025, 2025}, arm[2] = {0, 1};
    os_arms arms = {0};
    arms.n = 2;
    arms.names[0] = "ref";
    arms.names[1] = "alt";
    char path[512];
    snprintf(path, sizeof path, "%s/summary_roles.h5", OS_TMP_DIR);
    for (int rib = 0; rib < 2; rib++) {
        register_all(&model, rib);
        summary_of(&s, &model, v, year, arm);
        hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        assert_true(f >= 0);
        os_err err = {0};
        assert_int_equal(os_cea_write(f, &s, &arms, NULL, &err), 0);
        /* breaks_a, breaks_b are columns 3 and 4; breaks_rib column 9 */
        double want = (4 + 5 + (rib ? 10 : 0)) * 2.0;
        assert_float_equal(read_first(f, "/economics/breaks_total", 1), want, 0);
        assert_float_equal(read_first(f, "/economics/breaks_averted", 1), -want / 2, 0);
        assert_float_equal(read_first(f, "/economics/trips_averted", 1), -3, 0);
        assert_float_equal(read_first(f, "/economics/incremental_money", 1), 7, 0);
        assert_float_equal(read_first(f, "/economics/incremental_hu", 1), 9, 0);
        assert_float_equal(read_first(f, "/economics/nmb_2", 1), 200 * 9 - 7, 0);
        assert_true(H5Lexists(f, "/economics/part_d", H5P_DEFAULT) > 0);
        assert_true(H5Lexists(f, "/economics/plain", H5P_DEFAULT) == 0);
        H5Fclose(f);
    }
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_by_role),
        cmocka_unit_test(test_new_site_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
